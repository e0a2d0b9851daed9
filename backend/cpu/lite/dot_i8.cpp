// Fast int8 FULLY_CONNECTED and CONV_2D (see kernels.hpp). The input, offset by its zero point, fits
// int16 (-255..255), and the padding cells of a conv patch are 0 there; each output is then a
// plain dot product of int8 weights (sign-extended to int16) with that int16 row, which
// _mm256_madd_epi16 / _mm512_madd_epi16 (or VNNI's _mm512_dpwssd_epi32) compute exactly. The int32
// lanes are folded into an int64 every kChunk elements, so the accumulator is the reference's
// exact integer sum and the requantization (TFLite's fixed-point arithmetic) sees the same value.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "strata/backend/cpu/lite/kernels.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define STRATA_LITE_X86 1
#endif

namespace strata::lite::kernels {
namespace {

// 16384 pairs of 127 * 255 per int32 lane stay far below 2^31, whatever the lane count.
constexpr std::int64_t kChunk = 16384;

std::int64_t dot_scalar(const std::int8_t* w, const std::int16_t* x, std::int64_t n) {
  std::int64_t total = 0;
  for (std::int64_t begin = 0; begin < n; begin += kChunk) {
    const std::int64_t end = std::min(n, begin + kChunk);
    std::int32_t acc = 0;
    for (std::int64_t i = begin; i < end; ++i) acc += static_cast<std::int32_t>(w[i]) * x[i];
    total += acc;
  }
  return total;
}

#ifdef STRATA_LITE_X86
__attribute__((target("avx2"))) std::int64_t dot_avx2(const std::int8_t* w, const std::int16_t* x, std::int64_t n) {
  std::int64_t total = 0;
  std::int64_t i = 0;
  while (n - i >= 16) {
    const std::int64_t end = i + std::min<std::int64_t>(kChunk, (n - i) / 16 * 16);
    __m256i acc = _mm256_setzero_si256();
    for (; i < end; i += 16) {
      const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(wv, xv));
    }
    alignas(32) std::int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
    for (const std::int32_t v : lanes) total += v;
  }
  return total + dot_scalar(w + i, x + i, n - i);
}

template <bool kVnni>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) std::int64_t dot_avx512(const std::int8_t* w,
                                                                                const std::int16_t* x,
                                                                                std::int64_t n) {
  std::int64_t total = 0;
  std::int64_t i = 0;
  while (n - i >= 32) {
    const std::int64_t end = i + std::min<std::int64_t>(kChunk, (n - i) / 32 * 32);
    __m512i acc = _mm512_setzero_si512();
    for (; i < end; i += 32) {
      const __m512i wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i)));
      const __m512i xv = _mm512_loadu_si512(x + i);
      if constexpr (kVnni) acc = _mm512_dpwssd_epi32(acc, wv, xv);
      else acc = _mm512_add_epi32(acc, _mm512_madd_epi16(wv, xv));
    }
    alignas(64) std::int32_t lanes[16];
    _mm512_store_si512(lanes, acc);
    for (const std::int32_t v : lanes) total += v;
  }
  return total + dot_scalar(w + i, x + i, n - i);
}

// Four weight rows against one input row: each x load serves four rows, and the lane sums are
// folded once per row (the single-row dot spends as long folding as multiplying on short rows).
template <bool kVnni>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot4_avx512(const std::int8_t* w, std::int64_t stride,
                                                                         const std::int16_t* x, std::int64_t n,
                                                                         std::int64_t* out) {
  std::int64_t total[4] = {0, 0, 0, 0};
  std::int64_t i = 0;
  while (n - i >= 32) {
    const std::int64_t end = i + std::min<std::int64_t>(kChunk, (n - i) / 32 * 32);
    __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    for (; i < end; i += 32) {
      const __m512i xv = _mm512_loadu_si512(x + i);
      for (int r = 0; r < 4; ++r) {
        const __m512i wv =
            _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + r * stride + i)));
        if constexpr (kVnni) acc[r] = _mm512_dpwssd_epi32(acc[r], wv, xv);
        else acc[r] = _mm512_add_epi32(acc[r], _mm512_madd_epi16(wv, xv));
      }
    }
    alignas(64) std::int32_t lanes[16];
    for (int r = 0; r < 4; ++r) {
      _mm512_store_si512(lanes, acc[r]);
      for (const std::int32_t v : lanes) total[r] += v;
    }
  }
  for (int r = 0; r < 4; ++r) out[r] = total[r] + dot_scalar(w + r * stride + i, x + i, n - i);
}
#endif

