#pragma once
// Helpers of the backend tests: host buffers handed straight to the CPU backend's kernels.
#include <cstdint>
#include <type_traits>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/framework/device.hpp"
#include "strata/framework/dtype.hpp"
#include "strata/framework/shape.hpp"

namespace backend_test {

namespace sb = strata::backend;

inline sb::Backend& cpu() { return sb::get_backend(strata::Device("cpu")); }

// Element storage of T on the host: bool is kept as one byte per element, as the backend stores it.
template <class T>
using Storage = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;

// A host tensor: a shape and its row-major values.
template <class T>
struct Host {
  strata::Shape shape;
  std::vector<Storage<T>> values;

  Host(strata::Shape s, std::vector<Storage<T>> v) : shape(std::move(s)), values(std::move(v)) {}
  explicit Host(strata::Shape s) : shape(std::move(s)), values(static_cast<std::size_t>(shape.num_elements())) {}

  sb::In in() const { return {values.data(), shape, strata::dtype_of<T>()}; }
  sb::Out out() { return {values.data(), shape, strata::dtype_of<T>()}; }
  Storage<T>& operator[](std::size_t i) { return values[i]; }
  const Storage<T>& operator[](std::size_t i) const { return values[i]; }
};

// Row-major multi-index <-> flat index.
inline std::vector<std::int64_t> unravel(std::int64_t flat, const strata::Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// The flat index in `shape` (rank <= the index's) of a broadcast multi-index.
inline std::int64_t broadcast_flat(const std::vector<std::int64_t>& index, const strata::Shape& shape) {
  std::int64_t flat = 0;
  const std::size_t offset = index.size() - shape.size();
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d + offset]);
  return flat;
}

}  // namespace backend_test
