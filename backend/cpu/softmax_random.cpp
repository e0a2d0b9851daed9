// Softmax / log-softmax along an axis, and counter-based random numbers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/simd_reduce.hpp"
#include "strata/backend/cpu/thread_pool.hpp"
#include "strata/backend/cpu/xt_views.hpp"
#include "strata/backend/philox.hpp"

namespace strata::backend::cpu {

void CpuBackend::softmax(In x, int axis, bool log, Out out) {
  const char* name = log ? "log_softmax" : "softmax";
  const AxisSplit split = check_softmax(x, axis, log, out);
  const std::int64_t outer = split.outer, n = split.n, inner = split.inner;
  if (outer * n * inner == 0) return;
  visit_floating(x.dtype, name, [&]<class T>() {
    const T* src = static_cast<const T*>(x.data);
    T* dst = static_cast<T*>(out.data);
    if (inner == 1) {
      // Contiguous rows: max, then exp(x - max) with xtensor, then scale (or shift for log).
      parallel_for(outer, std::max<std::int64_t>(1, 4096 / n), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
          const T* row = src + r * n;
          T* res = dst + r * n;
          T m = reduce_contiguous<Kind::max>(row, n);
          if (std::isinf(m)) m = m > 0 ? m : T(0);  // all -inf rows stay -inf/NaN-free shifts
          if (n < static_cast<std::int64_t>(xsimd::batch<T>::size)) {
            // Rows shorter than one SIMD batch (10 classes): xtensor would take its scalar path
            // for every element anyway; the same arithmetic in plain loops skips its set-up.
            for (std::int64_t i = 0; i < n; ++i) res[i] = std::exp(row[i] - m);
            const T s = reduce_contiguous<Kind::sum>(res, n);
            if (log) {
              const T log_sum = std::log(s);
              for (std::int64_t i = 0; i < n; ++i) res[i] = (row[i] - m) - log_sum;
            } else {
              const T scale = T(1) / s;
              for (std::int64_t i = 0; i < n; ++i) res[i] = res[i] * scale;
            }
            continue;
          }
          auto xr = flat_view(row, n);
          auto yr = flat_view(res, n);
          xt::noalias(yr) = xt::exp(xr - m);
          const T s = reduce_contiguous<Kind::sum>(res, n);
          if (log) {
            // (x - max) - log(sum): subtracting the large max first keeps float32 precision.
            const T log_sum = std::log(s);
            xt::noalias(yr) = (xr - m) - log_sum;
          } else {
            const T scale = T(1) / s;
            xt::noalias(yr) = yr * scale;
          }
        }
      }, kParallelThreshold / std::max<std::int64_t>(n, 1) + 1);
      return;
    }
    // Strided along the axis: per outer block, column-wise maxima and sums.
    parallel_for(outer, 1, [&](std::int64_t begin, std::int64_t end) {
      std::vector<T> m(static_cast<std::size_t>(inner)), s(static_cast<std::size_t>(inner));
      for (std::int64_t o = begin; o < end; ++o) {
        const T* block = src + o * n * inner;
        T* res = dst + o * n * inner;
        std::copy(block, block + inner, m.begin());
        for (std::int64_t i = 1; i < n; ++i)
          for (std::int64_t j = 0; j < inner; ++j) {
            const T v = block[i * inner + j];
            m[j] = (v > m[j] || v != v) ? v : m[j];
          }
        for (auto& v : m)
          if (std::isinf(v)) v = v > 0 ? v : T(0);
        std::fill(s.begin(), s.end(), T(0));
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = 0; j < inner; ++j) {
            const T e = std::exp(block[i * inner + j] - m[j]);
            res[i * inner + j] = e;
            s[j] += e;
          }
        for (std::int64_t j = 0; j < inner; ++j) s[j] = log ? std::log(s[j]) : T(1) / s[j];
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = 0; j < inner; ++j)
            res[i * inner + j] = log ? (block[i * inner + j] - m[j]) - s[j] : res[i * inner + j] * s[j];
      }
    }, kParallelThreshold / std::max<std::int64_t>(n * inner, 1) + 1);
  });
}

void CpuBackend::random(Distribution dist, std::uint64_t seed, double a, double b, Out out) {
  const std::int64_t n = out.shape.num_elements();
  visit_floating(out.dtype, "random", [&]<class T>() {
    T* dst = static_cast<T*>(out.data);
    parallel_for(n, 1024, [&](std::int64_t begin, std::int64_t end) {
      switch (dist) {
        case Distribution::uniform: {
          const T lo = static_cast<T>(a), hi = static_cast<T>(b);
          for (std::int64_t i = begin; i < end; ++i) {
            const T u = philox::uniform<T>(seed, static_cast<std::uint64_t>(i));
            T v = lo + (hi - lo) * u;
            if (v >= hi && hi > lo) v = std::nextafter(hi, lo);  // keep [a, b) after rounding
            dst[i] = v;
          }
          break;
        }
        case Distribution::normal:
          for (std::int64_t i = begin; i < end; ++i)
            dst[i] = static_cast<T>(a + b * philox::standard_normal(seed, static_cast<std::uint64_t>(i)));
          break;
        case Distribution::truncated_normal:
          for (std::int64_t i = begin; i < end; ++i)
            dst[i] = static_cast<T>(a + b * philox::truncated_standard_normal(seed, static_cast<std::uint64_t>(i)));
          break;
      }
    }, 1 << 14);
  });
}

}  // namespace strata::backend::cpu
