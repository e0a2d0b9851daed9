#pragma once
// The CPU kernels of the TFLite interpreter (models/lite/ops.cpp checks shapes and calls them):
// float kernels, and int8 kernels with TFLite's reference quantized arithmetic (quantized_math.hpp).
// Layouts are TFLite's: NHWC activations, OHWI conv filters, 1HWO depthwise filters, [out, in] FC weights.
#include <cstdint>

#include "strata/backend/cpu/lite/quantized_math.hpp"

namespace strata::lite::kernels {

// The requantization of an int8 kernel's int32 accumulator: per output channel (per-channel
// weights) or one for all (count 1).
struct Requantize {
  const std::int32_t* multiplier = nullptr;
  const int* shift = nullptr;
  bool per_channel = false;
  std::int32_t input_offset = 0;   // -input zero point
  std::int32_t output_offset = 0;  // output zero point
  std::int32_t act_min = -128, act_max = 127;
};

void fully_connected_f32(const float* x, const float* w, const float* bias, float* y, std::int64_t batches,
                         std::int64_t in, std::int64_t out, float lo, float hi);
void fully_connected_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                        std::int64_t batches, std::int64_t in, std::int64_t out, const Requantize& q);

// Which int8 FULLY_CONNECTED / CONV_2D path runs: the reference loops, or the fast ones (dot_i8.cpp)
// with scalar, AVX2 or AVX-512 (VNNI) dot products. All give bit-identical outputs; the best the
// CPU has is chosen at start-up, and tests force each one (never above what the CPU runs).
enum class Int8Isa { reference, scalar, avx2, avx512, avx512_vnni };
Int8Isa int8_isa();
Int8Isa best_int8_isa();
void set_int8_isa(Int8Isa isa);
const char* int8_isa_name(Int8Isa isa);

struct ConvShape {
  std::int64_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
  int stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  std::int64_t depth_multiplier = 1;  // depthwise only
};
void fully_connected_i8_fast(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                             std::int64_t batches, std::int64_t in, std::int64_t out, const Requantize& q);
void depthwise_conv2d_i8_fast(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                              const ConvShape& s, const Requantize& q);
// sum(w[i] * x[i]) on the chosen path (x: an int8 row plus its offset, in int16), exact.
std::int64_t dot_i8_i16(const std::int8_t* w, const std::int16_t* x, std::int64_t n);
void conv2d_i8_fast(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                    const ConvShape& s, const Requantize& q);
// Hybrid (dynamic-range) kernels, as TFLite's: float input quantized to int8 per batch row
// (symmetric, or asymmetric as FC's asymmetric_quantize_inputs and per-channel conv), int8
// symmetric weights with per-tensor or per-output-channel scales, float bias and output.
float quantize_row(const float* x, std::int64_t n, bool asymmetric, std::int16_t* row);
void fully_connected_hybrid(const float* x, const std::int8_t* w, const float* w_scale, bool per_channel,
                            const float* bias, float* y, std::int64_t batches, std::int64_t in, std::int64_t out,
                            bool asymmetric, float lo, float hi);
void conv2d_hybrid(const float* x, const std::int8_t* w, const float* w_scale, bool per_channel, const float* bias,
                   float* y, const ConvShape& s, float lo, float hi);
void conv2d_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s, float lo, float hi);
void conv2d_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y, const ConvShape& s,
               const Requantize& q);
void depthwise_conv2d_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s, float lo,
                          float hi);
void depthwise_conv2d_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                         const ConvShape& s, const Requantize& q);

void softmax_f32(const float* x, float* y, std::int64_t rows, std::int64_t depth, float beta);
// TFLite's reference int8 softmax: gemmlowp fixed-point exp (Q5.26 input) and reciprocal; the output
// has scale 1/256 and zero point -128.
void softmax_i8(const std::int8_t* x, std::int8_t* y, std::int64_t rows, std::int64_t depth, std::int32_t input_multiplier,
                int input_left_shift, int diff_min);
// PreprocessSoftmaxScaling + CalculateInputRadius for beta and the input scale.
void softmax_i8_params(double beta, double input_scale, std::int32_t* multiplier, int* left_shift, int* diff_min);

