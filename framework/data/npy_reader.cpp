// NumPy .npy files (format versions 1.0, 2.0, 3.0).
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>

#include "strata/framework/data/file_input.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/io/atomic_file.hpp"
#include "strata/framework/ops/array_ops.hpp"

namespace strata::data {
namespace {

constexpr std::array<unsigned char, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Only the forms np.save writes are accepted: string keys, a string, a bool, a tuple of ints.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const detail::InputFile& file) : s_(text), file_(file) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[') bad("structured arrays (a list 'descr') are not supported");
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = int_tuple();
        have_shape = true;
      } else {
        bad("unexpected key '" + key + "' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      break;
    }
    skip_space();
    if (i_ != s_.size()) bad("unexpected text after the closing brace");
    if (!have_descr || !have_order || !have_shape)
      bad(std::string("missing key '") + (!have_descr ? "descr" : !have_order ? "fortran_order" : "shape") + "'");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    std::string shown(s_.substr(0, 120));
    for (auto& c : shown)
      if (static_cast<unsigned char>(c) < 32) c = ' ';
    file_.fail("bad .npy header (" + what + "): \"" + shown + (s_.size() > 120 ? "..." : "") + "\"");
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) bad(std::string("expected '") + c + "' at character " + std::to_string(i_));
    ++i_;
  }
  std::string string_literal() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string at character " + std::to_string(i_));
    const std::size_t start = ++i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      if (s_[i_] == '\\') bad("escapes in strings are not supported");
      ++i_;
    }
    if (i_ >= s_.size()) bad("unterminated string");
    return std::string(s_.substr(start, i_++ - start));
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    bad("'fortran_order' must be True or False");
  }
  std::vector<std::int64_t> int_tuple() {
    if (peek() != '(') bad("'shape' must be a tuple");
    ++i_;
    std::vector<std::int64_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') {
        ++i_;
        return dims;
      }
      if (peek() < '0' || peek() > '9') bad("'shape' must hold non-negative integers");
      std::int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, peek() - '0', &v))
          bad("a dimension of 'shape' is too large");
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2 long
      if (dims.size() >= 64) bad("'shape' has more than 64 dimensions");
      dims.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        bad("expected ',' or ')' in 'shape'");
      }
    }
  }

  std::string_view s_;
  const detail::InputFile& file_;
  std::size_t i_ = 0;
};

