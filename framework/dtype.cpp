#include "strata/framework/dtype.hpp"

#include <array>
#include <string>

#include "strata/framework/errors.hpp"

namespace strata {

namespace {
constexpr std::array<std::string_view, 6> kNames = {"float32", "float64", "int32", "int64", "uint8", "bool"};
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::float32: return 4;
    case DType::float64: return 8;
    case DType::int32: return 4;
    case DType::int64: return 8;
    case DType::uint8: return 1;
    case DType::boolean: return 1;
  }
  throw ValueError("dtype_size: unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

std::string_view dtype_name(DType dtype) {
  auto index = static_cast<std::size_t>(dtype);
  if (index >= kNames.size()) throw ValueError("dtype_name: unknown dtype " + std::to_string(index));
  return kNames[index];
}

DType dtype_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<DType>(i);
  std::string known;
  for (auto n : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
  throw ValueError("Unknown dtype: '" + std::string(name) + "'. Known dtypes: " + known);
}

}  // namespace strata
