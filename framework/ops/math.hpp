#pragma once
// Elementwise ops with NumPy broadcasting. Both operands must have the same dtype; a C++ number
// takes the dtype of the tensor it meets. Differentiable for floating dtypes.
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/tensor.hpp"

namespace strata {

Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

Tensor negative(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // gradient zero
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor floor(const Tensor& x);  // gradient zero
Tensor ceil(const Tensor& x);   // gradient zero
Tensor round(const Tensor& x);  // half to even; gradient zero
// Limits x to [min_value, max_value]; the gradient passes where x is inside the interval.
Tensor clip(const Tensor& x, double min_value, double max_value);
// condition ? a : b, elementwise with broadcasting; `condition` is bool.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
// A new dtype (not differentiable into or out of integer dtypes).
Tensor cast(const Tensor& x, DType dtype);

// Comparisons and logical ops: bool results, not differentiable.
Tensor equal(const Tensor& a, const Tensor& b);
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);

// A C++ number as a 0-d tensor of `like`'s dtype and device.
template <Scalar S>
Tensor scalar_like(const Tensor& like, S value) {
  return scalar(static_cast<double>(value), like.dtype(), like.device());
}

namespace detail {
// a + b, a - b, a * b or a / b (op is '+', '-', '*', '/') where `a` is a temporary: the result is
// written into a's memory when nothing else can see it (no other handle, view or tape, and b does
// not broadcast it to a larger shape), as NumPy elides temporaries, so that
// `st::cast(x, st::float32) / 255.0f` holds one float copy, not two. Otherwise the plain op.
Tensor arithmetic_on_temporary(char op, Tensor&& a, const Tensor& b);
}  // namespace detail

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return subtract(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return multiply(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return divide(a, b); }
inline Tensor operator+(Tensor&& a, const Tensor& b) { return detail::arithmetic_on_temporary('+', std::move(a), b); }
inline Tensor operator-(Tensor&& a, const Tensor& b) { return detail::arithmetic_on_temporary('-', std::move(a), b); }
inline Tensor operator*(Tensor&& a, const Tensor& b) { return detail::arithmetic_on_temporary('*', std::move(a), b); }
inline Tensor operator/(Tensor&& a, const Tensor& b) { return detail::arithmetic_on_temporary('/', std::move(a), b); }
inline Tensor operator-(const Tensor& x) { return negative(x); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return less(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return less_equal(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return greater(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return greater_equal(a, b); }
inline Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
inline Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
inline Tensor operator!(const Tensor& x) { return logical_not(x); }

#define STRATA_SCALAR_OPERATOR(op, fn)                                                       \
  template <Scalar S>                                                                       \
  Tensor operator op(const Tensor& a, S b) { return fn(a, scalar_like(a, b)); }             \
  template <Scalar S>                                                                       \
  Tensor operator op(S a, const Tensor& b) { return fn(scalar_like(b, a), b); }
STRATA_SCALAR_OPERATOR(+, add)
STRATA_SCALAR_OPERATOR(-, subtract)
STRATA_SCALAR_OPERATOR(*, multiply)
STRATA_SCALAR_OPERATOR(/, divide)
STRATA_SCALAR_OPERATOR(<, less)
STRATA_SCALAR_OPERATOR(<=, less_equal)
STRATA_SCALAR_OPERATOR(>, greater)
STRATA_SCALAR_OPERATOR(>=, greater_equal)
#undef STRATA_SCALAR_OPERATOR

#define STRATA_SCALAR_ON_TEMPORARY(op)                                 \
  template <Scalar S>                                                 \
  Tensor operator op(Tensor&& a, S b) {                               \
    const Tensor s = scalar_like(a, b);                               \
    return detail::arithmetic_on_temporary(#op[0], std::move(a), s);  \
  }
STRATA_SCALAR_ON_TEMPORARY(+)
STRATA_SCALAR_ON_TEMPORARY(-)
STRATA_SCALAR_ON_TEMPORARY(*)
STRATA_SCALAR_ON_TEMPORARY(/)
#undef STRATA_SCALAR_ON_TEMPORARY

template <Scalar S>
Tensor pow(const Tensor& a, S exponent) { return pow(a, scalar_like(a, exponent)); }
template <Scalar S>
Tensor maximum(const Tensor& a, S b) { return maximum(a, scalar_like(a, b)); }
template <Scalar S>
Tensor minimum(const Tensor& a, S b) { return minimum(a, scalar_like(a, b)); }

}  // namespace strata
