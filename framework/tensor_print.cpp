// Printing, as TensorFlow prints an EagerTensor: the values as NumPy's str() shows them, then the
// shape and dtype.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {

namespace {

constexpr std::size_t kLineWidth = 75;      // numpy's linewidth
constexpr std::int64_t kSummaryThreshold = 1000;  // numpy's threshold
constexpr std::int64_t kEdgeItems = 3;

// Shortest text that reads back as the same value of the tensor's precision.
std::string shortest(double v, bool single, std::chars_format fmt, int precision = -1) {
  char buf[64];
  std::to_chars_result r;
  if (precision >= 0)
    r = single ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v), fmt, precision)
               : std::to_chars(buf, buf + sizeof buf, v, fmt, precision);
  else
    r = single ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v), fmt)
               : std::to_chars(buf, buf + sizeof buf, v, fmt);
  return std::string(buf, r.ptr);
}

// Formats floats like numpy's FloatingFormat (precision 8, unique, trimmed, aligned on the point).
class FloatFormatter {
 public:
  FloatFormatter(const std::vector<double>& values, bool single) : single_(single) {
    double max_abs = 0, min_abs = INFINITY;
    for (double v : values)
      if (std::isfinite(v) && v != 0) {
        max_abs = std::max(max_abs, std::abs(v));
        min_abs = std::min(min_abs, std::abs(v));
      }
    scientific_ = max_abs >= 1e8 || (min_abs < 1e-4) || (max_abs / min_abs > 1e3 && min_abs != INFINITY);
    if (max_abs == 0) scientific_ = false;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      auto [integer, fraction, exponent] = split(v);
      int_width_ = std::max(int_width_, integer.size());
      frac_width_ = std::max(frac_width_, fraction.size());
      exp_width_ = std::max(exp_width_, exponent.size());
    }
    // As numpy: widen the integer part so "nan" / "-inf" fit in the common width.
    const std::size_t offset = frac_width_ + 1 + (scientific_ ? exp_width_ : 0);
    for (double v : values)
      if (!std::isfinite(v) && special(v).size() > offset) int_width_ = std::max(int_width_, special(v).size() - offset);
  }

  std::string operator()(double v) const {
    if (!std::isfinite(v)) {
      std::string s = special(v);
      std::size_t width = int_width_ + 1 + frac_width_ + (scientific_ ? exp_width_ : 0);
      return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
    }
    auto [integer, fraction, exponent] = split(v);
    std::string s(int_width_ - integer.size(), ' ');
    s += integer + "." + fraction;
    if (scientific_) s += std::string(frac_width_ - fraction.size(), '0') + exponent;
    else s += std::string(frac_width_ - fraction.size(), ' ');
    return s;
  }

 private:
  struct Parts {
    std::string integer, fraction, exponent;
  };
  static std::string special(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }

  Parts split(double v) const {
    std::string text;
    Parts parts;
    if (scientific_) {
      text = shortest(v, single_, std::chars_format::scientific);
      auto e = text.find('e');
      parts.exponent = text.substr(e);
      text = text.substr(0, e);
      // numpy caps the mantissa at 8 digits after the point
      auto dot = text.find('.');
      if (dot != std::string::npos && text.size() - dot - 1 > 8) {
        text = shortest(v, single_, std::chars_format::scientific, 8);
        e = text.find('e');
        parts.exponent = text.substr(e);
        text = text.substr(0, e);
      }
    } else {
      text = shortest(v, single_, std::chars_format::fixed);
      auto dot = text.find('.');
      if (dot != std::string::npos && text.size() - dot - 1 > 8) text = shortest(v, single_, std::chars_format::fixed, 8);
    }
    auto dot = text.find('.');
    parts.integer = text.substr(0, dot);
    if (dot != std::string::npos) {
      parts.fraction = text.substr(dot + 1);
      while (!parts.fraction.empty() && parts.fraction.back() == '0') parts.fraction.pop_back();
    }
    return parts;
  }

  bool single_;
  bool scientific_ = false;
  std::size_t int_width_ = 0, frac_width_ = 0, exp_width_ = 0;
};

