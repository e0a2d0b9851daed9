// The .tflite flatbuffer of an IrGraph, laid out as TensorFlow's converter writes it: buffer 0
// empty, one buffer per tensor (empty for activations), one subgraph "main", operator codes with
// both builtin_code and deprecated_builtin_code, signature "serving_default", min_runtime_version.
#include <algorithm>
#include <cstring>
#include <map>

#include "strata/models/lite/convert_ir.hpp"
#include "tflite_generated.h"

namespace strata::lite::convert_detail {
namespace {

tflite::TensorType tensor_type(ElementType t) {
  switch (t) {
    case ElementType::float32: return tflite::TensorType_FLOAT32;
    case ElementType::float16: return tflite::TensorType_FLOAT16;
    case ElementType::int32: return tflite::TensorType_INT32;
    case ElementType::uint8: return tflite::TensorType_UINT8;
    case ElementType::int64: return tflite::TensorType_INT64;
    case ElementType::boolean: return tflite::TensorType_BOOL;
    case ElementType::int16: return tflite::TensorType_INT16;
    case ElementType::int8: return tflite::TensorType_INT8;
  }
  return tflite::TensorType_FLOAT32;
}

std::vector<std::uint8_t> data_of(const IrTensor& t) {
  if (!t.bytes.empty()) return t.bytes;
  std::vector<std::uint8_t> out;
  if (!t.values.empty()) {
    out.resize(t.values.size() * 4);
    std::memcpy(out.data(), t.values.data(), out.size());
  } else if (!t.ints.empty()) {
    out.resize(t.ints.size() * 4);
    std::memcpy(out.data(), t.ints.data(), out.size());
  }
  return out;
}

// Operator versions as TFLite's op_version.cc gives them for these inputs.
int op_version(const IrOp& o, const IrGraph& g) {
  const ElementType in = o.inputs.empty() || o.inputs[0] < 0 ? ElementType::float32 : g.tensors[o.inputs[0]].type;
  const bool i8 = in == ElementType::int8;
  const bool hybrid = !i8 && o.inputs.size() > 1 && o.inputs[1] >= 0 && g.tensors[o.inputs[1]].type == ElementType::int8;
  switch (o.code) {
    case tflite::BuiltinOperator_FULLY_CONNECTED:
      if (o.keep_dims) return 5;
      return i8 ? 4 : hybrid ? (o.asymmetric_inputs ? 9 : 3) : 1;
    case tflite::BuiltinOperator_CONV_2D:
    case tflite::BuiltinOperator_DEPTHWISE_CONV_2D: return i8 || hybrid ? 3 : (o.dilation_w > 1 || o.dilation_h > 1) ? 2 : 1;
    case tflite::BuiltinOperator_DEQUANTIZE: return in == ElementType::float16 ? 3 : i8 ? 2 : 1;
    case tflite::BuiltinOperator_SOFTMAX:
    case tflite::BuiltinOperator_LOGISTIC:
    case tflite::BuiltinOperator_TANH:
    case tflite::BuiltinOperator_ADD:
    case tflite::BuiltinOperator_MUL:
    case tflite::BuiltinOperator_MAX_POOL_2D:
    case tflite::BuiltinOperator_AVERAGE_POOL_2D:
    case tflite::BuiltinOperator_CONCATENATION:
    case tflite::BuiltinOperator_PAD:
    case tflite::BuiltinOperator_MEAN:
    case tflite::BuiltinOperator_QUANTIZE:
    case tflite::BuiltinOperator_RELU:
    case tflite::BuiltinOperator_GATHER: return i8 ? 2 : 1;
    default: return 1;
  }
}

}  // namespace

std::vector<std::uint8_t> write_flatbuffer(const IrGraph& g) {
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  using flatbuffers::Offset;
  // Buffers: 0 is the empty sentinel, then one per tensor, then the metadata's.
  std::vector<Offset<tflite::Buffer>> buffers{tflite::CreateBuffer(fbb)};
  std::vector<Offset<tflite::Tensor>> tensors;
  for (const auto& t : g.tensors) {
    const auto data = data_of(t);
    Offset<flatbuffers::Vector<std::uint8_t>> data_off;
    if (!data.empty()) {
      fbb.ForceVectorAlignment(data.size(), 1, 16);
      data_off = fbb.CreateVector(data);
    }
    buffers.push_back(tflite::CreateBuffer(fbb, data_off));
    Offset<tflite::QuantizationParameters> q;
    if (!t.quant.empty())
      q = tflite::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &t.quant.scale, &t.quant.zero_point,
                                                     tflite::QuantizationDetails_NONE, 0, t.quant.quantized_dimension);
    else
      q = tflite::CreateQuantizationParameters(fbb);
    std::vector<std::int32_t> shape(t.shape.begin(), t.shape.end()), sig(t.signature.begin(), t.signature.end());
    const bool dynamic = sig != shape;
    tensors.push_back(tflite::CreateTensorDirect(fbb, &shape, tensor_type(t.type),
                                                 static_cast<std::uint32_t>(buffers.size() - 1), t.name.c_str(), q,
                                                 t.variable, dynamic ? &sig : nullptr));
  }
  // Operator codes in order of first use.
  std::map<std::pair<std::int32_t, int>, std::uint32_t> code_index;
  std::vector<Offset<tflite::OperatorCode>> codes;
  std::vector<Offset<tflite::Operator>> ops;
  for (const auto& o : g.ops) {
    const auto key = std::make_pair(o.code, op_version(o, g));
    if (!code_index.count(key)) {
      code_index[key] = static_cast<std::uint32_t>(codes.size());
      codes.push_back(tflite::CreateOperatorCode(fbb, static_cast<std::int8_t>(std::min<std::int32_t>(o.code, 127)), 0,
                                                 key.second, static_cast<tflite::BuiltinOperator>(o.code)));
    }
    const auto act = static_cast<tflite::ActivationFunctionType>(o.activation);
    const auto pad = static_cast<tflite::Padding>(o.padding);
    tflite::BuiltinOptions type = tflite::BuiltinOptions_NONE;
    Offset<void> opts;
    switch (o.code) {
      case tflite::BuiltinOperator_FULLY_CONNECTED:
        type = tflite::BuiltinOptions_FullyConnectedOptions;
        opts = tflite::CreateFullyConnectedOptions(fbb, act, tflite::FullyConnectedOptionsWeightsFormat_DEFAULT, o.keep_dims,
                                                   o.asymmetric_inputs).Union();
        break;
      case tflite::BuiltinOperator_CONV_2D:
        type = tflite::BuiltinOptions_Conv2DOptions;
        opts = tflite::CreateConv2DOptions(fbb, pad, o.stride_w, o.stride_h, act, o.dilation_w, o.dilation_h).Union();
        break;
      case tflite::BuiltinOperator_DEPTHWISE_CONV_2D:
        type = tflite::BuiltinOptions_DepthwiseConv2DOptions;
        opts = tflite::CreateDepthwiseConv2DOptions(fbb, pad, o.stride_w, o.stride_h, o.depth_multiplier, act, o.dilation_w,
                                                    o.dilation_h).Union();
        break;
      case tflite::BuiltinOperator_TRANSPOSE_CONV:
        type = tflite::BuiltinOptions_TransposeConvOptions;
        opts = tflite::CreateTransposeConvOptions(fbb, pad, o.stride_w, o.stride_h, act).Union();
        break;
      case tflite::BuiltinOperator_MAX_POOL_2D:
      case tflite::BuiltinOperator_AVERAGE_POOL_2D:
        type = tflite::BuiltinOptions_Pool2DOptions;
        opts = tflite::CreatePool2DOptions(fbb, pad, o.stride_w, o.stride_h, o.filter_w, o.filter_h, act).Union();
        break;
      case tflite::BuiltinOperator_SOFTMAX:
        type = tflite::BuiltinOptions_SoftmaxOptions;
        opts = tflite::CreateSoftmaxOptions(fbb, o.beta).Union();
        break;
      case tflite::BuiltinOperator_CONCATENATION:
        type = tflite::BuiltinOptions_ConcatenationOptions;
        opts = tflite::CreateConcatenationOptions(fbb, o.axis, act).Union();
        break;
      case tflite::BuiltinOperator_ADD:
        type = tflite::BuiltinOptions_AddOptions;
        opts = tflite::CreateAddOptions(fbb, act).Union();
        break;
      case tflite::BuiltinOperator_MUL:
        type = tflite::BuiltinOptions_MulOptions;
        opts = tflite::CreateMulOptions(fbb, act).Union();
        break;
      case tflite::BuiltinOperator_PAD:
        type = tflite::BuiltinOptions_PadOptions;
        opts = tflite::CreatePadOptions(fbb).Union();
        break;
      case tflite::BuiltinOperator_GATHER:
        type = tflite::BuiltinOptions_GatherOptions;
        opts = tflite::CreateGatherOptions(fbb, 0).Union();
        break;
      case tflite::BuiltinOperator_MEAN:
      case tflite::BuiltinOperator_REDUCE_MAX:
        type = tflite::BuiltinOptions_ReducerOptions;
        opts = tflite::CreateReducerOptions(fbb, o.keep_dims).Union();
        break;
      case tflite::BuiltinOperator_LEAKY_RELU:
        type = tflite::BuiltinOptions_LeakyReluOptions;
        opts = tflite::CreateLeakyReluOptions(fbb, o.alpha).Union();
        break;
      case tflite::BuiltinOperator_HARD_SWISH:
        type = tflite::BuiltinOptions_HardSwishOptions;
        opts = tflite::CreateHardSwishOptions(fbb).Union();
        break;
      case tflite::BuiltinOperator_QUANTIZE:
        type = tflite::BuiltinOptions_QuantizeOptions;
        opts = tflite::CreateQuantizeOptions(fbb).Union();
        break;
      case tflite::BuiltinOperator_DEQUANTIZE:
        type = tflite::BuiltinOptions_DequantizeOptions;
        opts = tflite::CreateDequantizeOptions(fbb).Union();
        break;
      case tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM:
        type = tflite::BuiltinOptions_UnidirectionalSequenceLSTMOptions;
        opts = tflite::CreateUnidirectionalSequenceLSTMOptions(fbb, act, o.cell_clip, 0.0f, false).Union();
        break;
      default: break;  // RESHAPE (shape from its second input), activations without options, CAST
    }
    ops.push_back(tflite::CreateOperatorDirect(fbb, code_index[key], &o.inputs, &o.outputs, type, opts));
  }
  auto tensors_off = fbb.CreateVector(tensors);
  auto in_off = fbb.CreateVector(g.inputs), out_off = fbb.CreateVector(g.outputs);
  auto ops_off = fbb.CreateVector(ops);
  auto subgraph = tflite::CreateSubGraph(fbb, tensors_off, in_off, out_off, ops_off, fbb.CreateString("main"));
  // Metadata: min_runtime_version, a 16-byte string as TFLite pads it.
  std::vector<std::uint8_t> version(16, 0);
  const bool quantized = std::any_of(g.tensors.begin(), g.tensors.end(), [](const IrTensor& t) { return !t.quant.empty(); });
  const std::string v = quantized ? "1.14.0" : "1.5.0";
  std::memcpy(version.data(), v.data(), v.size());
  buffers.push_back(tflite::CreateBuffer(fbb, fbb.CreateVector(version)));
  const auto meta_buffer = static_cast<std::uint32_t>(buffers.size() - 1);
  std::vector<Offset<tflite::Metadata>> metadata{tflite::CreateMetadataDirect(fbb, "min_runtime_version", meta_buffer)};
  std::vector<Offset<tflite::TensorMap>> sin, sout;
  for (std::size_t i = 0; i < g.inputs.size(); ++i)
    sin.push_back(tflite::CreateTensorMapDirect(fbb, g.input_names[i].c_str(), static_cast<std::uint32_t>(g.inputs[i])));
  for (std::size_t i = 0; i < g.outputs.size(); ++i)
    sout.push_back(tflite::CreateTensorMapDirect(fbb, g.output_names[i].c_str(), static_cast<std::uint32_t>(g.outputs[i])));
  std::vector<Offset<tflite::SignatureDef>> sigs{tflite::CreateSignatureDefDirect(fbb, &sin, &sout, "serving_default", 0)};
  std::vector<Offset<tflite::SubGraph>> subgraphs{subgraph};
  std::vector<std::int32_t> metadata_buffer;
  auto model = tflite::CreateModelDirect(fbb, 3, &codes, &subgraphs, "Strata Converted.", &buffers, &metadata_buffer,
                                         &metadata, &sigs);
  tflite::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace strata::lite::convert_detail