// The float UNIDIRECTIONAL_SEQUENCE_LSTM (batch-major): gates i, f, c, o; no peephole / projection /
// layer norm. w_in[g] is [units, features], w_rec[g] is [units, units]; h and c are updated in place.
struct LstmF32 {
  const float* w_in[4];
  const float* w_rec[4];
  const float* bias[4];
  float cell_clip;
  int activation;  // ActivationFunctionType of the cell output (TANH usually)
};
void lstm_f32(const float* x, float* y, float* h, float* c, std::int64_t batches, std::int64_t steps,
              std::int64_t features, std::int64_t units, bool time_major, const LstmF32& p);

}  // namespace strata::lite::kernels

namespace strata::lite::kernels {

// The integer UNIDIRECTIONAL_SEQUENCE_LSTM of TFLite Micro (8-bit activations and weights, 16-bit
// gates and cell state, 32-bit biases): each gate is FC(x) + FC(h) requantized to Q3.12 int16,
// then TFLite's int16 sigmoid / tanh (LUT with interpolation); the state updates are int16 mul.
struct LstmI8Gate {
  const std::int8_t* w_in;
  const std::int8_t* w_rec;
  const std::int32_t* bias;
  std::int32_t w_in_offset, w_rec_offset;  // -weight zero point
  std::int32_t in_multiplier, rec_multiplier;
  int in_shift, rec_shift;
};
struct LstmI8 {
  LstmI8Gate gates[4];  // input, forget, cell, output
  std::int32_t input_offset;   // -x zero point
  std::int32_t hidden_offset;  // -h zero point (the recurrent FC's input)
  std::int32_t hidden_zero_point;
  std::int32_t forget_cell_multiplier, input_cell_multiplier, hidden_multiplier;
  int forget_cell_shift, input_cell_shift, hidden_shift;
  int cell_scale_power;              // cell scale = 2^cell_scale_power
  std::int16_t quantized_cell_clip;  // 0: no clipping
};
void lstm_i8(const std::int8_t* x, std::int8_t* y, std::int8_t* h, std::int16_t* c, std::int64_t batches,
             std::int64_t steps, std::int64_t features, std::int64_t units, bool time_major, const LstmI8& p);
// TFLite's int16 logistic / tanh (reference_integer_ops, LUT of sigmoid(i/24) with interpolation).
std::int16_t logistic_i16(std::int16_t x, std::int32_t input_multiplier, int input_left_shift);
std::int16_t tanh_i16(std::int16_t x, std::int32_t input_multiplier, int input_left_shift);

}  // namespace strata::lite::kernels

namespace strata::lite::kernels {

// Pooling over NHWC (the filter window clipped to the input; average over the cells inside).
struct PoolShape {
  std::int64_t batches, in_h, in_w, channels, out_h, out_w;
  int filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
};
void max_pool_f32(const float* x, float* y, const PoolShape& s, float lo, float hi);
void average_pool_f32(const float* x, float* y, const PoolShape& s, float lo, float hi);
// int8 (input and output share scale and zero point): reference_integer_ops pooling, the average
// rounded half away from zero.
void max_pool_i8(const std::int8_t* x, std::int8_t* y, const PoolShape& s, std::int32_t lo, std::int32_t hi);
void average_pool_i8(const std::int8_t* x, std::int8_t* y, const PoolShape& s, std::int32_t lo, std::int32_t hi);

// TRANSPOSE_CONV (no dilation): filter [out_c, k_h, k_w, in_c]; s.in_* is the op's input, s.out_*
// its output; pad_top / pad_left as TFLite computes them for the output size.
void transpose_conv_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s);
void transpose_conv_i8(const std::int8_t* x, const std::int8_t* w, const std::int32_t* bias, std::int8_t* y,
                       const ConvShape& s, const Requantize& q);

// Elementwise ADD / MUL with numpy broadcasting: `index1` / `index2` give each output element's
// input offsets (computed by the caller once per shape).
struct AddI8 {
  std::int32_t input1_offset, input2_offset, output_offset;
  std::int32_t input1_multiplier, input2_multiplier, output_multiplier;
  int input1_shift, input2_shift, output_shift;
  int left_shift = 20;
  std::int32_t act_min = -128, act_max = 127;
};
std::int8_t add_i8(std::int8_t a, std::int8_t b, const AddI8& p);
struct MulI8 {
  std::int32_t input1_offset, input2_offset, output_offset, output_multiplier;
  int output_shift;
  std::int32_t act_min = -128, act_max = 127;
};
std::int8_t mul_i8(std::int8_t a, std::int8_t b, const MulI8& p);

}  // namespace strata::lite::kernels
