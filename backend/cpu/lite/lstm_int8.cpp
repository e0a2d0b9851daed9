// TFLite Micro's integer LSTM (lstm_eval.h / lstm_eval.cc, EvalLstm<int8_t, int8_t, int16_t, int32_t>)
// and the int16 logistic / tanh of reference_integer_ops, step by step as there.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

#include "strata/backend/cpu/lite/kernels.hpp"

namespace strata::lite::kernels {
namespace {

// sigmoid(i / 24) in 0.16 fixed point, i = 0..255: TFLite's sigmoid_table_uint16 (its values are
// not a plain rounding of the formula, so they are kept as TFLite has them).
constexpr std::uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

std::int16_t clamp16(std::int32_t v) {
  return static_cast<std::int16_t>(std::clamp<std::int32_t>(v, std::numeric_limits<std::int16_t>::min(),
                                                            std::numeric_limits<std::int16_t>::max()));
}

// reference_integer_ops::FullyConnected, int8 x int8 -> int16, one row.
void fc_row_i16(const std::int8_t* x, std::int32_t x_offset, const std::int8_t* w, std::int32_t w_offset,
                const std::int32_t* bias, std::int32_t multiplier, int shift, std::int16_t* out, std::int64_t depth,
                std::int64_t units) {
  if (w_offset == 0 && int8_isa() != Int8Isa::reference) {  // symmetric weights: the fast dot products
    thread_local std::vector<std::int16_t> row;
    if (static_cast<std::int64_t>(row.size()) < depth) row.resize(static_cast<std::size_t>(depth));
    for (std::int64_t i = 0; i < depth; ++i) row[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(x[i] + x_offset);
    for (std::int64_t u = 0; u < units; ++u) {
      std::int64_t acc = dot_i8_i16(w + u * depth, row.data(), depth);
      if (bias != nullptr) acc += bias[u];
      out[u] = clamp16(qmath::multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), multiplier, shift));
    }
    return;
  }
  for (std::int64_t u = 0; u < units; ++u) {
    const std::int8_t* wu = w + u * depth;
    std::int64_t acc = qmath::dot_i8(wu, w_offset, x, x_offset, depth);
    if (bias != nullptr) acc += bias[u];
    out[u] = clamp16(qmath::multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), multiplier, shift));
  }
}

}  // namespace

std::int16_t logistic_i16(std::int16_t x, std::int32_t input_multiplier, int input_left_shift) {
  if (input_multiplier == 0) {  // power-of-two scale
    input_multiplier = 3 << input_left_shift;
    input_left_shift = 0;
  }
  const std::int32_t round = input_left_shift > 0 ? 1 << (input_left_shift - 1) : 0;
  const std::int32_t input = (x * input_multiplier + round) >> input_left_shift;
  const auto abs_input = static_cast<std::uint32_t>(std::abs(input));
  const std::uint32_t uh = abs_input >> 9;
  std::uint32_t result;
  if (uh >= 255) {
    result = 0x7FFFu << 10;
  } else {
    const std::uint32_t ua = kSigmoidTable[uh], ub = kSigmoidTable[uh + 1];
    const std::uint32_t ut = abs_input & 0x1ff;
    result = (ua << 9) + ut * (ub - ua);
  }
  result = input >= 0 ? result + (1u << 9) : (1u << (16 + 9)) - result + (1u << 9) - 1;
  return static_cast<std::int16_t>(result >> 10);
}