Int8Isa detect() {
#ifdef STRATA_LITE_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni")) return Int8Isa::avx512_vnni;
  if (__builtin_cpu_supports("avx512bw")) return Int8Isa::avx512;
  if (__builtin_cpu_supports("avx2")) return Int8Isa::avx2;
#endif
  return Int8Isa::scalar;
}

Int8Isa g_isa = detect();

using DotFn = std::int64_t (*)(const std::int8_t*, const std::int16_t*, std::int64_t);
DotFn dot_fn() {
  switch (g_isa) {
#ifdef STRATA_LITE_X86
    case Int8Isa::avx512_vnni: return dot_avx512<true>;
    case Int8Isa::avx512: return dot_avx512<false>;
    case Int8Isa::avx2: return dot_avx2;
#endif
    default: return dot_scalar;
  }
}

// out[r] = dot(w + r * stride, x, n) for r < 4, on the chosen path.
void dot4(const std::int8_t* w, std::int64_t stride, const std::int16_t* x, std::int64_t n, std::int64_t* out) {
#ifdef STRATA_LITE_X86
  if (g_isa == Int8Isa::avx512_vnni) return dot4_avx512<true>(w, stride, x, n, out);
  if (g_isa == Int8Isa::avx512) return dot4_avx512<false>(w, stride, x, n, out);
#endif
  const DotFn dot = dot_fn();
  for (int r = 0; r < 4; ++r) out[r] = dot(w + r * stride, x, n);
}

inline std::int8_t requantize(std::int64_t acc, std::int64_t channel, const Requantize& q) {
  const std::int64_t c = q.per_channel ? channel : 0;
  const std::int32_t v = qmath::saturating_add(
      qmath::multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), q.multiplier[c], q.shift[c]),
      q.output_offset);
  return static_cast<std::int8_t>(std::clamp(v, q.act_min, q.act_max));
}

// The offset input row, reused across calls (grows once to the largest size seen by this thread).
std::int16_t* scratch(std::int64_t n) {
  thread_local std::vector<std::int16_t> buffer;
  if (static_cast<std::int64_t>(buffer.size()) < n) buffer.resize(static_cast<std::size_t>(n));
  return buffer.data();
}

}  // namespace

Int8Isa int8_isa() { return g_isa; }
const char* int8_isa_name(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::reference: return "reference";
    case Int8Isa::scalar: return "scalar";
    case Int8Isa::avx2: return "avx2";
    case Int8Isa::avx512: return "avx512";
    default: return "avx512_vnni";
  }
}
Int8Isa best_int8_isa() { return detect(); }
void set_int8_isa(Int8Isa isa) {
  // Never above what the CPU has: a test forcing a path on an older CPU gets the best one it can run.
  const Int8Isa best = detect();
  g_isa = static_cast<int>(isa) <= static_cast<int>(best) ? isa : best;
}

std::int64_t dot_i8_i16(const std::int8_t* w, const std::int16_t* x, std::int64_t n) { return dot_fn()(w, x, n); }

