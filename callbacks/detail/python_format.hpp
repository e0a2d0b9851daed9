#pragma once
// Number formatting the way Python prints it, so messages and CSV files read exactly as Keras's.
#include <string>

namespace strata::callbacks::detail {

// Python's repr(float): the shortest string that reads back to the same double, fixed notation
// for decimal exponents in [-4, 16) ("0.001", "123.0"), scientific otherwise ("1e-05",
// "1.5e+16"); "nan", "inf", "-inf".
std::string python_repr(double value);

// Python's f"{value:.{precision}f}" / f"{value:.{precision}e}" (printf, but NaN is always "nan").
std::string python_fixed(double value, int precision);
std::string python_exponent(double value, int precision);

}  // namespace strata::callbacks::detail
