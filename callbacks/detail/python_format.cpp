#include "strata/callbacks/detail/python_format.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "strata/framework/errors.hpp"

namespace strata::callbacks::detail {

std::string python_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // Shortest round-trip digits in scientific form: [-]d[.ddd]e±XX.
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string text(buf, result.ptr);
  std::string sign;
  if (text[0] == '-') {
    sign = "-";
    text.erase(0, 1);
  }
  auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  int exponent = std::atoi(text.c_str() + e + 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;

  if (exponent >= -4 && exponent < 16) {
    std::string out;
    if (exponent >= 0) {
      std::string int_part = digits.substr(0, std::min<std::size_t>(digits.size(), exponent + 1));
      int_part.append(exponent + 1 - int_part.size(), '0');
      std::string frac = digits.size() > static_cast<std::size_t>(exponent + 1) ? digits.substr(exponent + 1) : "";
      out = int_part + "." + (frac.empty() ? "0" : frac);
    } else {
      out = "0." + std::string(-exponent - 1, '0') + digits;
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return sign + out + exp_buf;
}

namespace {
std::string printf_double(const char* format, double value, int precision) {
  if (std::isnan(value)) return "nan";
  char buf[512];
  std::snprintf(buf, sizeof buf, format, precision, value);
  return buf;
}
}  // namespace

std::string python_fixed(double value, int precision) { return printf_double("%.*f", value, precision); }
std::string python_exponent(double value, int precision) { return printf_double("%.*e", value, precision); }

// ------------------------------------------------------------------ str.format

namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // 0: the default of the value's kind
  char sign = '-';
  bool no_negative_zero = false;
  bool alternate = false;
  int width = 0;
  char grouping = 0;
  std::optional<int> precision;
  char type = 0;
};

bool is_align(char c) { return c == '<' || c == '>' || c == '=' || c == '^'; }

int parse_int(const std::string& s, std::size_t& i) {
  long long v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i++] - '0');
    if (v > 1'000'000) throw ValueError("Too many decimal digits in format string");
  }
  return static_cast<int>(v);
}

Spec parse_spec(const std::string& text) {
  Spec spec;
  std::size_t i = 0;
  if (text.size() >= 2 && is_align(text[1])) {
    spec.fill = text[0];
    spec.align = text[1];
    i = 2;
  } else if (!text.empty() && is_align(text[0])) {
    spec.align = text[0];
    i = 1;
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-' || text[i] == ' ')) spec.sign = text[i++];
  if (i < text.size() && text[i] == 'z') spec.no_negative_zero = (++i, true);
  if (i < text.size() && text[i] == '#') spec.alternate = (++i, true);
  if (i < text.size() && text[i] == '0') {
    if (!spec.align) spec.fill = '0', spec.align = '=';
    ++i;
  }
  spec.width = parse_int(text, i);
  if (i < text.size() && (text[i] == ',' || text[i] == '_')) spec.grouping = text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (i >= text.size() || text[i] < '0' || text[i] > '9') throw ValueError("Format specifier missing precision");
    spec.precision = parse_int(text, i);
  }
  if (i < text.size()) spec.type = text[i++];
  if (i != text.size()) throw ValueError("Invalid format specifier '" + text + "'");
  return spec;
}

// Inserts the grouping character every three digits of the leading run of digits of `body`.
std::string group_digits(const std::string& body, char grouping, int every) {
  std::size_t end = 0;
  while (end < body.size() && std::isxdigit(static_cast<unsigned char>(body[end]))) ++end;
  std::string head = body.substr(0, end), out;
  for (std::size_t k = 0; k < head.size(); ++k) {
    if (k > 0 && (head.size() - k) % every == 0) out += grouping;
    out += head[k];
  }
  return out + body.substr(end);
}

// Pads `prefix` (sign, base prefix) + `body` to the spec's width.
std::string pad(const Spec& spec, const std::string& prefix, const std::string& body, char default_align) {
  const std::size_t length = prefix.size() + body.size();
  if (static_cast<std::size_t>(spec.width) <= length) return prefix + body;
  const std::size_t n = spec.width - length;
  switch (spec.align ? spec.align : default_align) {
    case '<': return prefix + body + std::string(n, spec.fill);
    case '^': return std::string(n / 2, spec.fill) + prefix + body + std::string(n - n / 2, spec.fill);
    case '=': return prefix + std::string(n, spec.fill) + body;
    default: return std::string(n, spec.fill) + prefix + body;
  }
}

std::string sign_of(bool negative, const Spec& spec) {
  if (negative) return "-";
  return spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
}

