#pragma once
// The integer semantics and conversions of one element, the same on every backend: compiled as
// host code by the CPU backend and as __host__ __device__ code by nvcc (backend/cuda).
#include <limits>
#include <type_traits>

#ifdef __CUDACC__
#define STRATA_HOST_DEVICE __host__ __device__
#else
#define STRATA_HOST_DEVICE
#endif

namespace strata::backend {

// Python's // on integers: rounds toward negative infinity; 0 for a zero divisor; no overflow trap.
template <class T>
STRATA_HOST_DEVICE inline T floor_divide(T a, T b) {
  if (b == 0) return T(0);
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return static_cast<T>(std::make_unsigned_t<T>(0) - static_cast<std::make_unsigned_t<T>>(a));
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return a / b;
  }
}

// Integer power by repeated squaring (wrapping); negative exponents give 0 except for bases +-1.
template <class T>
STRATA_HOST_DEVICE inline T integer_pow(T base, T exponent) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) {
    if (exponent < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
      return 0;
    }
  }
  U result = 1, b = static_cast<U>(base);
  for (auto e = static_cast<U>(exponent); e; e >>= 1) {
    if (e & 1) result = static_cast<U>(result * b);
    b = static_cast<U>(b * b);
  }
  return static_cast<T>(result);
}

// Converts a value to T without undefined behaviour: NaN -> 0 and out-of-range values saturate
// for integer targets; nonzero -> true for bool.
template <class T, class S>
STRATA_HOST_DEVICE inline T convert(S value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<T>) {
    if (!(value == value)) return T(0);
    constexpr auto lo = static_cast<S>(std::numeric_limits<T>::min());
    constexpr auto hi = static_cast<S>(std::numeric_limits<T>::max());
    if (value <= lo) return std::numeric_limits<T>::min();
    if (value >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(value);
  } else {
    return static_cast<T>(value);
  }
}

}  // namespace strata::backend
