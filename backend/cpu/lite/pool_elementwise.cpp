// Pooling, transposed convolution and the int8 ADD / MUL of the TFLite interpreter, following
// TFLite's reference kernels (reference/pooling.h, integer_ops/pooling.h, transpose_conv.h,
// integer_ops/add.h, integer_ops/mul.h).
#include <algorithm>
#include <limits>
#include <vector>

#include "strata/backend/cpu/lite/kernels.hpp"

namespace strata::lite::kernels {
namespace {

template <class T, class Acc, class Reduce, class Finish>
void pool(const T* x, T* y, const PoolShape& s, Acc init, Reduce reduce, Finish finish) {
  for (std::int64_t b = 0; b < s.batches; ++b)
    for (std::int64_t oy = 0; oy < s.out_h; ++oy)
      for (std::int64_t ox = 0; ox < s.out_w; ++ox) {
        const std::int64_t y0 = oy * s.stride_h - s.pad_top, x0 = ox * s.stride_w - s.pad_left;
        const std::int64_t fy0 = std::max<std::int64_t>(0, -y0), fy1 = std::min<std::int64_t>(s.filter_h, s.in_h - y0);
        const std::int64_t fx0 = std::max<std::int64_t>(0, -x0), fx1 = std::min<std::int64_t>(s.filter_w, s.in_w - x0);
        for (std::int64_t c = 0; c < s.channels; ++c) {
          Acc acc = init;
          std::int64_t count = 0;
          for (std::int64_t fy = fy0; fy < fy1; ++fy)
            for (std::int64_t fx = fx0; fx < fx1; ++fx) {
              acc = reduce(acc, x[((b * s.in_h + y0 + fy) * s.in_w + x0 + fx) * s.channels + c]);
              ++count;
            }
          y[((b * s.out_h + oy) * s.out_w + ox) * s.channels + c] = finish(acc, count);
        }
      }
}

}  // namespace

void max_pool_f32(const float* x, float* y, const PoolShape& s, float lo, float hi) {
  pool<float, float>(x, y, s, std::numeric_limits<float>::lowest(), [](float a, float v) { return std::max(a, v); },
                     [&](float a, std::int64_t) { return std::min(std::max(a, lo), hi); });
}

void average_pool_f32(const float* x, float* y, const PoolShape& s, float lo, float hi) {
  pool<float, float>(x, y, s, 0.0f, [](float a, float v) { return a + v; }, [&](float a, std::int64_t n) {
    return n == 0 ? 0.0f : std::min(std::max(a / static_cast<float>(n), lo), hi);
  });
}

void max_pool_i8(const std::int8_t* x, std::int8_t* y, const PoolShape& s, std::int32_t lo, std::int32_t hi) {
  pool<std::int8_t, std::int32_t>(x, y, s, -128, [](std::int32_t a, std::int8_t v) { return std::max<std::int32_t>(a, v); },
                                  [&](std::int32_t a, std::int64_t) { return static_cast<std::int8_t>(std::clamp(a, lo, hi)); });
}

void average_pool_i8(const std::int8_t* x, std::int8_t* y, const PoolShape& s, std::int32_t lo, std::int32_t hi) {
  pool<std::int8_t, std::int64_t>(x, y, s, 0, [](std::int64_t a, std::int8_t v) { return a + v; },
                                  [&](std::int64_t a, std::int64_t n64) {
                                    const std::int64_t n = std::max<std::int64_t>(n64, 1);
                                    a = a > 0 ? (a + n / 2) / n : (a - n / 2) / n;
                                    return static_cast<std::int8_t>(std::clamp<std::int64_t>(a, lo, hi));
                                  });
}

template <class T, class Acc, class Store>
static void transpose_conv(const T* x, const T* w, const ConvShape& s, std::int32_t input_offset, Store store) {
  const std::size_t out_size = static_cast<std::size_t>(s.batches * s.out_h * s.out_w * s.out_c);
  std::vector<Acc> acc(out_size, Acc{0});
  for (std::int64_t b = 0; b < s.batches; ++b)
    for (std::int64_t iy = 0; iy < s.in_h; ++iy)
      for (std::int64_t ix = 0; ix < s.in_w; ++ix)
        for (std::int64_t ic = 0; ic < s.in_c; ++ic) {
          const Acc xv = static_cast<Acc>(x[((b * s.in_h + iy) * s.in_w + ix) * s.in_c + ic]) + static_cast<Acc>(input_offset);
          for (std::int64_t ky = 0; ky < s.k_h; ++ky) {
            const std::int64_t oy = iy * s.stride_h + ky - s.pad_top;
            if (oy < 0 || oy >= s.out_h) continue;
            for (std::int64_t kx = 0; kx < s.k_w; ++kx) {
              const std::int64_t ox = ix * s.stride_w + kx - s.pad_left;
              if (ox < 0 || ox >= s.out_w) continue;
              for (std::int64_t oc = 0; oc < s.out_c; ++oc)
                acc[static_cast<std::size_t>(((b * s.out_h + oy) * s.out_w + ox) * s.out_c + oc)] +=
                    xv * static_cast<Acc>(w[((oc * s.k_h + ky) * s.k_w + kx) * s.in_c + ic]);
            }
          }
        }
  for (std::size_t i = 0; i < out_size; ++i) store(i, static_cast<std::int64_t>(i) % s.out_c, acc[i]);
}

void transpose_conv_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s) {
  transpose_conv<float, float>(x, w, s, 0, [&](std::size_t i, std::int64_t oc, float a) {
    y[i] = a + (bias != nullptr ? bias[oc] : 0.0f);
  });
}

