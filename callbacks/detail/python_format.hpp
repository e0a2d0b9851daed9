#pragma once
// Number formatting the way Python prints it, so messages and CSV files read exactly as Keras's.
#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace strata::callbacks::detail {

// Python's repr(float): the shortest string that reads back to the same double, fixed notation
// for decimal exponents in [-4, 16) ("0.001", "123.0"), scientific otherwise ("1e-05",
// "1.5e+16"); "nan", "inf", "-inf".
std::string python_repr(double value);

// Python's f"{value:.{precision}f}" / f"{value:.{precision}e}" (printf, but NaN is always "nan").
std::string python_fixed(double value, int precision);
std::string python_exponent(double value, int precision);

// A value for python_format: an int (epoch, batch) or a float (a log value), as Python sees them.
using FormatValue = std::variant<std::int64_t, double>;

// Python's str.format with named fields, for ModelCheckpoint's filepath:
// "w.{epoch:02d}-{val_loss:.2f}.h5". "{{" and "}}" are literal braces; a field is {name},
// {name!r} / {name!s}, or {name:spec} with spec [[fill]align][sign][#][0][width][,|_][.precision]
// [type]. Types: none, d, n, b, o, x, X for ints (a float with d/b/o/x is Python's ValueError);
// none, e, E, f, F, g, G, n, % for floats and ints. A field missing from `values` throws
// ValueError naming it (Python's KeyError); a malformed pattern or spec throws ValueError.
std::string python_format(const std::string& pattern, const std::map<std::string, FormatValue>& values);

}  // namespace strata::callbacks::detail
