#pragma once
// The converter's working form of a TFLite subgraph (models/lite/convert_*.cpp only): tensors with
// their constant data still as floats, operators with the options the writer needs.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/models/lite/converter.hpp"
#include "strata/models/lite/interpreter.hpp"

namespace strata::lite::convert_detail {

struct IrTensor {
  std::string name;
  std::vector<std::int64_t> shape;      // batch axis 1 for activations
  std::vector<std::int64_t> signature;  // -1 for the batch axis of activations
  ElementType type = ElementType::float32;
  std::vector<float> values;          // float constants (before quantization)
  std::vector<std::int32_t> ints;     // int32 constants (shapes, paddings, axes)
  std::vector<std::uint8_t> bytes;    // the buffer once quantized / cast (else written from values/ints)
  bool constant = false;
  bool variable = false;  // an LSTM's state
  QuantizationParams quant;
  float min = 0.0f, max = 0.0f;  // calibrated range (activations)
  bool calibrated = false;
};

struct IrOp {
  std::int32_t code = 0;  // tflite::BuiltinOperator
  std::vector<int> inputs, outputs;
  std::int8_t activation = 0;  // tflite::ActivationFunctionType
  std::int8_t padding = 0;     // tflite::Padding (SAME 0, VALID 1)
  int stride_w = 1, stride_h = 1, dilation_w = 1, dilation_h = 1, filter_w = 1, filter_h = 1;
  int depth_multiplier = 1, axis = 0;
  float beta = 1.0f, alpha = 0.0f, cell_clip = 0.0f;
  bool keep_dims = false, asymmetric_inputs = false;
  std::vector<int> variables;  // LSTM state tensors
};

struct IrGraph {
  std::vector<IrTensor> tensors;
  std::vector<IrOp> ops;
  std::vector<int> inputs, outputs;
  std::vector<std::string> input_names, output_names;  // signature names (layer names)
  int add_tensor(IrTensor t) {
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
  }
  int add_const(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> values) {
    IrTensor t{.name = name, .shape = shape, .signature = shape, .values = std::move(values), .constant = true};
    return add_tensor(std::move(t));
  }
  int add_ints(const std::string& name, std::vector<std::int32_t> values) {
    std::vector<std::int64_t> shape{static_cast<std::int64_t>(values.size())};
    IrTensor t{.name = name, .shape = shape, .signature = shape, .type = ElementType::int32, .ints = std::move(values),
               .constant = true};
    return add_tensor(std::move(t));
  }
  // An activation tensor of `shape` (batch axis first).
  int add_activation(const std::string& name, std::vector<std::int64_t> shape) {
    std::vector<std::int64_t> sig = shape;
    if (!sig.empty()) sig[0] = -1;
    return add_tensor(IrTensor{.name = name, .shape = shape, .signature = sig});
  }
};

// convert_graph.cpp: the float graph of a model (NotImplementedError listing unsupported layers).
IrGraph build_graph(Model& model);
// convert_quantize.cpp
void quantize_float16(IrGraph& g);
void quantize_dynamic(IrGraph& g);
void quantize_int8(IrGraph& g, const ConverterOptions& options, const std::vector<std::int64_t>& input_shape);
// convert_write.cpp: the flatbuffer.
std::vector<std::uint8_t> write_flatbuffer(const IrGraph& g);

}  // namespace strata::lite::convert_detail