void fully_connected_i8_fast(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                             std::int64_t batches, std::int64_t in, std::int64_t out, const Requantize& q) {
  const DotFn dot = dot_fn();
  std::int16_t* row = scratch(in);
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int8_t* xb = x + b * in;
    for (std::int64_t i = 0; i < in; ++i) row[i] = static_cast<std::int16_t>(xb[i] + q.input_offset);
    std::int64_t o = 0;
    for (; o + 4 <= out; o += 4) {
      std::int64_t acc[4];
      dot4(w + o * in, in, row, in, acc);
      for (int r = 0; r < 4; ++r) y[b * out + o + r] = requantize(acc[r] + (bias != nullptr ? bias[o + r] : 0), o + r, q);
    }
    for (; o < out; ++o) {
      std::int64_t acc = dot(w + o * in, row, in);
      if (bias != nullptr) acc += bias[o];
      y[b * out + o] = requantize(acc, o, q);
    }
  }
}

void conv2d_i8_fast(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                    const ConvShape& s, const Requantize& q) {
  const DotFn dot = dot_fn();
  // The patch in the filter's OHWI order ([k_h, k_w, in_c]), so each output channel's weights are
  // one contiguous row.
  const std::int64_t depth = s.k_h * s.k_w * s.in_c;
  std::int16_t* patch = scratch(depth);
  // A shallow filter (a first layer on 1-3 channels: depth 9-27) is too short for the vector dot
  // products; its weights, transposed to [depth, out_c], let the loop run across channels.
  const bool narrow = depth < 32 && s.out_c >= 8;
  thread_local std::vector<std::int16_t> wt_buffer;
  thread_local std::vector<std::int32_t> acc_buffer;
  if (narrow) {
    wt_buffer.resize(static_cast<std::size_t>(depth * s.out_c));
    acc_buffer.resize(static_cast<std::size_t>(s.out_c));
    for (std::int64_t oc = 0; oc < s.out_c; ++oc)
      for (std::int64_t k = 0; k < depth; ++k) wt_buffer[static_cast<std::size_t>(k * s.out_c + oc)] = w[oc * depth + k];
  }
  const std::int16_t* wt = wt_buffer.data();
  std::int32_t* acc = acc_buffer.data();
  for (std::int64_t b = 0; b < s.batches; ++b)
    for (std::int64_t oy = 0; oy < s.out_h; ++oy)
      for (std::int64_t ox = 0; ox < s.out_w; ++ox) {
        std::int16_t* p = patch;
        for (std::int64_t ky = 0; ky < s.k_h; ++ky) {
          const std::int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
          for (std::int64_t kx = 0; kx < s.k_w; ++kx, p += s.in_c) {
            const std::int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
            if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) {
              std::fill(p, p + s.in_c, std::int16_t{0});  // padding contributes nothing, offset included
              continue;
            }
            const std::int8_t* xp = x + ((b * s.in_h + iy) * s.in_w + ix) * s.in_c;
            for (std::int64_t c = 0; c < s.in_c; ++c) p[c] = static_cast<std::int16_t>(xp[c] + q.input_offset);
          }
        }
        std::int8_t* yp = y + ((b * s.out_h + oy) * s.out_w + ox) * s.out_c;
        if (narrow) {  // accumulate across the output channels instead (int32: exact below 2^31 / 32640)
          std::fill(acc, acc + s.out_c, 0);
          for (std::int64_t k = 0; k < depth; ++k) {
            const std::int32_t pk = patch[k];
            const std::int16_t* wk = wt + k * s.out_c;
            for (std::int64_t oc = 0; oc < s.out_c; ++oc) acc[oc] += wk[oc] * pk;
          }
          for (std::int64_t oc = 0; oc < s.out_c; ++oc)
            yp[oc] = requantize(static_cast<std::int64_t>(acc[oc]) + (bias != nullptr ? bias[oc] : 0), oc, q);
          continue;
        }
        std::int64_t oc = 0;
        for (; oc + 4 <= s.out_c; oc += 4) {
          std::int64_t sums[4];
          dot4(w + oc * depth, depth, patch, depth, sums);
          for (int r = 0; r < 4; ++r)
            yp[oc + r] = requantize(sums[r] + (bias != nullptr ? bias[oc + r] : 0), oc + r, q);
        }
        for (; oc < s.out_c; ++oc) {
          std::int64_t sum = dot(w + oc * depth, patch, depth);
          if (bias != nullptr) sum += bias[oc];
          yp[oc] = requantize(sum, oc, q);
        }
      }
}