void transpose_conv_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                       const ConvShape& s, const Requantize& q) {
  transpose_conv<std::int8_t, std::int64_t>(x, w, s, q.input_offset, [&](std::size_t i, std::int64_t oc, std::int64_t a64) {
    if (bias != nullptr) a64 += bias[oc];
    const std::int64_t c = q.per_channel ? oc : 0;
    const std::int32_t a = qmath::saturating_add(
        qmath::multiply_by_quantized_multiplier(static_cast<std::int32_t>(a64), q.multiplier[c], q.shift[c]),
        q.output_offset);
    y[i] = static_cast<std::int8_t>(std::clamp(a, q.act_min, q.act_max));
  });
}

std::int8_t add_i8(std::int8_t a, std::int8_t b, const AddI8& p) {
  const std::int32_t shifted1 = (p.input1_offset + a) * (1 << p.left_shift);
  const std::int32_t shifted2 = (p.input2_offset + b) * (1 << p.left_shift);
  const std::int32_t scaled1 =
      qmath::multiply_by_quantized_multiplier_smaller_than_one_exp(shifted1, p.input1_multiplier, p.input1_shift);
  const std::int32_t scaled2 =
      qmath::multiply_by_quantized_multiplier_smaller_than_one_exp(shifted2, p.input2_multiplier, p.input2_shift);
  const std::int32_t raw = qmath::saturating_add(
      qmath::multiply_by_quantized_multiplier_smaller_than_one_exp(qmath::saturating_add(scaled1, scaled2),
                                                                   p.output_multiplier, p.output_shift),
      p.output_offset);
  return static_cast<std::int8_t>(std::clamp(raw, p.act_min, p.act_max));
}

std::int8_t mul_i8(std::int8_t a, std::int8_t b, const MulI8& p) {
  const std::int32_t product = (p.input1_offset + a) * (p.input2_offset + b);
  const std::int32_t raw = qmath::saturating_add(
      p.output_offset, qmath::multiply_by_quantized_multiplier(product, p.output_multiplier, p.output_shift));
  return static_cast<std::int8_t>(std::clamp(raw, p.act_min, p.act_max));
}

}  // namespace strata::lite::kernels
