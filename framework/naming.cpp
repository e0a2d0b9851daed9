#include "strata/framework/naming.hpp"

namespace strata {

namespace {
// ASCII classes, as Python's [A-Z] / [a-z]; bytes of UTF-8 sequences count as word characters
// (Python's \w matches non-ASCII letters).
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }
bool word(char c) {
  return upper(c) || lower(c) || (c >= '0' && c <= '9') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
}  // namespace

std::string to_snake_case(const std::string& name) {
  std::string s;  // re.sub(r"\W+", "", name)
  for (char c : name)
    if (word(c)) s += c;
  std::string t;  // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", s): matches scanned left to right
  for (std::size_t i = 0; i < s.size();) {
    if (i + 2 < s.size() && upper(s[i + 1]) && lower(s[i + 2])) {
      t += s[i];
      t += '_';
      t += s[i + 1];
      std::size_t j = i + 2;
      while (j < s.size() && lower(s[j])) t += s[j++];
      i = j;
    } else {
      t += s[i++];
    }
  }
  std::string out;  // re.sub("([a-z])([A-Z])", r"\1_\2", t).lower()
  for (std::size_t i = 0; i < t.size();) {
    if (i + 1 < t.size() && lower(t[i]) && upper(t[i + 1])) {
      out += t[i];
      out += '_';
      out += static_cast<char>(t[i + 1] - 'A' + 'a');
      i += 2;
    } else {
      out += upper(t[i]) ? static_cast<char>(t[i] - 'A' + 'a') : t[i];
      ++i;
    }
  }
  return out;
}

}  // namespace strata
