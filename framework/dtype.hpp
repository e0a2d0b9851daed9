#pragma once
// Element types of a Tensor.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

enum class DType : std::uint8_t { float32, float64, int32, int64, uint8, boolean };

inline constexpr DType float32 = DType::float32;
inline constexpr DType float64 = DType::float64;
inline constexpr DType int32 = DType::int32;
inline constexpr DType int64 = DType::int64;
inline constexpr DType uint8 = DType::uint8;
inline constexpr DType bool_ = DType::boolean;

std::size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);  // "float32", ..., "bool"
DType dtype_from_name(std::string_view name);  // throws ValueError listing the known names
inline bool is_floating(DType d) { return d == DType::float32 || d == DType::float64; }
inline bool is_integer(DType d) {
  return d == DType::int32 || d == DType::int64 || d == DType::uint8;
}

// The DType of a C++ element type: dtype_of<float> == float32. bool maps to DType::boolean.
template <class T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::float32; }
template <> constexpr DType dtype_of<double>() { return DType::float64; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::int32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::int64; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::uint8; }
template <> constexpr DType dtype_of<bool>() { return DType::boolean; }

}  // namespace strata
