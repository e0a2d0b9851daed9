#pragma once
// float32 tanh and sigmoid on xsimd batches, shared by the eager kernels (unary.cpp) and the fused
// programs (fused.cpp), so both give the same bits. xsimd's tanh computes, for a batch mixing
// |x| < 0.625 and larger lanes, its polynomial and an exp, a division and their overflow checks;
// here the large lanes take one clamped expm1 and one division. sigmoid is xsimd's formula with a
// leaner exp (clamped instead of checked). Measured max error over a dense sweep: tanh 1.5 ulp,
// sigmoid 2.5 ulp (normal results).
//
// Every element goes through the batch code, the tail of a buffer too (padded into one batch), so
// a value does not depend on its position or on the buffer's length. Each multiply-add is an
// explicit fma: what the compiler may contract is the same wherever the code is inlined.
#include <algorithm>
#include <cstdint>

#include <xsimd/xsimd.hpp>

namespace strata::backend::cpu {

namespace tanh_detail {

using Floats = xsimd::batch<float>;
using Ints = xsimd::batch<std::int32_t>;

// exp(r) - 1 for |r| <= ln2 / 2: r + r^2 p(r), p the Taylor series to r^5 (truncation < 1/4 ulp,
// also after the cancellation in 2 expm1(r) + 1 for r < 0; xsimd's expf polynomial loses 3 ulp
// there).
inline Floats expm1_reduced(Floats r) {
  Floats p(1.0f / 5040);
  p = xsimd::fma(p, r, Floats(1.0f / 720));
  p = xsimd::fma(p, r, Floats(1.0f / 120));
  p = xsimd::fma(p, r, Floats(1.0f / 24));
  p = xsimd::fma(p, r, Floats(1.0f / 6));
  p = xsimd::fma(p, r, Floats(0.5f));
  return xsimd::fma(p, r * r, r);
}

inline Floats magic() { return Floats(12583039.0f); }  // 1.5 * 2^23 + 127

// tanh(x) for 0 <= x < 0.625: x + x^3 p(x^2) (Cephes' tanhf polynomial, as xsimd's).
inline Floats tanh_small(Floats x) {
  const Floats x2 = x * x;
  Floats p(-5.70498872745e-3f);
  p = xsimd::fma(p, x2, Floats(2.06390887954e-2f));
  p = xsimd::fma(p, x2, Floats(-5.37397155531e-2f));
  p = xsimd::fma(p, x2, Floats(1.33314422036e-1f));
  p = xsimd::fma(p, x2, Floats(-3.33332819422e-1f));
  return xsimd::fma(p * x2, x, x);
}

// tanh(x) for x >= 0.625 (and NaN): e / (e + 2) with e = expm1(2x), 2x clamped to 20,
// past which tanh rounds to 1. 2x = k ln2 + r with k rounded by adding 1.5 * 2^23 + 127, which
// leaves 127 + k in the low bits of the float: shifted into the exponent, that is 2^k.
inline Floats tanh_large(Floats x) {
  Floats y = x + x;
  y = xsimd::select(y > Floats(20.0f), Floats(20.0f), y);
  const Floats biased = xsimd::fma(y, Floats(1.44269504088896341f), magic());
  const Floats k = biased - magic();  // in [0, 29]
  Floats r = xsimd::fnma(k, Floats(0.693359375f), y);
  r = xsimd::fnma(k, Floats(-2.12194440e-4f), r);
  const Floats p = expm1_reduced(r);
  const Floats s = xsimd::bitwise_cast<Floats>(xsimd::bitwise_cast<Ints>(biased) << 23);
  const Floats e = xsimd::fma(s, p, s - Floats(1.0f));
  return e / (e + Floats(2.0f));
}

}  // namespace tanh_detail

// sign(x) tanh(|x|), lane by lane the small or the large formula; a batch computes only the ones
// its lanes need (the bench chain's later tanh steps see only small values). -0 gives -0.
[[gnu::always_inline]] inline xsimd::batch<float> tanh_batch(xsimd::batch<float> x) {
  using namespace tanh_detail;
  const Floats sign = x & Floats(-0.0f), ax = xsimd::abs(x);
  const auto small = ax < Floats(0.625f);
  if (xsimd::all(small)) return tanh_small(ax) | sign;
  if (xsimd::none(small)) return tanh_large(ax) | sign;
  return xsimd::select(small, tanh_small(ax), tanh_large(ax)) | sign;
}

// sigmoid(x) = 1 / (1 + exp(-x)), exp(-x) = 2^k exp(r) as in tanh_large, -x clamped to
// [-88, 88.8]: 2^k's exponent field 127 + k then spans [0, 255], whose ends, 0 and inf, give the
// limits 1 and 0 (as xsimd's exp: sigmoid(x) is 0 below x = -88.4, where it becomes subnormal).
[[gnu::always_inline]] inline xsimd::batch<float> sigmoid_batch(xsimd::batch<float> x) {
  using namespace tanh_detail;
  Floats t = -x;
  t = xsimd::select(t > Floats(88.8f), Floats(88.8f), t);
  t = xsimd::select(t < Floats(-88.0f), Floats(-88.0f), t);
  const Floats biased = xsimd::fma(t, Floats(1.44269504088896341f), magic());
  const Floats k = biased - magic();
  Floats r = xsimd::fnma(k, Floats(0.693359375f), t);
  r = xsimd::fnma(k, Floats(-2.12194440e-4f), r);
  Floats p(1.3997796e-03f);  // Cephes' expf polynomial: exp(r) = 1 + r + r^2 p(r)
  p = xsimd::fma(p, r, Floats(8.3955629e-03f));
  p = xsimd::fma(p, r, Floats(4.1665401e-02f));
  p = xsimd::fma(p, r, Floats(1.6666277e-01f));
  p = xsimd::fma(p, r, Floats(5.0000000e-01f));
  const Floats exp_r = xsimd::fma(p, r * r, r) + Floats(1.0f);
  const Floats s = xsimd::bitwise_cast<Floats>(xsimd::bitwise_cast<Ints>(biased) << 23);
  return Floats(1.0f) / (Floats(1.0f) + exp_r * s);
}

// f over n floats of x into y (y may be x): whole batches, then the tail padded into one batch.
// Flattened: f inlined into the loop, its constants loaded once (a call per batch cost 20%).
template <class F>
[[gnu::flatten]] void map_batches(const float* x, float* y, std::int64_t n, F f) {
  using B = xsimd::batch<float>;
  constexpr std::int64_t size = B::size;
  std::int64_t i = 0;
  for (; i + size <= n; i += size) f(B::load_unaligned(x + i)).store_unaligned(y + i);
  if (i < n) {
    alignas(64) float tail[size] = {};
    std::copy(x + i, x + n, tail);
    f(B::load_aligned(tail)).store_aligned(tail);
    std::copy(tail, tail + (n - i), y + i);
  }
}

// One value, through the batch code.
template <class F>
float map_one(float v, F f) {
  return f(xsimd::batch<float>(v)).get(0);
}

}  // namespace strata::backend::cpu
