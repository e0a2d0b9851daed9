// Float and int8 kernels of the TFLite interpreter (see kernels.hpp). The int8 paths follow TFLite's
// reference kernels (reference/integer_ops/*.h) operation by operation, so that outputs match TFLite's.
#include "strata/backend/cpu/lite/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace strata::lite::kernels {
namespace {

inline std::int8_t requantize(std::int32_t acc, std::int64_t channel, const Requantize& q) {
  const std::int64_t c = q.per_channel ? channel : 0;
  acc = qmath::saturating_add(qmath::multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]),
                              q.output_offset);
  return static_cast<std::int8_t>(std::clamp(acc, q.act_min, q.act_max));
}

}  // namespace

void fully_connected_f32(const float* x, const float* w, const float* bias, float* y, std::int64_t batches,
                         std::int64_t in, std::int64_t out, float lo, float hi) {
  for (std::int64_t b = 0; b < batches; ++b) {
    const float* xb = x + b * in;
    for (std::int64_t o = 0; o < out; ++o) {
      const float* wo = w + o * in;
      float acc = 0.0f;
      for (std::int64_t i = 0; i < in; ++i) acc += xb[i] * wo[i];
      if (bias != nullptr) acc += bias[o];
      y[b * out + o] = std::min(std::max(acc, lo), hi);
    }
  }
}

void fully_connected_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                        std::int64_t batches, std::int64_t in, std::int64_t out, const Requantize& q) {
  if (int8_isa() != Int8Isa::reference) return fully_connected_i8_fast(x, w, bias, y, batches, in, out, q);
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int8_t* xb = x + b * in;
    for (std::int64_t o = 0; o < out; ++o) {
      const std::int8_t* wo = w + o * in;
      // int64: a hostile depth may not overflow (the result is TFLite's int32 wherever that does not)
      std::int64_t acc = qmath::dot_i8(wo, 0, xb, q.input_offset, in);  // weights are symmetric
      if (bias != nullptr) acc += bias[o];
      y[b * out + o] = requantize(static_cast<std::int32_t>(acc), o, q);
    }
  }
}

template <class T, class Acc, class Store>
static void conv_loop(const T* x, const T* w, const ConvShape& s, bool depthwise, std::int32_t input_offset,
                      Store store) {
  for (std::int64_t b = 0; b < s.batches; ++b)
    for (std::int64_t oy = 0; oy < s.out_h; ++oy)
      for (std::int64_t ox = 0; ox < s.out_w; ++ox)
        for (std::int64_t oc = 0; oc < s.out_c; ++oc) {
          Acc acc = 0;
          const std::int64_t ic_first = depthwise ? oc / s.depth_multiplier : 0;
          const std::int64_t ic_count = depthwise ? 1 : s.in_c;
          for (std::int64_t ky = 0; ky < s.k_h; ++ky) {
            const std::int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
            if (iy < 0 || iy >= s.in_h) continue;  // zero padding: contributes nothing (offset included)
            for (std::int64_t kx = 0; kx < s.k_w; ++kx) {
              const std::int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
              if (ix < 0 || ix >= s.in_w) continue;
              const T* xp = x + ((b * s.in_h + iy) * s.in_w + ix) * s.in_c;
              for (std::int64_t k = 0; k < ic_count; ++k) {
                const std::int64_t ic = ic_first + k;
                const Acc wv = depthwise ? static_cast<Acc>(w[(ky * s.k_w + kx) * s.out_c + oc])
                                         : static_cast<Acc>(w[((oc * s.k_h + ky) * s.k_w + kx) * s.in_c + ic]);
                acc += wv * (static_cast<Acc>(xp[ic]) + static_cast<Acc>(input_offset));
              }
            }
          }
          store(((b * s.out_h + oy) * s.out_w + ox) * s.out_c + oc, oc, acc);
        }
}

void conv2d_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s, float lo, float hi) {
  conv_loop<float, float>(x, w, s, false, 0, [&](std::int64_t i, std::int64_t oc, float acc) {
    if (bias != nullptr) acc += bias[oc];
    y[i] = std::min(std::max(acc, lo), hi);
  });
}

