#pragma once
// 1-D xtensor views of raw buffers: the contiguous fast paths of the elementwise kernels run as
// xtensor expressions on these, which xtensor vectorises with xsimd (XTENSOR_USE_XSIMD).
// GCC 12 warns about its own AVX-512 intrinsics when xsimd inlines them; the warning is spurious.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <array>
#include <cstddef>
#include <cstdint>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

namespace strata::backend::cpu {

template <class T>
auto flat_view(T* data, std::int64_t n) {
  const auto size = static_cast<std::size_t>(n);
  return xt::adapt(data, size, xt::no_ownership(), std::array<std::size_t, 1>{size});
}

}  // namespace strata::backend::cpu