// Depthwise: each output channel sums k_h * k_w products, so the accumulators run across the
// channels (contiguous in NHWC input and 1HWO filter), a loop the compiler vectorizes; int32 is
// exact for any filter of fewer than 2^31 / (128 * 255) cells (the caller falls back beyond).
void depthwise_conv2d_i8_fast(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                              const ConvShape& s, const Requantize& q) {
  thread_local std::vector<std::int32_t> acc_buffer;
  if (static_cast<std::int64_t>(acc_buffer.size()) < s.out_c) acc_buffer.resize(static_cast<std::size_t>(s.out_c));
  std::int32_t* acc = acc_buffer.data();
  const std::int64_t m = s.depth_multiplier, oc_count = s.out_c;
  const std::int32_t offset = q.input_offset;
  for (std::int64_t b = 0; b < s.batches; ++b)
    for (std::int64_t oy = 0; oy < s.out_h; ++oy)
      for (std::int64_t ox = 0; ox < s.out_w; ++ox) {
        std::fill(acc, acc + oc_count, 0);
        for (std::int64_t ky = 0; ky < s.k_h; ++ky) {
          const std::int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
          if (iy < 0 || iy >= s.in_h) continue;
          for (std::int64_t kx = 0; kx < s.k_w; ++kx) {
            const std::int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
            if (ix < 0 || ix >= s.in_w) continue;
            const std::int8_t* xp = x + ((b * s.in_h + iy) * s.in_w + ix) * s.in_c;
            const std::int8_t* wp = w + (ky * s.k_w + kx) * oc_count;
            if (m == 1) {
              for (std::int64_t c = 0; c < oc_count; ++c)
                acc[c] += static_cast<std::int32_t>(wp[c]) * (static_cast<std::int32_t>(xp[c]) + offset);
            } else {
              for (std::int64_t c = 0; c < oc_count; ++c)
                acc[c] += static_cast<std::int32_t>(wp[c]) * (static_cast<std::int32_t>(xp[c / m]) + offset);
            }
          }
        }
        std::int8_t* yp = y + ((b * s.out_h + oy) * s.out_w + ox) * oc_count;
        for (std::int64_t c = 0; c < oc_count; ++c) {
          std::int64_t a = acc[c];
          if (bias != nullptr) a += bias[c];
          yp[c] = requantize(a, c, q);
        }
      }
}

// tensor_utils::SymmetricQuantizeFloats / AsymmetricQuantizeFloats of one input row (TFLite's
// hybrid kernels), written as the offset int16 row the dot products take (q - zero point).
float quantize_row(const float* x, std::int64_t n, bool asymmetric, std::int16_t* row) {
  if (n == 0) return 1.0f;
  const auto [lo_it, hi_it] = std::minmax_element(x, x + n);
  if (!asymmetric) {
    const float range = std::max(std::abs(*lo_it), std::abs(*hi_it));
    if (range == 0.0f) {
      std::fill(row, row + n, std::int16_t{0});
      return 1.0f;
    }
    const float inv = 127.0f / range;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int32_t v = static_cast<std::int32_t>(std::round(x[i] * inv));
      row[i] = static_cast<std::int16_t>(std::clamp(v, -127, 127));
    }
    return range / 127.0f;
  }
  const double rmin = std::fmin(0.0, *lo_it), rmax = std::fmax(0.0, *hi_it);
  if (rmin == rmax) {
    std::fill(row, row + n, std::int16_t{0});
    return 1.0f;
  }
  const double qmin = -128.0, qmax = 127.0;
  const double scale = (rmax - rmin) / (qmax - qmin);
  const double zp_from_min = qmin - rmin / scale, zp_from_max = qmax - rmax / scale;
  const double zp_min_error = std::abs(qmin) + std::abs(rmin / scale);
  const double zp_max_error = std::abs(qmax) + std::abs(rmax / scale);
  const double zp_double = zp_min_error < zp_max_error ? zp_from_min : zp_from_max;
  std::int32_t zp = 0;
  if (zp_double <= qmin) zp = -128;
  else if (zp_double >= qmax) zp = 127;
  else zp = static_cast<std::int8_t>(std::round(zp_double));
  const float inv = static_cast<float>(1.0 / scale);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t v = static_cast<std::int32_t>(std::round(static_cast<float>(zp) + x[i] * inv));
    row[i] = static_cast<std::int16_t>(std::clamp(v, -128, 127) - zp);
  }
  return static_cast<float>(scale);
}