std::int16_t tanh_i16(std::int16_t x, std::int32_t input_multiplier, int input_left_shift) {
  if (input_multiplier == 0) {
    input_multiplier = 3 << input_left_shift;
    input_left_shift = 0;
  }
  const std::int32_t round = input_left_shift > 0 ? 1 << (input_left_shift - 1) : 0;
  const std::int32_t input = (x * input_multiplier + round) >> input_left_shift;
  const auto abs_input = static_cast<std::uint32_t>(std::abs(input));
  const std::uint32_t uh = abs_input >> 8;
  std::int32_t result;
  if (uh >= 255) {
    result = 0xFFFF << 8;
  } else {
    const std::uint32_t ua = kSigmoidTable[uh], ub = kSigmoidTable[uh + 1];
    const std::uint8_t ut = abs_input & 0xFF;
    result = static_cast<std::int32_t>((ua << 8) + ut * (ub - ua));
  }
  result = input >= 0 ? result - (1 << (14 + 9)) + (1 << (9 - 2)) : -result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
  return static_cast<std::int16_t>(result >> (9 - 1));
}

void lstm_i8(const std::int8_t* x, std::int8_t* y, std::int8_t* h, std::int16_t* c, std::int64_t batches,
             std::int64_t steps, std::int64_t features, std::int64_t units, bool time_major, const LstmI8& p) {
  const auto n = static_cast<std::size_t>(units);
  std::vector<std::int16_t> gate[4], fc(n);
  for (auto& g : gate) g.resize(n);
  // The cell state's tanh: input shift (15 + power) - 3, a negative one as multiplier 3 (lstm_eval.cc).
  int tanh_shift = (15 + p.cell_scale_power) - 3;
  std::int32_t tanh_multiplier = 0;
  if (tanh_shift < 0) {
    tanh_shift = -tanh_shift;
    tanh_multiplier = 3;
  }
  for (std::int64_t b = 0; b < batches; ++b) {
    std::int8_t* hb = h + b * units;
    std::int16_t* cb = c + b * units;
    for (std::int64_t t = 0; t < steps; ++t) {
      const std::int64_t row = time_major ? t * batches + b : b * steps + t;
      const std::int8_t* xt = x + row * features;
      for (int g = 0; g < 4; ++g) {
        const LstmI8Gate& q = p.gates[g];
        fc_row_i16(xt, p.input_offset, q.w_in, q.w_in_offset, q.bias, q.in_multiplier, q.in_shift, gate[g].data(),
                   features, units);
        fc_row_i16(hb, p.hidden_offset, q.w_rec, q.w_rec_offset, nullptr, q.rec_multiplier, q.rec_shift, fc.data(),
                   units, units);
        for (std::size_t u = 0; u < n; ++u) {
          const std::int16_t sum = clamp16(gate[g][u] + fc[u]);
          // Gate inputs are Q3.12: the cell gate's tanh uses scale power -12 (shift 0, multiplier 3).
          gate[g][u] = g == 2 ? tanh_i16(sum, 0, 0) : logistic_i16(sum, 0, 0);
        }
      }
      for (std::size_t u = 0; u < n; ++u) {
        const std::int16_t forget_cell =
            clamp16(qmath::multiply_by_quantized_multiplier(gate[1][u] * cb[u], p.forget_cell_multiplier,
                                                            p.forget_cell_shift));
        const std::int16_t input_cell = clamp16(
            qmath::multiply_by_quantized_multiplier(gate[0][u] * gate[2][u], p.input_cell_multiplier, p.input_cell_shift));
        std::int16_t cell = clamp16(forget_cell + input_cell);
        if (p.quantized_cell_clip > 0)
          cell = std::clamp<std::int16_t>(cell, static_cast<std::int16_t>(-p.quantized_cell_clip), p.quantized_cell_clip);
        cb[u] = cell;
      }
      std::int8_t* yt = y + row * units;
      for (std::size_t u = 0; u < n; ++u) {
        const std::int16_t tanh_cell = tanh_i16(cb[u], tanh_multiplier, tanh_shift);
        const std::int32_t hidden = qmath::saturating_add(
            p.hidden_zero_point,
            qmath::multiply_by_quantized_multiplier(tanh_cell * gate[3][u], p.hidden_multiplier, p.hidden_shift));
        hb[u] = static_cast<std::int8_t>(std::clamp(hidden, -128, 127));
        yt[u] = hb[u];
      }
    }
  }
}

}  // namespace strata::lite::kernels
