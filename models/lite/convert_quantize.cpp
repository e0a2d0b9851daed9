// TFLite's post-training quantization of a converted graph: float16 weights, dynamic range (int8
// weights, float activations) and full integer int8 calibrated on a representative dataset, with
// the rules of TFLite's quantization_utils.cc and quantization spec.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "strata/framework/errors.hpp"
#include "strata/models/lite/convert_ir.hpp"
#include "tflite_generated.h"

namespace strata::lite {

AffineParams asymmetric_int8(float min, float max) {
  // The range always holds 0, so that zero padding and ReLU are exact.
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  if (min == max) return {1.0f, 0};
  const double qmin = -128.0, qmax = 127.0;
  const double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  const double from_min = qmin - min / scale, from_max = qmax - max / scale;
  const double err_min = std::abs(qmin) + std::abs(min / scale), err_max = std::abs(qmax) + std::abs(max / scale);
  const double zp = err_min < err_max ? from_min : from_max;
  const std::int32_t nudged = zp <= qmin ? -128 : zp >= qmax ? 127 : static_cast<std::int32_t>(std::round(zp));
  return {static_cast<float>(scale), nudged};
}

std::vector<float> symmetric_scales(const std::vector<float>& values, const std::vector<std::int64_t>& shape, int axis) {
  const std::int64_t channels = shape[axis];
  std::int64_t inner = 1;
  for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  std::vector<float> max_abs(channels, 0.0f);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::int64_t c = (static_cast<std::int64_t>(i) / inner) % channels;
    max_abs[c] = std::max(max_abs[c], std::abs(values[i]));
  }
  std::vector<float> scales(channels);
  for (std::int64_t c = 0; c < channels; ++c) scales[c] = max_abs[c] == 0.0f ? 1.0f : max_abs[c] / 127.0f;
  return scales;
}