// A numpy scalar's str(): "5.0", "0.1", "1e-05", "7", "True".
std::string scalar_text(double v, DType dtype) {
  if (dtype == DType::boolean) return v != 0 ? "True" : "False";
  if (!is_floating(dtype)) return std::to_string(static_cast<std::int64_t>(v));
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const bool single = dtype == DType::float32;
  const double a = std::abs(v);
  if (a != 0 && (a >= 1e16 || a < 1e-4)) return shortest(v, single, std::chars_format::scientific);
  std::string s = shortest(v, single, std::chars_format::fixed);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

class ArrayPrinter {
 public:
  ArrayPrinter(const std::vector<double>& values, const Shape& shape, DType dtype)
      : values_(values), shape_(shape), strides_(contiguous_strides(shape)), dtype_(dtype),
        summarize_(shape.num_elements() > kSummaryThreshold) {
    std::vector<double> shown;
    collect(0, 0, shown);
    if (is_floating(dtype)) {
      floats_.emplace(shown, dtype == DType::float32);
    } else {
      for (double v : shown) width_ = std::max(width_, element(v).size());
    }
  }

  std::string print() {
    std::string out;
    std::string line;
    write(0, 0, out, line, "");
    return out + line;
  }

 private:
  bool elided(std::size_t axis) const { return summarize_ && shape_[axis] > 2 * kEdgeItems; }

  // Indices shown along `axis` (-1 marks the "..." gap).
  std::vector<std::int64_t> shown_indices(std::size_t axis) const {
    std::vector<std::int64_t> idx;
    if (!elided(axis)) {
      for (std::int64_t i = 0; i < shape_[axis]; ++i) idx.push_back(i);
    } else {
      for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (std::int64_t i = shape_[axis] - kEdgeItems; i < shape_[axis]; ++i) idx.push_back(i);
    }
    return idx;
  }

  void collect(std::size_t axis, std::int64_t offset, std::vector<double>& shown) const {
    if (axis == shape_.size()) {
      shown.push_back(values_[static_cast<std::size_t>(offset)]);
      return;
    }
    for (auto i : shown_indices(axis))
      if (i >= 0) collect(axis + 1, offset + i * strides_[axis], shown);
  }

  std::string element(double v) const {
    if (floats_) return (*floats_)(v);
    std::string s = dtype_ == DType::boolean ? (v != 0 ? "True" : "False") : std::to_string(static_cast<std::int64_t>(v));
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

  // Appends words to `line`, wrapping at the line width as numpy does.
  void emit(const std::string& word, std::string& out, std::string& line, const std::string& indent) {
    if (line.size() + word.size() > kLineWidth && line.find_first_not_of(' ') != std::string::npos &&
        line.size() > indent.size()) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
      line = indent;
    }
    line += word;
  }

  void write(std::size_t axis, std::int64_t offset, std::string& out, std::string& line, const std::string& indent) {
    const std::string inner_indent = indent + " ";
    line += "[";
    auto idx = shown_indices(axis);
    const bool last_axis = axis + 1 == shape_.size();
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const bool last = k + 1 == idx.size();
      if (last_axis) {
        std::string word = idx[k] < 0 ? "..." : element(values_[static_cast<std::size_t>(offset + idx[k] * strides_[axis])]);
        emit(last ? word : word + " ", out, line, inner_indent);
      } else {
        if (idx[k] < 0) {
          line += "...";
        } else {
          write(axis + 1, offset + idx[k] * strides_[axis], out, line, inner_indent);
        }
        if (!last) {
          out += line;
          line.clear();
          out += std::string(shape_.size() - axis - 1, '\n');
          line = inner_indent;
        }
      }
    }
    line += "]";
  }

  const std::vector<double>& values_;
  const Shape& shape_;
  std::vector<std::int64_t> strides_;
  DType dtype_;
  bool summarize_;
  std::optional<FloatFormatter> floats_;
  std::size_t width_ = 0;
};

}  // namespace

std::string Tensor::values_to_string() const {
  check_defined("Tensor::values_to_string");
  auto values = to_vector<double>();
  if (rank() == 0) return scalar_text(values[0], dtype());
  return ArrayPrinter(values, shape(), dtype()).print();
}

std::string Tensor::to_string() const {
  if (!defined()) return "strata.Tensor(<undefined>)";
  if (is_symbolic())
    return "<strata.SymbolicTensor shape=" + shape().to_string() + ", dtype=" + std::string(dtype_name(dtype())) + ">";
  std::string text = values_to_string();
  if (text.find('\n') != std::string::npos) text = "\n" + text;
  return "strata.Tensor(" + text + ", shape=" + shape().to_string() + ", dtype=" + std::string(dtype_name(dtype())) +
         ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace strata