detail::StoredType stored_type(const std::string& descr, const detail::InputFile& file) {
  if (descr.size() < 3) file.fail("unsupported dtype '" + descr + "'");
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    file.fail("unsupported dtype '" + descr + "' (expected a byte order '<', '>', '|' or '=')");
  const char kind = descr[1];
  int size = 0;
  for (std::size_t k = 2; k < descr.size(); ++k) {
    if (descr[k] < '0' || descr[k] > '9' || size > 1000) file.fail("unsupported dtype '" + descr + "'");
    size = size * 10 + (descr[k] - '0');
  }
  detail::StoredType t{detail::StoredType::floating, size,
                       order == '>' || (order == '=' && std::endian::native == std::endian::big), descr};
  switch (kind) {
    case 'f': t.kind = detail::StoredType::floating; break;
    case 'i': t.kind = detail::StoredType::signed_integer; break;
    case 'u': t.kind = detail::StoredType::unsigned_integer; break;
    case 'b': t.kind = detail::StoredType::boolean; break;
    default: t.kind = detail::StoredType::boolean; t.size = 0; break;  // rejected below
  }
  const bool supported = (t.kind == detail::StoredType::floating && (size == 4 || size == 8)) ||
                         (t.kind == detail::StoredType::signed_integer && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                         (t.kind == detail::StoredType::unsigned_integer && (size == 1 || size == 2 || size == 4)) ||
                         (t.kind == detail::StoredType::boolean && size == 1);
  if (!supported)
    file.fail("unsupported dtype '" + descr + "' (supported: f4, f8, i1, i2, i4, i8, u1, u2, u4, b1)");
  return t;
}

}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
  detail::InputFile file(path, "read_npy");
  std::array<unsigned char, 8> preamble{};
  file.read_exact(preamble.data(), preamble.size(), "the .npy magic and version");
  if (std::memcmp(preamble.data(), kMagic.data(), kMagic.size()) != 0)
    file.fail("not a .npy file (the magic string \\x93NUMPY is missing)");
  const int major = preamble[6], minor = preamble[7];
  std::uint64_t header_len = 0;
  if (major == 1) {
    std::array<unsigned char, 2> len{};
    file.read_exact(len.data(), len.size(), "the header length");
    header_len = len[0] | (std::uint64_t{len[1]} << 8);
  } else if (major == 2 || major == 3) {
    std::array<unsigned char, 4> len{};
    file.read_exact(len.data(), len.size(), "the header length");
    header_len = len[0] | (std::uint64_t{len[1]} << 8) | (std::uint64_t{len[2]} << 16) | (std::uint64_t{len[3]} << 24);
  } else {
    file.fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
              " (supported: 1.0, 2.0, 3.0)");
  }
  if (header_len > file.max_remaining())
    file.fail("truncated file: the header length is " + std::to_string(header_len) + " bytes but only " +
              std::to_string(file.max_remaining()) + " bytes follow");
  std::string text(static_cast<std::size_t>(header_len), '\0');
  file.read_exact(text.data(), text.size(), "the header");
  const NpyHeader header = HeaderParser(text, file).parse();
  const detail::StoredType type = stored_type(header.descr, file);
  Shape shape(header.shape);
  const auto count = detail::checked_product(header.shape);
  const auto size = static_cast<std::uint64_t>(type.size);
  if (!count || static_cast<std::uint64_t>(*count) > file.max_remaining() / size)
    file.fail("truncated or corrupt file: the header's shape " + shape.to_string() + " of '" + header.descr +
              "' needs more data than the file holds (" + std::to_string(file.max_remaining()) +
              " bytes after the header)");
  const std::string what = "the data of shape " + shape.to_string() + " ('" + header.descr + "')";
  auto bytes = file.read_rest_exact(static_cast<std::uint64_t>(*count) * size, what);
  if (!header.fortran_order) return detail::tensor_from_bytes(std::move(bytes), type, shape, file);
  // Fortran order: the bytes are the C-order array of the reversed shape; transposing (which
  // reverses the axes) gives the array itself.
  Shape reversed(header.shape.rbegin(), header.shape.rend());
  return transpose(detail::tensor_from_bytes(std::move(bytes), type, reversed, file));
}

void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  if (!tensor.defined()) throw ValueError("write_npy: the tensor is undefined");
  std::string descr;
  std::vector<unsigned char> data;
  auto append = [&data](const auto& values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    const auto* p = reinterpret_cast<const unsigned char*>(values.data());
    data.assign(p, p + values.size() * sizeof(T));
  };
  static_assert(std::endian::native == std::endian::little, "write_npy writes little-endian files");
  switch (tensor.dtype()) {
    case DType::float32: descr = "<f4"; append(tensor.to_vector<float>()); break;
    case DType::float64: descr = "<f8"; append(tensor.to_vector<double>()); break;
    case DType::int32: descr = "<i4"; append(tensor.to_vector<std::int32_t>()); break;
    case DType::int64: descr = "<i8"; append(tensor.to_vector<std::int64_t>()); break;
    case DType::uint8: descr = "|u1"; append(tensor.to_vector<std::uint8_t>()); break;
    case DType::boolean: descr = "|b1"; append(tensor.to_vector<std::uint8_t>()); break;
  }
  std::string shape = "(";
  for (auto d : tensor.shape()) shape += std::to_string(d) + ", ";
  if (tensor.rank() > 1) shape.resize(shape.size() - 2);
  if (tensor.rank() == 1) shape.pop_back();  // "(5,)"
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes; end with a newline.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 65535) throw ValueError("write_npy: the tensor has too many dimensions for a version 1.0 header");

  io::AtomicFile target(path.string());
  {
    std::ofstream out(target.temporary_path(), std::ios::binary | std::ios::trunc);
    if (!out) throw IOError("write_npy: " + path.string() + ": cannot create a file in directory '" + target.folder() + "'");
    out.write(reinterpret_cast<const char*>(kMagic.data()), kMagic.size());
    const char version[2] = {1, 0};
    out.write(version, 2);
    const char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>((header.size() >> 8) & 0xff)};
    out.write(len, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) throw IOError("write_npy: " + path.string() + ": write failed");
  }
  target.commit();
}

}  // namespace strata::data
