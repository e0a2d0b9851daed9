// UNIDIRECTIONAL_SEQUENCE_LSTM: the standard (Keras) LSTM, inputs by position: 0 x, 1-4 input
// weights {i, f, c, o}, 5-8 recurrent weights, 12-15 gate biases, 18 hidden state, 19 cell state
// (both variable tensors); peephole (9-11), projection (16-17) and layer norm (20-23) absent.
// Float, and TFLite Micro's integer kernel (int8 x / h / weights, int16 cell, int32 bias).
#include <cmath>

#include "strata/backend/cpu/lite/kernels.hpp"
#include "strata/models/lite/internal.hpp"
#include "tflite_generated.h"

namespace strata::lite::detail {

namespace {

// The scales TFLite Micro gives the gates (float literals as in its lstm code: Q3.12 gate inputs,
// Q0.15 gate outputs).
constexpr float kGateInputScale = 0.00024414062f;
constexpr float kGateOutputScale = 0.00003051757f;

void multiplier(double real, std::int32_t* m, int* shift) { qmath::quantize_multiplier(real, m, shift); }

}  // namespace

void lstm(Context& ctx, const Node& node) {
  const auto* o = node.op->builtin_options_as_UnidirectionalSequenceLSTMOptions();
  ctx.require(node, o != nullptr, "has no UnidirectionalSequenceLSTMOptions");
  ctx.require(node, node.inputs.size() == 20 || node.inputs.size() == 24,
              "needs 20 or 24 inputs, got " + std::to_string(node.inputs.size()));
  auto& x = ctx.in(node, 0);
  for (std::size_t i : {9u, 10u, 11u, 16u, 17u})
    ctx.require(node, ctx.optional_in(node, i) == nullptr, "peephole and projection weights are not supported");
  for (std::size_t i = 20; i < node.inputs.size(); ++i)
    ctx.require(node, ctx.optional_in(node, i) == nullptr, "layer-normalised LSTM is not supported");
  ctx.require(node, x.shape.size() == 3, "input must be [batch, time, features], got " + shape_string(x.shape));
  const bool time_major = o->time_major();
  const std::int64_t batches = time_major ? x.shape[1] : x.shape[0];
  const std::int64_t steps = time_major ? x.shape[0] : x.shape[1];
  const std::int64_t features = x.shape[2];
  auto& h = ctx.in(node, 18);
  auto& c = ctx.in(node, 19);
  ctx.require(node, h.variable && c.variable, "the state inputs 18 and 19 must be variable tensors");
  ctx.require(node, h.shape.size() == 2, "the output state must be [batch, units]");
  const std::int64_t units = h.shape[1];
  ctx.require(node, h.num_elements() == batches * units && c.num_elements() == batches * units,
              "states of shape " + shape_string(h.shape) + " / " + shape_string(c.shape) + " do not fit batch " +
                  std::to_string(batches) + " and " + std::to_string(units) + " units");
  const bool integer = x.type == ElementType::int8;
  ctx.require(node, x.type == ElementType::float32 || integer,
              "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  const ElementType weight_type = integer ? ElementType::int8 : ElementType::float32;
  const ElementType bias_type = integer ? ElementType::int32 : ElementType::float32;
  LiteTensor* w_in[4];
  LiteTensor* w_rec[4];
  LiteTensor* bias[4];
  for (std::size_t g = 0; g < 4; ++g) {
    w_in[g] = &ctx.in(node, 1 + g);
    w_rec[g] = &ctx.in(node, 5 + g);
    bias[g] = &ctx.in(node, 12 + g);
    require_type(ctx, node, *w_in[g], weight_type, "input weight");
    require_type(ctx, node, *w_rec[g], weight_type, "recurrent weight");
    require_type(ctx, node, *bias[g], bias_type, "gate bias");
    for (auto* t : {w_in[g], w_rec[g], bias[g]}) require_data(ctx, node, *t, "weight");
    ctx.require(node, w_in[g]->shape == std::vector<std::int64_t>{units, features} &&
                          w_rec[g]->shape == std::vector<std::int64_t>{units, units} &&
                          bias[g]->num_elements() == units,
                "gate weights must be [units, features], [units, units] and [units]");
  }
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, y, x.type, "output");
  require_type(ctx, node, h, x.type, "hidden state");
  ctx.count(4.0 * static_cast<double>(batches) * static_cast<double>(steps) * static_cast<double>(units) *
            static_cast<double>(features + units));
  ctx.require(node, o->fused_activation_function() == tflite::ActivationFunctionType_TANH || !integer,
              "the integer LSTM needs the TANH cell activation");

  if (!integer) {
    require_type(ctx, node, c, ElementType::float32, "cell state");
    ctx.set_shape(y, {x.shape[0], x.shape[1], units});
    if (!ctx.eval) return;
    kernels::LstmF32 p{};
    for (int g = 0; g < 4; ++g) {
      p.w_in[g] = w_in[g]->as<float>();
      p.w_rec[g] = w_rec[g]->as<float>();
      p.bias[g] = bias[g]->as<float>();
    }
    p.cell_clip = o->cell_clip();
    p.activation = static_cast<int>(o->fused_activation_function());
    kernels::lstm_f32(x.as<float>(), y.as<float>(), h.as<float>(), c.as<float>(), batches, steps, features, units,
                      time_major, p);
    return;
  }

  require_type(ctx, node, c, ElementType::int16, "cell state");
  for (auto* t : {&x, &h, &c, &y}) require_quantized(ctx, node, *t, "activation");
  kernels::LstmI8 p{};
  for (std::size_t g = 0; g < 4; ++g) {
    for (auto* t : {w_in[g], w_rec[g]}) {
      require_quantized(ctx, node, *t, "weight");
      ctx.require(node, t->quant.scale.size() == 1, "integer LSTM weights must be quantized per tensor");
    }
    auto& q = p.gates[g];
    q.w_in = w_in[g]->as<std::int8_t>();
    q.w_rec = w_rec[g]->as<std::int8_t>();
    q.bias = bias[g]->as<std::int32_t>();
    q.w_in_offset = -w_in[g]->zero_point();
    q.w_rec_offset = -w_rec[g]->zero_point();
    multiplier(static_cast<double>(x.scale()) * static_cast<double>(w_in[g]->scale()) / kGateInputScale,
               &q.in_multiplier, &q.in_shift);
    multiplier(static_cast<double>(h.scale()) * static_cast<double>(w_rec[g]->scale()) / kGateInputScale,
               &q.rec_multiplier, &q.rec_shift);
  }
  p.input_offset = -x.zero_point();
  p.hidden_offset = -h.zero_point();
  p.hidden_zero_point = h.zero_point();
  const double cell_scale = c.scale();
  multiplier(static_cast<double>(kGateOutputScale) * cell_scale / cell_scale, &p.forget_cell_multiplier,
             &p.forget_cell_shift);
  multiplier(static_cast<double>(kGateOutputScale) * static_cast<double>(kGateOutputScale) / cell_scale,
             &p.input_cell_multiplier, &p.input_cell_shift);
  multiplier(static_cast<double>(kGateOutputScale) * static_cast<double>(kGateOutputScale) /
                 static_cast<double>(h.scale()),
             &p.hidden_multiplier, &p.hidden_shift);
  // CheckedLog2: the cell scale must be a power of two.
  const double log2_scale = std::log(cell_scale) / std::log(2.0);
  ctx.require(node, std::abs(log2_scale - std::round(log2_scale)) < 1e-3 && c.zero_point() == 0,
              "the int16 cell state needs a power-of-two scale and zero point 0");
  p.cell_scale_power = static_cast<int>(std::round(log2_scale));
  ctx.require(node, p.cell_scale_power > -30 && p.cell_scale_power < 15, "the cell state scale is out of range");
  ctx.require(node, std::isfinite(o->cell_clip()) && o->cell_clip() >= 0.0f, "cell_clip must be a number >= 0");
  p.quantized_cell_clip = static_cast<std::int16_t>(
      std::min(std::max(static_cast<double>(o->cell_clip()) / cell_scale, -32768.0), 32767.0));
  ctx.set_shape(y, {x.shape[0], x.shape[1], units});
  if (!ctx.eval) return;
  kernels::lstm_i8(x.as<std::int8_t>(), y.as<std::int8_t>(), h.as<std::int8_t>(), c.as<std::int16_t>(), batches, steps,
                   features, units, time_major, p);
}

}  // namespace strata::lite::detail
