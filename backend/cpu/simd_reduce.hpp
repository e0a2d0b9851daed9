#pragma once
// SIMD reductions of contiguous runs (xsimd batches, pairwise over blocks for floats), shared by
// the reduction and softmax kernels.
// GCC 12 warns about its own AVX-512 intrinsics when xsimd inlines them; the warning is spurious.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace strata::backend::cpu {

enum class Kind { sum, prod, max, min };

// The accumulator type: T for floats, int64 for integers (cast back to T at the end, wrapping).
template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;

template <Kind K, class A>
A identity() {
  if constexpr (K == Kind::sum) return A(0);
  if constexpr (K == Kind::prod) return A(1);
  if constexpr (K == Kind::max)
    return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::lowest();
  if constexpr (K == Kind::min)
    return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity() : std::numeric_limits<A>::max();
}

// Combines two partial results; max and min propagate NaN from either side.
template <Kind K, class A>
A combine(A a, A b) {
  if constexpr (K == Kind::sum) return a + b;
  if constexpr (K == Kind::prod) return a * b;
  if constexpr (K == Kind::max) return (b > a || b != b) ? b : a;
  if constexpr (K == Kind::min) return (b < a || b != b) ? b : a;
}

template <Kind K, class B>
B combine_batch(const B& a, const B& b) {
  if constexpr (K == Kind::sum) return a + b;
  if constexpr (K == Kind::prod) return a * b;
  if constexpr (K == Kind::max) return xsimd::select((b > a) | (b != b), b, a);
  if constexpr (K == Kind::min) return xsimd::select((b < a) | (b != b), b, a);
}

// One SIMD block: four batch accumulators, then the lanes.
template <Kind K, class T>
T reduce_block(const T* p, std::int64_t n) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  if (n < W) {
    // Shorter than one batch (a softmax row of 10 classes): the same sequential combine as the
    // tail below, without the batch set-up (the lanes would all hold the identity).
    T r = identity<K, T>();
    for (std::int64_t i = 0; i < n; ++i) r = combine<K>(r, p[i]);
    return r;
  }
  const B init(identity<K, T>());
  B acc0 = init, acc1 = init, acc2 = init, acc3 = init;
  std::int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    acc0 = combine_batch<K>(acc0, B::load_unaligned(p + i));
    acc1 = combine_batch<K>(acc1, B::load_unaligned(p + i + W));
    acc2 = combine_batch<K>(acc2, B::load_unaligned(p + i + 2 * W));
    acc3 = combine_batch<K>(acc3, B::load_unaligned(p + i + 3 * W));
  }
  for (; i + W <= n; i += W) acc0 = combine_batch<K>(acc0, B::load_unaligned(p + i));
  const B total = combine_batch<K>(combine_batch<K>(acc0, acc1), combine_batch<K>(acc2, acc3));
  alignas(64) T lanes[W];
  total.store_aligned(lanes);
  T r = identity<K, T>();
  for (std::int64_t l = 0; l < W; ++l) r = combine<K>(r, lanes[l]);
  for (; i < n; ++i) r = combine<K>(r, p[i]);
  return r;
}

// Reduces n contiguous values: pairwise halves down to SIMD blocks for floats, a plain loop
// (which the compiler vectorises: integer arithmetic is associative) for integers.
template <Kind K, class T>
Acc<T> reduce_contiguous(const T* p, std::int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    constexpr std::int64_t kBlock = 2048;
    if (n <= kBlock) return reduce_block<K>(p, n);
    const std::int64_t half = (n / 2 + 63) / 64 * 64;
    return combine<K>(reduce_contiguous<K>(p, half), reduce_contiguous<K>(p + half, n - half));
  } else {
    Acc<T> r = identity<K, Acc<T>>();
    for (std::int64_t i = 0; i < n; ++i) r = combine<K>(r, static_cast<Acc<T>>(p[i]));
    return r;
  }
}

}  // namespace strata::backend::cpu
