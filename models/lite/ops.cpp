// Each builtin operator: its checks and output shape (prepare, ctx.eval false) and its run (the
// kernels of backend/cpu/lite). Everything a kernel relies on (ranks, sizes, dtypes, quantization)
// is checked here first, so a hostile file gets an error instead of an out-of-bounds read.
#include <cmath>
#include <cstring>

#include "strata/backend/cpu/lite/kernels.hpp"
#include "strata/framework/errors.hpp"
#include "strata/models/lite/internal.hpp"
#include "tflite_generated.h"

namespace strata::lite::detail {

LiteTensor& Context::in(const Node& node, std::size_t i) {
  require(node, i < node.inputs.size() && node.inputs[i] >= 0,
          "needs input " + std::to_string(i) + ", which is absent");
  return model.tensors[static_cast<std::size_t>(node.inputs[i])];
}
const LiteTensor* Context::optional_in(const Node& node, std::size_t i) {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return nullptr;
  return &model.tensors[static_cast<std::size_t>(node.inputs[i])];
}
LiteTensor& Context::out(const Node& node, std::size_t i) {
  require(node, i < node.outputs.size(), "needs output " + std::to_string(i) + ", which is absent");
  return model.tensors[static_cast<std::size_t>(node.outputs[i])];
}
void Context::fail(const Node& node, const std::string& message) const {
  throw ValueError("TFLite file '" + model.file + "': operator " + std::to_string(node.index) + " (" + node.op_name +
                   "): " + message);
}
void Context::set_shape(LiteTensor& tensor, std::vector<std::int64_t> shape) const {
  std::int64_t elements = 1;
  for (auto d : shape) {
    if (d < 0 || d > kMaxTensorElements || (elements *= d) > kMaxTensorElements)
      throw ValueError("TFLite file '" + model.file + "': tensor '" + tensor.name + "' would get shape " +
                       shape_string(shape) + ", more than 2^31 elements");
  }
  const std::size_t bytes = static_cast<std::size_t>(elements) * element_size(tensor.type);
  if (bytes > tensor.data.size()) {
    std::size_t total = 0;
    for (const auto& t : model.tensors) total += t.data.size();
    if (total - tensor.data.size() + bytes > max_tensor_bytes())
      throw ValueError("TFLite file '" + model.file + "': tensor '" + tensor.name + "' of shape " +
                       shape_string(shape) + " would take the tensors over the limit of " +
                       std::to_string(max_tensor_bytes()) + " bytes (set_max_tensor_bytes)");
  }
  tensor.shape = std::move(shape);
  tensor.data.resize(bytes);
  count(static_cast<double>(tensor.num_elements()));
}

std::string label(const Node& node, const LiteTensor& t, const char* role) {
  return std::string(role) + " '" + t.name + "'";
}

void require_type(Context& ctx, const Node& node, const LiteTensor& t, ElementType type, const char* role) {
  ctx.require(node, t.type == type,
              label(node, t, role) + " is " + std::string(element_type_name(t.type)) + ", expected " +
                  std::string(element_type_name(type)));
}

void require_data(Context& ctx, const Node& node, const LiteTensor& t, const char* role) {
  ctx.require(node, t.data.size() >= t.byte_size(), label(node, t, role) + " has no data");
}

void require_quantized(Context& ctx, const Node& node, const LiteTensor& t, const char* role) {
  ctx.require(node, !t.quant.scale.empty(), label(node, t, role) + " is int8 but has no quantization parameters");
}

namespace {

using kernels::Requantize;
using qmath::Activation;

Activation activation_of(tflite::ActivationFunctionType a) {
  switch (a) {
    case tflite::ActivationFunctionType_RELU: return Activation::relu;
    case tflite::ActivationFunctionType_RELU_N1_TO_1: return Activation::relu_n1_to_1;
    case tflite::ActivationFunctionType_RELU6: return Activation::relu6;
    case tflite::ActivationFunctionType_TANH: return Activation::tanh;
    case tflite::ActivationFunctionType_SIGN_BIT: return Activation::sign_bit;
    default: return Activation::none;
  }
}

void check_fused(Context& ctx, const Node& node, Activation act) {
  ctx.require(node, act == Activation::none || act == Activation::relu || act == Activation::relu6 ||
                        act == Activation::relu_n1_to_1,
              "fused activation TANH / SIGN_BIT is not supported on this operator");
}

// The int8 requantization of a conv / FC: multiplier s_in * s_w[c] / s_out per channel, in double
// from the float scales (TFLite's GetQuantizedConvolutionMultipler / PopulateConvolutionQuantizationParams).
struct RequantizeData {
  std::vector<std::int32_t> multipliers;
  std::vector<int> shifts;
  Requantize q;
};
RequantizeData requantize_data(Context& ctx, const Node& node, const LiteTensor& x, const LiteTensor& w,
                               const LiteTensor& y, std::int64_t channels, Activation act) {
  require_quantized(ctx, node, x, "input");
  require_quantized(ctx, node, w, "weights");
  require_quantized(ctx, node, y, "output");
  RequantizeData d;
  const std::size_t n = w.quant.scale.size();
  ctx.require(node, n == 1 || static_cast<std::int64_t>(n) == channels,
              "weights have " + std::to_string(n) + " scales for " + std::to_string(channels) + " output channels");
  for (std::size_t c = 0; c < n; ++c) {
    ctx.require(node, w.quant.zero_point[c] == 0, "int8 weights must be symmetric (zero point 0)");
    const double m = static_cast<double>(x.scale()) * static_cast<double>(w.quant.scale[c]) / static_cast<double>(y.scale());
    std::int32_t mult = 0;
    int shift = 0;
    qmath::quantize_multiplier(m, &mult, &shift);
    d.multipliers.push_back(mult);
    d.shifts.push_back(shift);
  }
  ctx.require(node, x.zero_point() >= -128 && x.zero_point() <= 127 && y.zero_point() >= -128 && y.zero_point() <= 127,
              "int8 zero points must lie in [-128, 127]");
  d.q.multiplier = d.multipliers.data();
  d.q.shift = d.shifts.data();
  d.q.per_channel = n > 1;
  d.q.input_offset = -x.zero_point();
  d.q.output_offset = y.zero_point();
  qmath::activation_range_quantized(act, y.scale(), y.zero_point(), -128, 127, &d.q.act_min, &d.q.act_max);
  return d;
}

void check_bias(Context& ctx, const Node& node, const LiteTensor* bias, ElementType type, std::int64_t channels) {
  if (bias == nullptr) return;
  require_type(ctx, node, *bias, type, "bias");
  require_data(ctx, node, *bias, "bias");
  ctx.require(node, bias->num_elements() == channels,
              "bias has " + std::to_string(bias->num_elements()) + " elements, expected " + std::to_string(channels));
}

// A hybrid op's int8 weights: symmetric, one scale or one per output channel (along `dim`), every
// scale finite and positive. Returns whether the scales are per channel.
bool require_hybrid_scales(Context& ctx, const Node& node, const LiteTensor& w, std::int64_t channels, int dim) {
  require_data(ctx, node, w, "weights");
  const auto& scales = w.quant.scale;
  const bool per_channel = scales.size() > 1;
  ctx.require(node, scales.size() == 1 || static_cast<std::int64_t>(scales.size()) == channels,
              "int8 weights of a hybrid op need 1 or " + std::to_string(channels) + " scales, got " +
                  std::to_string(scales.size()));
  ctx.require(node, !per_channel || w.quant.quantized_dimension == dim,
              "per-channel weight scales must run along the output channels");
  for (const float v : scales) ctx.require(node, std::isfinite(v) && v > 0.0f, "weight scales must be finite and > 0");
  for (const auto zp : w.quant.zero_point)
    ctx.require(node, zp == 0, "int8 weights of a hybrid op must be symmetric (zero point 0)");
  return per_channel;
}

void fully_connected(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& w = ctx.in(node, 1);
  const LiteTensor* bias = ctx.optional_in(node, 2);
  auto& y = ctx.out(node, 0);
  const auto* opts = node.op->builtin_options_as_FullyConnectedOptions();
  const Activation act = activation_of(opts ? opts->fused_activation_function() : tflite::ActivationFunctionType_NONE);
  check_fused(ctx, node, act);
  ctx.require(node, opts == nullptr || opts->weights_format() == tflite::FullyConnectedOptionsWeightsFormat_DEFAULT,
              "shuffled weights are not supported");
  ctx.require(node, w.shape.size() == 2, "weights must be [units, inputs], got " + shape_string(w.shape));
  require_data(ctx, node, w, "weights");
  const std::int64_t units = w.shape[0], depth = w.shape[1];
  ctx.require(node, depth > 0 && x.num_elements() % depth == 0,
              "input of shape " + shape_string(x.shape) + " does not split into rows of " + std::to_string(depth));
  const std::int64_t batches = x.num_elements() / depth;
  const bool keep = opts != nullptr && opts->keep_num_dims();
  std::vector<std::int64_t> shape{batches, units};
  if (keep) {
    ctx.require(node, !x.shape.empty() && x.shape.back() == depth, "keep_num_dims needs the last input dimension to be " +
                                                                       std::to_string(depth));
    shape = x.shape;
    shape.back() = units;
  }
  if (x.type == ElementType::float32 && w.type == ElementType::int8) {  // hybrid (dynamic range)
    require_type(ctx, node, y, ElementType::float32, "output");
    check_bias(ctx, node, bias, ElementType::float32, units);
    const bool per_channel = require_hybrid_scales(ctx, node, w, units, 0);
    ctx.set_shape(y, shape);
    ctx.count(static_cast<double>(batches) * static_cast<double>(depth) * static_cast<double>(units));
    if (!ctx.eval) return;
    float lo, hi;
    qmath::activation_range_float(act, &lo, &hi);
    kernels::fully_connected_hybrid(x.as<float>(), w.as<std::int8_t>(), w.quant.scale.data(), per_channel,
                                    bias ? bias->as<float>() : nullptr, y.as<float>(), batches, depth, units,
                                    opts != nullptr && opts->asymmetric_quantize_inputs(), lo, hi);
  } else if (x.type == ElementType::float32) {
    require_type(ctx, node, w, ElementType::float32, "weights");
    require_type(ctx, node, y, ElementType::float32, "output");
    check_bias(ctx, node, bias, ElementType::float32, units);
    ctx.set_shape(y, shape);
    ctx.count(static_cast<double>(batches) * static_cast<double>(depth) * static_cast<double>(units));
    if (!ctx.eval) return;
    float lo, hi;
    qmath::activation_range_float(act, &lo, &hi);
    kernels::fully_connected_f32(x.as<float>(), w.as<float>(), bias ? bias->as<float>() : nullptr, y.as<float>(),
                                 batches, depth, units, lo, hi);
  } else if (x.type == ElementType::int8) {
    require_type(ctx, node, w, ElementType::int8, "weights");
    require_type(ctx, node, y, ElementType::int8, "output");
    check_bias(ctx, node, bias, ElementType::int32, units);
    auto rq = requantize_data(ctx, node, x, w, y, units, act);
    ctx.set_shape(y, shape);
    ctx.count(static_cast<double>(batches) * static_cast<double>(depth) * static_cast<double>(units));
    if (!ctx.eval) return;
    kernels::fully_connected_i8(x.as<std::int8_t>(), w.as<std::int8_t>(), bias ? bias->as<std::int32_t>() : nullptr,
                                y.as<std::int8_t>(), batches, depth, units, rq.q);
  } else {
    ctx.fail(node, "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  }
}

void conv(Context& ctx, const Node& node, bool depthwise) {
  auto& x = ctx.in(node, 0);
  auto& w = ctx.in(node, 1);
  const LiteTensor* bias = ctx.optional_in(node, 2);
  auto& y = ctx.out(node, 0);
  tflite::Padding padding = tflite::Padding_SAME;
  int stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  Activation act = Activation::none;
  if (depthwise) {
    const auto* o = node.op->builtin_options_as_DepthwiseConv2DOptions();
    ctx.require(node, o != nullptr, "has no DepthwiseConv2DOptions");
    padding = o->padding(); stride_h = o->stride_h(); stride_w = o->stride_w();
    dil_h = o->dilation_h_factor(); dil_w = o->dilation_w_factor();
    act = activation_of(o->fused_activation_function());
  } else {
    const auto* o = node.op->builtin_options_as_Conv2DOptions();
    ctx.require(node, o != nullptr, "has no Conv2DOptions");
    padding = o->padding(); stride_h = o->stride_h(); stride_w = o->stride_w();
    dil_h = o->dilation_h_factor(); dil_w = o->dilation_w_factor();
    act = activation_of(o->fused_activation_function());
  }
  check_fused(ctx, node, act);
  ctx.require(node, stride_h >= 1 && stride_w >= 1 && dil_h >= 1 && dil_w >= 1 && stride_h < 65536 &&
                        stride_w < 65536 && dil_h < 65536 && dil_w < 65536,
              "strides and dilations must lie in [1, 65535]");
  ctx.require(node, x.shape.size() == 4, "input must be NHWC (rank 4), got " + shape_string(x.shape));
  ctx.require(node, w.shape.size() == 4, "filter must have rank 4, got " + shape_string(w.shape));
  require_data(ctx, node, w, "filter");
  kernels::ConvShape s{};
  s.batches = x.shape[0]; s.in_h = x.shape[1]; s.in_w = x.shape[2]; s.in_c = x.shape[3];
  s.k_h = w.shape[1]; s.k_w = w.shape[2];
  s.stride_h = stride_h; s.stride_w = stride_w; s.dil_h = dil_h; s.dil_w = dil_w;
  if (depthwise) {
    ctx.require(node, w.shape[0] == 1, "depthwise filter must be [1, h, w, channels]");
    s.out_c = w.shape[3];
    ctx.require(node, s.in_c > 0 && s.out_c % s.in_c == 0,
                "filter channels " + std::to_string(s.out_c) + " are not a multiple of input channels " +
                    std::to_string(s.in_c));
    s.depth_multiplier = s.out_c / s.in_c;
  } else {
    s.out_c = w.shape[0];
    ctx.require(node, w.shape[3] == s.in_c, "filter expects " + std::to_string(w.shape[3]) +
                                                " input channels, the input has " + std::to_string(s.in_c));
  }
  const std::int64_t eff_h = (s.k_h - 1) * dil_h + 1, eff_w = (s.k_w - 1) * dil_w + 1;
  if (padding == tflite::Padding_VALID) {
    s.out_h = (s.in_h - eff_h + stride_h) / stride_h;
    s.out_w = (s.in_w - eff_w + stride_w) / stride_w;
  } else {
    s.out_h = (s.in_h + stride_h - 1) / stride_h;
    s.out_w = (s.in_w + stride_w - 1) / stride_w;
  }
  ctx.require(node, s.out_h > 0 && s.out_w > 0 && s.k_h > 0 && s.k_w > 0, "the filter does not fit the input");
  s.pad_top = static_cast<int>(std::max<std::int64_t>(0, ((s.out_h - 1) * stride_h + eff_h - s.in_h) / 2));
  s.pad_left = static_cast<int>(std::max<std::int64_t>(0, ((s.out_w - 1) * stride_w + eff_w - s.in_w) / 2));
  const std::vector<std::int64_t> shape{s.batches, s.out_h, s.out_w, s.out_c};
  ctx.count(static_cast<double>(s.batches) * static_cast<double>(s.out_h) * static_cast<double>(s.out_w) *
            static_cast<double>(s.out_c) * static_cast<double>(s.k_h) * static_cast<double>(s.k_w) *
            static_cast<double>(depthwise ? 1 : s.in_c));
  if (x.type == ElementType::float32 && w.type == ElementType::int8 && !depthwise) {  // hybrid (dynamic range)
    require_type(ctx, node, y, ElementType::float32, "output");
    check_bias(ctx, node, bias, ElementType::float32, s.out_c);
    const bool per_channel = require_hybrid_scales(ctx, node, w, s.out_c, 0);
    ctx.set_shape(y, shape);
    if (!ctx.eval) return;
    float lo, hi;
    qmath::activation_range_float(act, &lo, &hi);
    kernels::conv2d_hybrid(x.as<float>(), w.as<std::int8_t>(), w.quant.scale.data(), per_channel,
                           bias ? bias->as<float>() : nullptr, y.as<float>(), s, lo, hi);
  } else if (x.type == ElementType::float32) {
    require_type(ctx, node, w, ElementType::float32, "filter");
    require_type(ctx, node, y, ElementType::float32, "output");
    check_bias(ctx, node, bias, ElementType::float32, s.out_c);
    ctx.set_shape(y, shape);
    if (!ctx.eval) return;
    float lo, hi;
    qmath::activation_range_float(act, &lo, &hi);
    const float* b = bias ? bias->as<float>() : nullptr;
    if (depthwise) kernels::depthwise_conv2d_f32(x.as<float>(), w.as<float>(), b, y.as<float>(), s, lo, hi);
    else kernels::conv2d_f32(x.as<float>(), w.as<float>(), b, y.as<float>(), s, lo, hi);
  } else if (x.type == ElementType::int8) {
    require_type(ctx, node, w, ElementType::int8, "filter");
    require_type(ctx, node, y, ElementType::int8, "output");
    check_bias(ctx, node, bias, ElementType::int32, s.out_c);
    ctx.require(node, w.quant.scale.size() <= 1 || w.quant.quantized_dimension == (depthwise ? 3 : 0),
                "per-channel filter scales must run along the output channels");
    auto rq = requantize_data(ctx, node, x, w, y, s.out_c, act);
    ctx.set_shape(y, shape);
    if (!ctx.eval) return;
    const std::int32_t* b = bias ? bias->as<std::int32_t>() : nullptr;
    if (depthwise) kernels::depthwise_conv2d_i8(x.as<std::int8_t>(), w.as<std::int8_t>(), b, y.as<std::int8_t>(), s, rq.q);
    else kernels::conv2d_i8(x.as<std::int8_t>(), w.as<std::int8_t>(), b, y.as<std::int8_t>(), s, rq.q);
  } else {
    ctx.fail(node, "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  }
}

void reshape(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  std::vector<std::int64_t> target;
  const LiteTensor* shape_input = ctx.optional_in(node, 1);
  if (shape_input != nullptr && shape_input->constant) {
    require_type(ctx, node, *shape_input, ElementType::int32, "shape");
    ctx.require(node, shape_input->shape.size() <= 1, "the new shape must be a vector");
    for (std::int64_t i = 0; i < shape_input->num_elements(); ++i) target.push_back(shape_input->as<std::int32_t>()[i]);
  } else if (const auto* o = node.op->builtin_options_as_ReshapeOptions(); o != nullptr && o->new_shape() != nullptr) {
    for (auto d : *o->new_shape()) target.push_back(d);
  } else {
    target = y.shape;  // the converter's static output shape
  }
  ctx.require(node, target.size() <= static_cast<std::size_t>(kMaxRank), "the new shape has too many dimensions");
  int unknown = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      ctx.require(node, unknown < 0, "the new shape has more than one -1");
      unknown = static_cast<int>(i);
    } else {
      ctx.require(node, target[i] >= 0 && target[i] <= kMaxTensorElements, "the new shape has a bad dimension");
      known *= target[i];
      ctx.require(node, known <= kMaxTensorElements, "the new shape is too large");
    }
  }
  if (unknown >= 0) {
    ctx.require(node, known > 0 && x.num_elements() % known == 0,
                "cannot reshape " + shape_string(x.shape) + " to " + shape_string(target));
    target[static_cast<std::size_t>(unknown)] = x.num_elements() / known;
    known *= target[static_cast<std::size_t>(unknown)];
  }
  ctx.require(node, known == x.num_elements(), "cannot reshape " + shape_string(x.shape) + " (" +
                                                   std::to_string(x.num_elements()) + " elements) to " +
                                                   shape_string(target));
  ctx.require(node, y.type == x.type, "output type differs from the input's");
  ctx.set_shape(y, target);
  if (!ctx.eval) return;
  std::copy(x.data.begin(), x.data.begin() + static_cast<std::ptrdiff_t>(x.byte_size()), y.data.begin());
}

void softmax(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  const auto* o = node.op->builtin_options_as_SoftmaxOptions();
  const float beta = o ? o->beta() : 1.0f;
  ctx.require(node, std::isfinite(beta) && beta > 0.0f, "beta must be a positive number");
  ctx.require(node, !x.shape.empty(), "input must have rank >= 1");
  const std::int64_t depth = x.shape.back();
  const std::int64_t rows = depth == 0 ? 0 : x.num_elements() / depth;
  ctx.require(node, y.type == x.type, "output type differs from the input's");
  ctx.set_shape(y, x.shape);
  if (x.type == ElementType::float32) {
    if (ctx.eval) kernels::softmax_f32(x.as<float>(), y.as<float>(), rows, depth, beta);
  } else if (x.type == ElementType::int8) {
    require_quantized(ctx, node, x, "input");
    require_quantized(ctx, node, y, "output");
    ctx.require(node, y.zero_point() == -128 && std::abs(y.scale() - 1.0f / 256) < 1e-8f,
                "int8 output must have scale 1/256 and zero point -128");
    std::int32_t multiplier = 0;
    int left_shift = 0, diff_min = 0;
    kernels::softmax_i8_params(beta, x.scale(), &multiplier, &left_shift, &diff_min);
    if (ctx.eval)
      kernels::softmax_i8(x.as<std::int8_t>(), y.as<std::int8_t>(), rows, depth, multiplier, left_shift, diff_min);
  } else {
    ctx.fail(node, "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  }
}

void quantize(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, y, ElementType::int8, "output");
  require_quantized(ctx, node, y, "output");
  require_type(ctx, node, x, ElementType::float32, "input");
  ctx.set_shape(y, x.shape);
  if (!ctx.eval) return;
  const float scale = y.scale();
  const std::int32_t zp = y.zero_point();
  for (std::int64_t i = 0; i < x.num_elements(); ++i) {  // reference AffineQuantize
    const std::int32_t q = qmath::quantize_value(x.as<float>()[i], scale, zp);
    y.as<std::int8_t>()[i] = static_cast<std::int8_t>(std::clamp(q, -128, 127));
  }
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  std::uint32_t bits = exp == 31 ? sign | 0x7f800000u | (mant << 13) : sign | ((exp + 112) << 23) | (mant << 13);
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

void dequantize(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, y, ElementType::float32, "output");
  ctx.require(node, x.type == ElementType::int8 || x.type == ElementType::float16,
              "input must be int8 or float16, got " + std::string(element_type_name(x.type)));
  if (x.type == ElementType::int8) require_quantized(ctx, node, x, "input");
  ctx.require(node, x.quant.scale.size() <= 1, "per-axis dequantize is not supported");
  ctx.set_shape(y, x.shape);
  if (!ctx.eval) return;
  for (std::int64_t i = 0; i < x.num_elements(); ++i) {
    if (x.type == ElementType::float16) {
      y.as<float>()[i] = half_to_float(x.as<std::uint16_t>()[i]);
    } else {
      y.as<float>()[i] = x.scale() * static_cast<float>(x.as<std::int8_t>()[i] - x.zero_point());
    }
  }
}

// Float elementwise activations (and int8 RELU / RELU6, which are clamps in the quantized domain
// when input and output share scale and zero point).
void activation(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  ctx.require(node, y.type == x.type, "output type differs from the input's");
  ctx.set_shape(y, x.shape);
  const std::int64_t n = x.num_elements();
  if (x.type == ElementType::int8 &&
      (node.code == tflite::BuiltinOperator_RELU || node.code == tflite::BuiltinOperator_RELU6)) {
    require_quantized(ctx, node, x, "input");
    require_quantized(ctx, node, y, "output");
    ctx.require(node, x.scale() == y.scale() && x.zero_point() == y.zero_point(),
                "int8 input and output must share scale and zero point");
    std::int32_t lo = 0, hi = 0;
    qmath::activation_range_quantized(node.code == tflite::BuiltinOperator_RELU ? Activation::relu : Activation::relu6,
                                      y.scale(), y.zero_point(), -128, 127, &lo, &hi);
    if (!ctx.eval) return;
    for (std::int64_t i = 0; i < n; ++i) y.as<std::int8_t>()[i] = static_cast<std::int8_t>(std::clamp<std::int32_t>(x.as<std::int8_t>()[i], lo, hi));
    return;
  }
  if (x.type == ElementType::int8 &&
      (node.code == tflite::BuiltinOperator_LOGISTIC || node.code == tflite::BuiltinOperator_TANH))
    return lut_activation_i8(ctx, node);
  if (x.type == ElementType::int8 && node.code == tflite::BuiltinOperator_LEAKY_RELU) return leaky_relu_i8(ctx, node);
  ctx.require(node, x.type == ElementType::float32,
              "input type " + std::string(element_type_name(x.type)) + " is not supported (float32)");
  float alpha = 0.2f;
  if (const auto* o = node.op->builtin_options_as_LeakyReluOptions()) alpha = o->alpha();
  if (!ctx.eval) return;
  const float* in = x.as<float>();
  float* out = y.as<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = in[i];
    switch (node.code) {
      case tflite::BuiltinOperator_RELU: out[i] = std::max(v, 0.0f); break;
      case tflite::BuiltinOperator_RELU6: out[i] = std::clamp(v, 0.0f, 6.0f); break;
      case tflite::BuiltinOperator_LOGISTIC: out[i] = 1.0f / (1.0f + std::exp(-v)); break;
      case tflite::BuiltinOperator_TANH: out[i] = std::tanh(v); break;
      case tflite::BuiltinOperator_LEAKY_RELU: out[i] = v > 0.0f ? v : alpha * v; break;
      case tflite::BuiltinOperator_HARD_SWISH: out[i] = v * std::clamp(v + 3.0f, 0.0f, 6.0f) / 6.0f; break;
      case tflite::BuiltinOperator_ELU: out[i] = v > 0.0f ? v : std::expm1(v); break;
      // GELU's exact form (the options' approximate flag defaults to false; Keras's default too).
      case tflite::BuiltinOperator_GELU: out[i] = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f)); break;
      default: out[i] = v;
    }
  }
}

}  // namespace

bool op_supported(std::int32_t code) {
  switch (code) {
    case tflite::BuiltinOperator_FULLY_CONNECTED:
    case tflite::BuiltinOperator_CONV_2D:
    case tflite::BuiltinOperator_DEPTHWISE_CONV_2D:
    case tflite::BuiltinOperator_RESHAPE:
    case tflite::BuiltinOperator_SOFTMAX:
    case tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM:
    case tflite::BuiltinOperator_QUANTIZE:
    case tflite::BuiltinOperator_DEQUANTIZE:
    case tflite::BuiltinOperator_RELU:
    case tflite::BuiltinOperator_RELU6:
    case tflite::BuiltinOperator_LOGISTIC:
    case tflite::BuiltinOperator_TANH:
    case tflite::BuiltinOperator_LEAKY_RELU:
    case tflite::BuiltinOperator_HARD_SWISH:
    case tflite::BuiltinOperator_MAX_POOL_2D:
    case tflite::BuiltinOperator_AVERAGE_POOL_2D:
    case tflite::BuiltinOperator_MEAN:
    case tflite::BuiltinOperator_ADD:
    case tflite::BuiltinOperator_MUL:
    case tflite::BuiltinOperator_CONCATENATION:
    case tflite::BuiltinOperator_PAD:
    case tflite::BuiltinOperator_GATHER:
    case tflite::BuiltinOperator_TRANSPOSE_CONV:
    case tflite::BuiltinOperator_ELU:
    case tflite::BuiltinOperator_GELU:
    case tflite::BuiltinOperator_CAST:
    case tflite::BuiltinOperator_REDUCE_MAX:
      return true;
    default:
      return false;
  }
}

void run_node(Context& ctx, const Node& node) {
  ctx.require(node, node.outputs.size() == 1, "must have exactly one output, has " + std::to_string(node.outputs.size()));
  for (int index : node.inputs) {
    if (index < 0) continue;
    const auto& t = ctx.model.tensors[static_cast<std::size_t>(index)];
    ctx.require(node, t.data.size() >= t.byte_size(), "input tensor " + std::to_string(index) + " ('" + t.name +
                                                          "') has no data (allocate_tensors not called?)");
  }
  switch (node.code) {
    case tflite::BuiltinOperator_FULLY_CONNECTED: return fully_connected(ctx, node);
    case tflite::BuiltinOperator_CONV_2D: return conv(ctx, node, false);
    case tflite::BuiltinOperator_DEPTHWISE_CONV_2D: return conv(ctx, node, true);
    case tflite::BuiltinOperator_RESHAPE: return reshape(ctx, node);
    case tflite::BuiltinOperator_SOFTMAX: return softmax(ctx, node);
    case tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM: return lstm(ctx, node);
    case tflite::BuiltinOperator_QUANTIZE: return quantize(ctx, node);
    case tflite::BuiltinOperator_DEQUANTIZE: return dequantize(ctx, node);
    default:
      if (run_more(ctx, node)) return;
      return activation(ctx, node);
  }
}

}  // namespace strata::lite::detail