std::string format_float(double value, const Spec& spec) {
  const char type = spec.type;
  if (type && std::string("eEfFgGn%").find(type) == std::string::npos)
    throw ValueError(std::string("Unknown format code '") + type + "' for object of type 'float'");
  bool negative = std::signbit(value) && !std::isnan(value);
  double magnitude = std::abs(value);
  if (type == '%') magnitude *= 100.0;
  std::string body;
  if (std::isnan(value) || std::isinf(value)) {
    body = std::isnan(value) ? "nan" : "inf";
    if (type == 'E' || type == 'F' || type == 'G')
      for (auto& c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else {
    char buf[512];
    const int p = spec.precision.value_or(6);
    const char* flag = spec.alternate ? "#" : "";
    auto print = [&](char conversion, int precision) {
      std::string format = std::string("%") + flag + ".*" + conversion;
      std::snprintf(buf, sizeof buf, format.c_str(), precision, magnitude);
      return std::string(buf);
    };
    switch (type) {
      case 'e': case 'E': body = print(type, p); break;
      case 'f': case 'F': case '%': body = print('f', p); break;
      case 'g': case 'G': case 'n': body = print(type == 'G' ? 'G' : 'g', p == 0 ? 1 : p); break;
      default:
        if (!spec.precision) {
          body = python_repr(magnitude);
        } else {
          // Like 'g', but a fixed-point result keeps one digit after the point ("1.0").
          body = print('g', p == 0 ? 1 : p);
          if (body.find_first_of(".e") == std::string::npos) body += ".0";
        }
    }
    if (spec.no_negative_zero && negative && body.find_first_not_of("0.e+-%") == std::string::npos) negative = false;
  }
  if (type == '%') body += '%';
  if (spec.grouping) body = group_digits(body, spec.grouping, 3);
  return pad(spec, sign_of(negative, spec), body, '>');
}

std::string format_int(std::int64_t value, const Spec& spec) {
  const char type = spec.type;
  if (type && std::string("eEfFgG%").find(type) != std::string::npos) return format_float(static_cast<double>(value), spec);
  if (type && std::string("dnboxX").find(type) == std::string::npos)
    throw ValueError(std::string("Unknown format code '") + type + "' for object of type 'int'");
  if (spec.precision) throw ValueError("Precision not allowed in integer format specifier");
  const bool negative = value < 0;
  unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(value) : static_cast<unsigned long long>(value);
  const int base = type == 'b' ? 2 : type == 'o' ? 8 : (type == 'x' || type == 'X') ? 16 : 10;
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdef"[magnitude % base]);
    magnitude /= base;
  } while (magnitude);
  if (type == 'X')
    for (auto& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string prefix = sign_of(negative, spec);
  if (spec.alternate && base != 10) prefix += std::string("0") + (type == 'b' ? 'b' : type == 'o' ? 'o' : type);
  if (spec.grouping) digits = group_digits(digits, spec.grouping, base == 10 ? 3 : 4);
  return pad(spec, prefix, digits, '>');
}

std::string format_string(const std::string& value, const Spec& spec) {
  if (spec.type && spec.type != 's')
    throw ValueError(std::string("Unknown format code '") + spec.type + "' for object of type 'str'");
  if (spec.sign != '-' || spec.alternate || spec.grouping) throw ValueError("Sign, '#' and grouping are not allowed in string format specifier");
  if (spec.align == '=') throw ValueError("'=' alignment not allowed in string format specifier");
  std::string body = spec.precision ? value.substr(0, static_cast<std::size_t>(*spec.precision)) : value;
  return pad(spec, "", body, '<');
}

}  // namespace

std::string python_format(const std::string& pattern, const std::map<std::string, FormatValue>& values) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '}') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw ValueError("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const auto close = pattern.find('}', i + 1);
    if (close == std::string::npos) throw ValueError("Single '{' encountered in format string");
    const std::string field = pattern.substr(i + 1, close - i - 1);
    if (field.find('{') != std::string::npos) throw ValueError("nested replacement fields are not supported in '" + pattern + "'");
    const auto name_end = field.find_first_of("!:");
    const std::string name = field.substr(0, name_end);
    if (name.empty()) throw ValueError("positional fields ('{}') are not supported in '" + pattern + "'; name the field");
    char conversion = 0;
    std::string spec_text;
    if (name_end != std::string::npos) {
      std::size_t k = name_end;
      if (field[k] == '!') {
        if (k + 1 >= field.size() || (field[k + 1] != 'r' && field[k + 1] != 's' && field[k + 1] != 'a'))
          throw ValueError("Unknown conversion specifier in '{" + field + "}'");
        conversion = field[k + 1];
        k += 2;
        if (k < field.size() && field[k] != ':') throw ValueError("expected ':' after conversion specifier in '{" + field + "}'");
      }
      if (k < field.size()) spec_text = field.substr(k + 1);
    }
    auto found = values.find(name);
    if (found == values.end()) throw ValueError("'" + name + "'");
    const Spec spec = parse_spec(spec_text);
    if (conversion) {
      const std::string text = std::holds_alternative<double>(found->second)
                                   ? python_repr(std::get<double>(found->second))
                                   : std::to_string(std::get<std::int64_t>(found->second));
      out += format_string(text, spec);
    } else if (std::holds_alternative<double>(found->second)) {
      out += format_float(std::get<double>(found->second), spec);
    } else {
      out += format_int(std::get<std::int64_t>(found->second), spec);
    }
    i = close;
  }
  return out;
}

}  // namespace strata::callbacks::detail