namespace convert_detail {
namespace {

std::uint16_t float_to_half(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  std::uint32_t mant = x & 0x7fffffu;
  const int exp = static_cast<int>((x >> 23) & 0xff);
  if (exp == 255) return static_cast<std::uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
  int e = exp - 127 + 15;
  if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<std::uint16_t>(sign);
    mant |= 0x800000u;
    const int shift = 14 - e;
    std::uint32_t h = mant >> shift;
    const std::uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = (static_cast<std::uint32_t>(e) << 10) | (mant >> 13);
  const std::uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is right
  return static_cast<std::uint16_t>(sign | h);
}

template <class T>
std::vector<std::uint8_t> as_bytes(const std::vector<T>& v) {
  std::vector<std::uint8_t> out(v.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// Where the output channels of an operator's weights lie: TFLite's quantized_dimension.
int channel_axis(std::int32_t code) { return code == tflite::BuiltinOperator_DEPTHWISE_CONV_2D ? 3 : 0; }
bool has_weights(std::int32_t code) {
  return code == tflite::BuiltinOperator_FULLY_CONNECTED || code == tflite::BuiltinOperator_CONV_2D ||
         code == tflite::BuiltinOperator_DEPTHWISE_CONV_2D || code == tflite::BuiltinOperator_TRANSPOSE_CONV;
}
int weight_input(std::int32_t code) { return 1; }
int bias_input(std::int32_t code) { return code == tflite::BuiltinOperator_TRANSPOSE_CONV ? 3 : 2; }

void quantize_weights(IrTensor& w, int axis) {
  const auto scales = symmetric_scales(w.values, w.shape, axis);
  std::int64_t inner = 1;
  for (std::size_t d = axis + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  std::vector<std::int8_t> q(w.values.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    const float s = scales[(static_cast<std::int64_t>(i) / inner) % w.shape[axis]];
    q[i] = static_cast<std::int8_t>(std::clamp(std::round(w.values[i] / s), -127.0f, 127.0f));
  }
  w.type = ElementType::int8;
  w.bytes = as_bytes(q);
  w.quant = {scales, std::vector<std::int64_t>(scales.size(), 0), axis};
}

}  // namespace

void quantize_float16(IrGraph& g) {
  std::vector<IrOp> dequantize;
  const std::size_t n = g.tensors.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!g.tensors[i].constant || g.tensors[i].type != ElementType::float32 || g.tensors[i].values.empty()) continue;
    IrTensor f = g.tensors[i];
    f.constant = false;
    f.values.clear();
    f.name += "_dequantized";
    const int out = g.add_tensor(std::move(f));
    IrTensor& h = g.tensors[i];
    std::vector<std::uint16_t> halves(h.values.size());
    for (std::size_t e = 0; e < halves.size(); ++e) halves[e] = float_to_half(h.values[e]);
    h.type = ElementType::float16;
    h.bytes = as_bytes(halves);
    for (auto& o : g.ops)
      for (auto& in : o.inputs)
        if (in == static_cast<int>(i)) in = out;
    IrOp d;
    d.code = tflite::BuiltinOperator_DEQUANTIZE;
    d.inputs = {static_cast<int>(i)};
    d.outputs = {out};
    dequantize.push_back(d);
  }
  g.ops.insert(g.ops.begin(), dequantize.begin(), dequantize.end());
}

void quantize_dynamic(IrGraph& g) {
  for (auto& o : g.ops) {
    if (!has_weights(o.code) || o.code == tflite::BuiltinOperator_TRANSPOSE_CONV) continue;
    IrTensor& w = g.tensors[o.inputs[weight_input(o.code)]];
    // TFLite leaves small weights float (min_elements_for_weights = 1024).
    if (w.type != ElementType::float32 || w.values.size() < 1024) continue;
    quantize_weights(w, channel_axis(o.code));
    if (o.code == tflite::BuiltinOperator_FULLY_CONNECTED) o.asymmetric_inputs = true;
  }
}

void quantize_int8(IrGraph& g, const ConverterOptions& options, const std::vector<std::int64_t>& input_shape) {
  for (const auto& o : g.ops)
    if (o.code == tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM || o.code == tflite::BuiltinOperator_CAST ||
        o.code == tflite::BuiltinOperator_GATHER)
      throw NotImplementedError("full integer quantization of LSTM and Embedding layers is not supported for TF Lite "
                                "export; use dynamic range or float16");
  // Calibration: the float graph run on every sample, each activation's min and max kept.
  Interpreter interpreter = Interpreter::from_bytes(write_flatbuffer(g), "<calibration>");
  const Tensor& data = options.representative_data;
  const Shape shape = data.shape();
  std::vector<std::int64_t> sample{1};
  sample.insert(sample.end(), input_shape.begin() + 1, input_shape.end());
  const std::int64_t per = std::max<std::int64_t>(1, Shape(sample).num_elements());
  const auto values = data.to_vector<float>();
  interpreter.resize_input_tensor(0, sample);
  interpreter.allocate_tensors();
  for (std::int64_t s = 0; s < shape[0]; ++s) {
    interpreter.set_tensor<float>(g.inputs[0], std::span<const float>(values.data() + s * per, per));
    interpreter.invoke();
    for (std::size_t t = 0; t < g.tensors.size(); ++t) {
      IrTensor& x = g.tensors[t];
      if (x.constant || x.type != ElementType::float32) continue;
      const auto v = interpreter.get_tensor<float>(static_cast<int>(t));
      if (v.empty()) continue;
      const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
      x.min = x.calibrated ? std::min(x.min, *lo) : *lo;
      x.max = x.calibrated ? std::max(x.max, *hi) : *hi;
      x.calibrated = true;
    }
  }
  auto set = [](IrTensor& t, float scale, std::int32_t zp) {
    t.quant = {{scale}, {zp}, 0};
    t.type = ElementType::int8;
  };
  auto set_range = [&](IrTensor& t) {
    const AffineParams p = asymmetric_int8(t.min, t.max);
    set(t, p.scale, p.zero_point);
  };
  // TFLite's int8 CONCATENATION needs its inputs and output to share one scale and zero point
  // (its quantization spec): every input takes the range of them all.
  for (const auto& o : g.ops) {
    if (o.code != tflite::BuiltinOperator_CONCATENATION) continue;
    IrTensor& y = g.tensors[o.outputs[0]];
    for (int in : o.inputs) {
      y.min = std::min(y.min, g.tensors[in].min);
      y.max = std::max(y.max, g.tensors[in].max);
    }
    for (int in : o.inputs) {
      g.tensors[in].min = y.min;
      g.tensors[in].max = y.max;
    }
  }
  for (int i : g.inputs) set_range(g.tensors[i]);
  for (auto& o : g.ops) {
    IrTensor& y = g.tensors[o.outputs[0]];
    switch (o.code) {
      // Fixed output ranges of TFLite's int8 kernels.
      case tflite::BuiltinOperator_SOFTMAX:
      case tflite::BuiltinOperator_LOGISTIC: set(y, 1.0f / 256.0f, -128); break;
      case tflite::BuiltinOperator_TANH: set(y, 1.0f / 128.0f, 0); break;
      // Operators that only move values keep their input's parameters.
      case tflite::BuiltinOperator_RESHAPE:
      case tflite::BuiltinOperator_RELU:
      case tflite::BuiltinOperator_RELU6:
      case tflite::BuiltinOperator_MAX_POOL_2D:
      case tflite::BuiltinOperator_AVERAGE_POOL_2D:
      case tflite::BuiltinOperator_REDUCE_MAX:
      case tflite::BuiltinOperator_PAD: {
        const IrTensor& x = g.tensors[o.inputs[0]];
        set(y, x.quant.scale[0], static_cast<std::int32_t>(x.quant.zero_point[0]));
        break;
      }
      default: set_range(y);
    }
    if (has_weights(o.code)) {
      const int data_in = o.code == tflite::BuiltinOperator_TRANSPOSE_CONV ? 2 : 0;
      IrTensor& w = g.tensors[o.inputs[weight_input(o.code)]];
      quantize_weights(w, channel_axis(o.code));
      IrTensor& b = g.tensors[o.inputs[bias_input(o.code)]];
      const float s_in = g.tensors[o.inputs[data_in]].quant.scale[0];
      std::vector<float> scales(w.quant.scale.size());
      std::vector<std::int32_t> q(b.values.size());
      for (std::size_t c = 0; c < q.size(); ++c) {
        scales[c] = s_in * w.quant.scale[c];
        q[c] = static_cast<std::int32_t>(std::round(static_cast<double>(b.values[c]) / scales[c]));
      }
      b.type = ElementType::int32;
      b.bytes = as_bytes(q);
      b.quant = {scales, std::vector<std::int64_t>(scales.size(), 0), 0};
    }
    for (int in : o.inputs) {
      if (in < 0) continue;
      IrTensor& c = g.tensors[in];
      if (!c.constant || c.type != ElementType::float32 || c.values.empty()) continue;
      // Other float constants (a BatchNormalization's MUL / ADD operands): per-tensor, asymmetric.
      const auto [lo, hi] = std::minmax_element(c.values.begin(), c.values.end());
      const AffineParams p = asymmetric_int8(*lo, *hi);
      std::vector<std::int8_t> qv(c.values.size());
      for (std::size_t e = 0; e < qv.size(); ++e)
        qv[e] = static_cast<std::int8_t>(std::clamp(std::round(c.values[e] / p.scale) + p.zero_point, -128.0f, 127.0f));
      set(c, p.scale, p.zero_point);
      c.bytes = as_bytes(qv);
    }
  }
  if (options.int8_io) return;
  // Float ends: QUANTIZE after each input, DEQUANTIZE before each output, as TFLite's default.
  for (auto& i : g.inputs) {
    IrTensor f{.name = g.tensors[i].name, .shape = g.tensors[i].shape, .signature = g.tensors[i].signature};
    g.tensors[i].name += "_int8";
    const int ft = g.add_tensor(std::move(f));
    IrOp q;
    q.code = tflite::BuiltinOperator_QUANTIZE;
    q.inputs = {ft};
    q.outputs = {i};
    g.ops.insert(g.ops.begin(), q);
    i = ft;
  }
  for (auto& o : g.outputs) {
    IrTensor f{.name = g.tensors[o].name, .shape = g.tensors[o].shape, .signature = g.tensors[o].signature};
    g.tensors[o].name += "_int8";
    const int ft = g.add_tensor(std::move(f));
    IrOp d;
    d.code = tflite::BuiltinOperator_DEQUANTIZE;
    d.inputs = {o};
    d.outputs = {ft};
    g.ops.push_back(d);
    o = ft;
  }
}

}  // namespace convert_detail
}  // namespace strata::lite
