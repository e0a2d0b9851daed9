// TFLite's reference int8 softmax (reference_ops::Softmax over gemmlowp fixed point): the scaled
// differences to the row max are Q5.26, exp() is gemmlowp's exp_on_negative_values (Q0.31), the sum
// is Q12.19, and 1/sum comes from gemmlowp's Newton-Raphson one_over_one_plus_x_for_x_in_0_1.
// Raw int32 values stand for the fixed-point numbers; a product of Qa and Qb is Q(a+b).
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "strata/backend/cpu/lite/kernels.hpp"

namespace strata::lite::kernels {
namespace {

using qmath::rounding_divide_by_pot;
using qmath::saturating_rounding_doubling_high_mul;

std::int32_t mul(std::int32_t a, std::int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }
std::int32_t add(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}
std::int32_t sub(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
}

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent> (exponent > 0: saturating left shift).
std::int32_t saturating_shift(std::int32_t x, int exponent) {
  if (exponent <= 0) return rounding_divide_by_pot(x, -exponent);
  const std::int32_t threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return std::numeric_limits<std::int32_t>::max();
  if (x < -threshold) return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << exponent);
}

// exp(a) for a in [-1/4, 0), a and the result Q0.31: Taylor series around -1/8.
std::int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(std::int32_t a) {
  const std::int32_t constant_term = 1895147668;      // exp(-1/8)
  const std::int32_t constant_1_over_3 = 715827883;   // 1/3
  const std::int32_t x = add(a, 1 << 28);             // a + 1/8
  const std::int32_t x2 = mul(x, x);
  const std::int32_t x3 = mul(x2, x);
  const std::int32_t x4 = mul(x2, x2);
  const std::int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const std::int32_t poly = rounding_divide_by_pot(add(mul(add(x4_over_4, x3), constant_1_over_3), x2), 1);
  return add(constant_term, mul(constant_term, add(x, poly)));
}

// gemmlowp exp_on_negative_values for a Q5.26 input (a <= 0); the result is Q0.31.
std::int32_t exp_on_negative_values_q5(std::int32_t a) {
  constexpr int kFractionalBits = 26;
  const std::int32_t one_quarter = 1 << 24;
  const std::int32_t mask = one_quarter - 1;
  const std::int32_t a_mod_quarter_minus_one_quarter = sub(a & mask, one_quarter);
  std::int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      saturating_shift(a_mod_quarter_minus_one_quarter, 5));  // Rescale Q5.26 -> Q0.31
  const std::int32_t remainder = sub(a_mod_quarter_minus_one_quarter, a);
  // Barrel shifter: multiply by exp(-2^k) for each bit k of the remainder (k = -2..4).
  const std::int32_t multipliers[] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4; ++k)
    if (remainder & (1 << (kFractionalBits + k))) result = mul(result, multipliers[k + 2]);
  if (a == 0) result = std::numeric_limits<std::int32_t>::max();  // One() of Q0.31
  return result;
}

// gemmlowp one_over_one_plus_x_for_x_in_0_1: a Q0.31 in [0, 1) -> 1 / (1 + a), Q0.31.
std::int32_t one_over_one_plus_x_for_x_in_0_1(std::int32_t a) {
  // RoundingHalfSum(a, One()).
  const std::int64_t sum = static_cast<std::int64_t>(a) + std::numeric_limits<std::int32_t>::max();
  const auto half_denominator = static_cast<std::int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);  // Q0.31
  const std::int32_t constant_48_over_17 = 1515870810;    // Q2.29
  const std::int32_t constant_neg_32_over_17 = -1010580540;  // Q2.29
  std::int32_t x = add(constant_48_over_17, mul(half_denominator, constant_neg_32_over_17));  // Q2.29
  for (int i = 0; i < 3; ++i) {
    const std::int32_t half_denominator_times_x = mul(half_denominator, x);    // Q2.29
    const std::int32_t one_minus = sub(1 << 29, half_denominator_times_x);     // Q2.29
    x = add(x, saturating_shift(mul(x, one_minus), 2));                        // Q4.27 -> Q2.29
  }
  return saturating_shift(x, 1);  // ExactMulByPot<-1> (Q1.30, same raw) then Rescale to Q0.31
}

// GetReciprocal: 1 / x for x with x_integer_bits integer bits; the result is Q0.31 scaled by
// 2^-num_bits_over_unit.
std::int32_t get_reciprocal(std::int32_t x, int x_integer_bits, int* num_bits_over_unit) {
  const int headroom_plus_one = std::countl_zero(static_cast<std::uint32_t>(x));
  *num_bits_over_unit = x_integer_bits - headroom_plus_one;
  const auto shifted_sum_minus_one = static_cast<std::int32_t>((static_cast<std::uint32_t>(x) << headroom_plus_one) -
                                                               (static_cast<std::uint32_t>(1) << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

}  // namespace

void softmax_i8_params(double beta, double input_scale, std::int32_t* multiplier, int* left_shift, int* diff_min) {
  constexpr int kScaledDiffIntegerBits = 5;
  const double real_multiplier =
      std::min(beta * input_scale * static_cast<double>(1 << (31 - kScaledDiffIntegerBits)), (1LL << 31) - 1.0);
  qmath::quantize_multiplier(real_multiplier, multiplier, left_shift);
  if (*left_shift < 0) *left_shift = 0;  // QuantizeMultiplierGreaterThanOne requires it; tiny scales only
  const double max_input_rescaled = 1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
                                    static_cast<double>(1LL << (31 - kScaledDiffIntegerBits)) /
                                    static_cast<double>(1LL << *left_shift);
  *diff_min = -static_cast<int>(std::floor(max_input_rescaled));
}

void softmax_i8(const std::int8_t* x, std::int8_t* y, std::int64_t rows, std::int64_t depth,
                std::int32_t input_multiplier, int input_left_shift, int diff_min) {
  constexpr int kAccumulationIntegerBits = 12;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int8_t* xr = x + r * depth;
    std::int8_t* yr = y + r * depth;
    std::int32_t max_in_row = std::numeric_limits<std::int8_t>::min();
    for (std::int64_t c = 0; c < depth; ++c) max_in_row = std::max<std::int32_t>(max_in_row, xr[c]);
    auto exp_of = [&](std::int64_t c) {
      const std::int32_t diff = xr[c] - max_in_row;
      const std::int32_t rescaled =
          qmath::multiply_by_quantized_multiplier_greater_than_one(diff, input_multiplier, input_left_shift);
      return exp_on_negative_values_q5(rescaled);
    };
    std::int32_t sum_of_exps = 0;  // Q12.19
    for (std::int64_t c = 0; c < depth; ++c)
      if (xr[c] - max_in_row >= diff_min)
        sum_of_exps = qmath::saturating_add(sum_of_exps, rounding_divide_by_pot(exp_of(c), kAccumulationIntegerBits));
    int num_bits_over_unit = 0;
    const std::int32_t shifted_scale = get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    const int exponent = num_bits_over_unit + 31 - 8;
    if (exponent > 31) {  // a sum over 256 (TFLite CHECK-fails here): every probability rounds below 1/256
      std::fill(yr, yr + depth, static_cast<std::int8_t>(-128));
      continue;
    }
    for (std::int64_t c = 0; c < depth; ++c) {
      if (xr[c] - max_in_row >= diff_min) {
        const std::int32_t unsat = rounding_divide_by_pot(mul(shifted_scale, exp_of(c)), exponent);
        yr[c] = static_cast<std::int8_t>(std::clamp(unsat - 128, -128, 127));
      } else {
        yr[c] = -128;
      }
    }
  }
}

}  // namespace strata::lite::kernels