void conv2d_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y, const ConvShape& s,
               const Requantize& q) {
  if (int8_isa() != Int8Isa::reference) return conv2d_i8_fast(x, w, bias, y, s, q);
  conv_loop<std::int8_t, std::int64_t>(x, w, s, false, q.input_offset,
                                       [&](std::int64_t i, std::int64_t oc, std::int64_t acc) {
                                         if (bias != nullptr) acc += bias[oc];
                                         y[i] = requantize(static_cast<std::int32_t>(acc), oc, q);
                                       });
}

void depthwise_conv2d_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s, float lo,
                          float hi) {
  conv_loop<float, float>(x, w, s, true, 0, [&](std::int64_t i, std::int64_t oc, float acc) {
    if (bias != nullptr) acc += bias[oc];
    y[i] = std::min(std::max(acc, lo), hi);
  });
}

void depthwise_conv2d_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                         const ConvShape& s, const Requantize& q) {
  if (int8_isa() != Int8Isa::reference && s.k_h * s.k_w < 65536)
    return depthwise_conv2d_i8_fast(x, w, bias, y, s, q);
  conv_loop<std::int8_t, std::int64_t>(x, w, s, true, q.input_offset,
                                       [&](std::int64_t i, std::int64_t oc, std::int64_t acc) {
                                         if (bias != nullptr) acc += bias[oc];
                                         y[i] = requantize(static_cast<std::int32_t>(acc), oc, q);
                                       });
}

void softmax_f32(const float* x, float* y, std::int64_t rows, std::int64_t depth, float beta) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * depth;
    float* yr = y + r * depth;
    float max = std::numeric_limits<float>::lowest();
    for (std::int64_t c = 0; c < depth; ++c) max = std::max(max, xr[c]);
    float sum = 0.0f;
    for (std::int64_t c = 0; c < depth; ++c) {
      yr[c] = std::exp((xr[c] - max) * beta);
      sum += yr[c];
    }
    for (std::int64_t c = 0; c < depth; ++c) yr[c] /= sum;
  }
}

void lstm_f32(const float* x, float* y, float* h, float* c, std::int64_t batches, std::int64_t steps,
              std::int64_t features, std::int64_t units, bool time_major, const LstmF32& p) {
  std::vector<float> gates(static_cast<std::size_t>(4 * units));
  auto sigmoid = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
  auto activate = [&](float v) {
    switch (p.activation) {
      case 0: return v;
      case 1: return std::max(v, 0.0f);
      case 2: return std::clamp(v, -1.0f, 1.0f);
      case 3: return std::clamp(v, 0.0f, 6.0f);
      case 5: return v < 0.0f ? 1.0f : 0.0f;
      default: return std::tanh(v);
    }
  };
  for (std::int64_t b = 0; b < batches; ++b) {
    float* hb = h + b * units;
    float* cb = c + b * units;
    for (std::int64_t t = 0; t < steps; ++t) {
      const std::int64_t row = time_major ? t * batches + b : b * steps + t;
      const float* xt = x + row * features;
      for (int g = 0; g < 4; ++g)
        for (std::int64_t u = 0; u < units; ++u) {
          float acc = p.bias[g] != nullptr ? p.bias[g][u] : 0.0f;
          const float* wi = p.w_in[g] + u * features;
          for (std::int64_t k = 0; k < features; ++k) acc += wi[k] * xt[k];
          const float* wr = p.w_rec[g] + u * units;
          for (std::int64_t k = 0; k < units; ++k) acc += wr[k] * hb[k];
          gates[static_cast<std::size_t>(g * units + u)] = acc;
        }
      float* yt = y + row * units;
      for (std::int64_t u = 0; u < units; ++u) {
        const float i = sigmoid(gates[static_cast<std::size_t>(u)]);
        const float f = sigmoid(gates[static_cast<std::size_t>(units + u)]);
        const float g = activate(gates[static_cast<std::size_t>(2 * units + u)]);
        const float o = sigmoid(gates[static_cast<std::size_t>(3 * units + u)]);
        float cell = f * cb[u] + i * g;
        if (p.cell_clip > 0.0f) cell = std::clamp(cell, -p.cell_clip, p.cell_clip);
        cb[u] = cell;
        hb[u] = o * activate(cell);
        yt[u] = hb[u];
      }
    }
  }
}

}  // namespace strata::lite::kernels