void fully_connected_hybrid(const float* x, const std::int8_t* w, const float* w_scale, bool per_channel,
                            const float* bias, float* y, std::int64_t batches, std::int64_t in, std::int64_t out,
                            bool asymmetric, float lo, float hi) {
  const DotFn dot = dot_fn();
  std::int16_t* row = scratch(in);
  for (std::int64_t b = 0; b < batches; ++b) {
    const float scale = quantize_row(x + b * in, in, asymmetric, row);
    for (std::int64_t o = 0; o < out; ++o) {
      const auto acc = static_cast<std::int32_t>(dot(w + o * in, row, in));
      const float s = per_channel ? scale * w_scale[o] : scale * w_scale[0];
      const float v = (bias != nullptr ? bias[o] : 0.0f) + static_cast<float>(acc) * s;
      y[b * out + o] = std::min(std::max(v, lo), hi);
    }
  }
}

void conv2d_hybrid(const float* x, const std::int8_t* w, const float* w_scale, bool per_channel, const float* bias,
                   float* y, const ConvShape& s, float lo, float hi) {
  const DotFn dot = dot_fn();
  const std::int64_t depth = s.k_h * s.k_w * s.in_c, image = s.in_h * s.in_w * s.in_c;
  // The quantized image, then its patches (the image first: scratch holds one buffer per thread).
  thread_local std::vector<std::int16_t> quantized;
  if (static_cast<std::int64_t>(quantized.size()) < image) quantized.resize(static_cast<std::size_t>(image));
  std::int16_t* patch = scratch(depth);
  for (std::int64_t b = 0; b < s.batches; ++b) {
    // Per-channel filters: TFLite's EvalHybridPerChannel (asymmetric input); else EvalHybrid (symmetric).
    const float scale = quantize_row(x + b * image, image, per_channel, quantized.data());
    for (std::int64_t oy = 0; oy < s.out_h; ++oy)
      for (std::int64_t ox = 0; ox < s.out_w; ++ox) {
        std::int16_t* p = patch;
        for (std::int64_t ky = 0; ky < s.k_h; ++ky) {
          const std::int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
          for (std::int64_t kx = 0; kx < s.k_w; ++kx, p += s.in_c) {
            const std::int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
            if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) std::fill(p, p + s.in_c, std::int16_t{0});
            else std::copy_n(quantized.data() + (iy * s.in_w + ix) * s.in_c, s.in_c, p);
          }
        }
        float* yp = y + ((b * s.out_h + oy) * s.out_w + ox) * s.out_c;
        for (std::int64_t oc = 0; oc < s.out_c; ++oc) {
          const auto acc = static_cast<std::int32_t>(dot(w + oc * depth, patch, depth));
          const float v = (bias != nullptr ? bias[oc] : 0.0f) +
                          static_cast<float>(acc) * (scale * (per_channel ? w_scale[oc] : w_scale[0]));
          yp[oc] = std::min(std::max(v, lo), hi);
        }
      }
  }
}

}  // namespace strata::lite::kernels
