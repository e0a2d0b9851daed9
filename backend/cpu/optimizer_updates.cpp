// Fused optimizer updates: one pass over a variable and its slots. Plain loops, vectorised by the
// compiler (this file is built with -fno-math-errno so that sqrt vectorises), split across threads
// for large variables.
#include <algorithm>
#include <cmath>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {
namespace {

template <class T>
void adam_range(const AdamUpdateArgs& a, std::int64_t begin, std::int64_t end) {
  T* __restrict w = static_cast<T*>(a.variable);
  const T* __restrict g = static_cast<const T*>(a.grad);
  T* __restrict m = static_cast<T*>(a.m);
  T* __restrict v = static_cast<T*>(a.v);
  T* __restrict v_max = static_cast<T*>(a.v_max);
  const T one_minus_beta_1 = T(1 - a.beta_1), one_minus_beta_2 = T(1 - a.beta_2);
  const T alpha = T(a.alpha), epsilon = T(a.epsilon);
  if (v_max) {
    for (std::int64_t i = begin; i < end; ++i) {
      m[i] += (g[i] - m[i]) * one_minus_beta_1;
      v[i] += (g[i] * g[i] - v[i]) * one_minus_beta_2;
      v_max[i] = std::max(v_max[i], v[i]);
      w[i] -= m[i] * alpha / (std::sqrt(v_max[i]) + epsilon);
    }
  } else {
    for (std::int64_t i = begin; i < end; ++i) {
      m[i] += (g[i] - m[i]) * one_minus_beta_1;
      v[i] += (g[i] * g[i] - v[i]) * one_minus_beta_2;
      w[i] -= m[i] * alpha / (std::sqrt(v[i]) + epsilon);
    }
  }
}

}  // namespace

void CpuBackend::adam_update(const AdamUpdateArgs& args) {
  visit_floating(args.dtype, "adam_update", [&]<class T>() {
    // Five streams of memory and a divide and a square root per element: a second thread pays from
    // ~16K elements on (a dense layer's 256x128 kernel takes half the time on two cores).
    parallel_for(args.size, 1 << 13, [&](std::int64_t begin, std::int64_t end) { adam_range<T>(args, begin, end); },
                 1 << 14);
  });
}

}  // namespace strata::backend::cpu
