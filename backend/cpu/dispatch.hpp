#pragma once
// Turning a runtime DType into a C++ element type (the errors kernels raise for dtypes they do not
// support are in backend/kernel_checks.hpp, shared with the CUDA backend).
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "strata/backend/kernel_checks.hpp"
#include "strata/framework/dtype.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/shape.hpp"

namespace strata::backend::cpu {

// Calls fn.template operator()<T>() with the element type of `dtype`; usage:
//   visit_dtype(dtype, [&]<class T>() { ... });
template <class Fn>
decltype(auto) visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::float32: return fn.template operator()<float>();
    case DType::float64: return fn.template operator()<double>();
    case DType::int32: return fn.template operator()<std::int32_t>();
    case DType::int64: return fn.template operator()<std::int64_t>();
    case DType::uint8: return fn.template operator()<std::uint8_t>();
    case DType::boolean: return fn.template operator()<bool>();
  }
  throw DTypeError("unknown dtype code " + std::to_string(static_cast<int>(dtype)));
}

// Only float32 and float64.
template <class Fn>
decltype(auto) visit_floating(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::float32: return fn.template operator()<float>();
    case DType::float64: return fn.template operator()<double>();
    default: break;
  }
  throw DTypeError(std::string(op) + ": not supported for dtype " + std::string(dtype_name(dtype)) +
                   " (expected float32 or float64)");
}

template <class T>
inline constexpr bool is_float_v = std::is_floating_point_v<T>;

}  // namespace strata::backend::cpu
