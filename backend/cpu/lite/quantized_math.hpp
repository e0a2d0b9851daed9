#pragma once
// TFLite's fixed-point arithmetic for int8 kernels, as its reference kernels define it
// (tensorflow/lite/kernels/internal/common.h, quantization_util.cc, gemmlowp's fixedpoint.h):
// a real multiplier M is stored as a Q31 int32 m and a power-of-two exponent, x * M is computed
// as a rounding doubling high multiply by m followed by a rounding shift. Results match TFLite's
// bit for bit only when every step rounds as there, so nothing here is "simplified".
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace strata::lite::qmath {

// sum_i (w[i] + w_offset) * (x[i] + x_offset) for int8 data and offsets in [-128, 128]: int32 sums over
// chunks whose products cannot overflow them (the loop vectorizes), added up in int64.
inline std::int64_t dot_i8(const std::int8_t* w, std::int32_t w_offset, const std::int8_t* x, std::int32_t x_offset,
                           std::int64_t n) {
  constexpr std::int64_t kChunk = 16384;  // 16384 * 255 * 255 < 2^31 (int8 zero points are checked on load)
  std::int64_t total = 0;
  for (std::int64_t begin = 0; begin < n; begin += kChunk) {
    const std::int64_t end = std::min(n, begin + kChunk);
    std::int32_t acc = 0;
    for (std::int64_t i = begin; i < end; ++i)
      acc += (static_cast<std::int32_t>(w[i]) + w_offset) * (static_cast<std::int32_t>(x[i]) + x_offset);
    total += acc;
  }
  return total;
}

// QuantizeMultiplier: M = m * 2^(shift - 31), m in [2^30, 2^31). Rounds half away from zero
// (TfLiteRound = std::round).
inline void quantize_multiplier(double multiplier, std::int32_t* quantized, int* shift) {
  if (multiplier == 0.0 || !(multiplier == multiplier)) {  // zero, or NaN from a hostile file
    *quantized = 0;
    *shift = 0;
    return;
  }
  if (std::isinf(multiplier)) {  // as the largest representable multiplier (the cap below)
    *quantized = std::numeric_limits<std::int32_t>::max();
    *shift = 30;
    return;
  }
  const double q = std::frexp(multiplier, shift);
  auto q_fixed = static_cast<std::int64_t>(std::round(q * static_cast<double>(1LL << 31)));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {  // too small to matter: TFLite flushes it to zero
    *shift = 0;
    q_fixed = 0;
  }
  if (*shift > 30) {  // TFLite saturates a multiplier too large for the kernels' left shift
    *shift = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *quantized = static_cast<std::int32_t>(q_fixed);
}

// gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating the one overflow case.
inline std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<std::int32_t>::min();
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const auto high = static_cast<std::int32_t>((ab + nudge) / (1LL << 31));
  return overflow ? std::numeric_limits<std::int32_t>::max() : high;
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero.
inline std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((1LL << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// MultiplyByQuantizedMultiplier (TFLite's default, double rounding): x * m * 2^(shift - 31).
inline std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, quantized_multiplier), right_shift);
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp / GreaterThanOne, used by add and softmax.
inline std::int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(std::int32_t x, std::int32_t m,
                                                                          int left_shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, m), -left_shift);
}
inline std::int32_t multiply_by_quantized_multiplier_greater_than_one(std::int32_t x, std::int32_t m,
                                                                      int left_shift) {
  const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left_shift);
  return saturating_rounding_doubling_high_mul(shifted, m);
}

// The int8 range a fused activation leaves (CalculateActivationRangeQuantized): the real bounds
// 0 / 6 / ±1 quantized with the output's scale and zero point, within [qmin, qmax].
enum class Activation : std::uint8_t { none, relu, relu_n1_to_1, relu6, tanh, sign_bit };
// round(v) as int32, saturating (and NaN -> 0): a float cast out of range would be undefined.
inline std::int32_t round_to_int32(double v) {
  if (!(v == v)) return 0;
  v = std::round(v);
  if (v >= 2147483647.0) return std::numeric_limits<std::int32_t>::max();
  if (v <= -2147483648.0) return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(v);
}
// a + b saturating (an int8 kernel's zero point added to a requantized value).
inline std::int32_t saturating_add(std::int32_t a, std::int32_t b) {
  const std::int64_t sum = static_cast<std::int64_t>(a) + b;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(sum, std::numeric_limits<std::int32_t>::min(),
                                                            std::numeric_limits<std::int32_t>::max()));
}
inline std::int32_t quantize_value(float value, float scale, std::int32_t zero_point) {
  return saturating_add(zero_point, round_to_int32(value / scale));
}
inline void activation_range_quantized(Activation act, float scale, std::int32_t zero_point, std::int32_t qmin,
                                       std::int32_t qmax, std::int32_t* act_min, std::int32_t* act_max) {
  *act_min = qmin;
  *act_max = qmax;
  if (act == Activation::relu) {
    *act_min = std::max(qmin, quantize_value(0.0f, scale, zero_point));
  } else if (act == Activation::relu6) {
    *act_min = std::max(qmin, quantize_value(0.0f, scale, zero_point));
    *act_max = std::min(qmax, quantize_value(6.0f, scale, zero_point));
  } else if (act == Activation::relu_n1_to_1) {
    *act_min = std::max(qmin, quantize_value(-1.0f, scale, zero_point));
    *act_max = std::min(qmax, quantize_value(1.0f, scale, zero_point));
  }
}
inline void activation_range_float(Activation act, float* lo, float* hi) {
  *lo = -std::numeric_limits<float>::infinity();
  *hi = std::numeric_limits<float>::infinity();
  if (act == Activation::relu) *lo = 0.0f;
  if (act == Activation::relu6) { *lo = 0.0f; *hi = 6.0f; }
  if (act == Activation::relu_n1_to_1) { *lo = -1.0f; *hi = 1.0f; }
}

}  // namespace strata::lite::qmath
