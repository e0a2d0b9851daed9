#pragma once
// Builds a one-operator .tflite file with the generated schema code (tests of single kernels).
#include <cstring>
#include <vector>

#include "strata/models/lite/interpreter.hpp"
#include "tflite_generated.h"

namespace strata::lite::testing {

struct TensorSpec {
  std::vector<std::int32_t> shape;
  tflite::TensorType type = tflite::TensorType_FLOAT32;
  std::vector<std::uint8_t> data;  // constant data (empty: an activation)
  std::vector<float> scales;       // quantization (empty: none)
  std::vector<std::int64_t> zero_points;
  int quantized_dimension = 0;
  bool is_variable = false;  // an LSTM state: no data, not a graph input
};

template <class T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<std::uint8_t> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

inline std::vector<std::uint8_t> single_op_model(tflite::BuiltinOperator op, const std::vector<TensorSpec>& tensors,
                                                 const std::vector<int>& inputs, const std::vector<int>& outputs,
                                                 tflite::BuiltinOptionsUnion options = {}) {
  tflite::ModelT model;
  model.version = 3;
  auto code = std::make_unique<tflite::OperatorCodeT>();
  code->builtin_code = op;
  code->deprecated_builtin_code = static_cast<std::int8_t>(std::min<int>(op, 127));
  model.operator_codes.push_back(std::move(code));
  model.buffers.push_back(std::make_unique<tflite::BufferT>());
  auto graph = std::make_unique<tflite::SubGraphT>();
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& spec = tensors[i];
    auto t = std::make_unique<tflite::TensorT>();
    t->shape = spec.shape;
    t->type = spec.type;
    t->name = "t" + std::to_string(i);
    t->is_variable = spec.is_variable;
    if (!spec.data.empty()) {
      auto buffer = std::make_unique<tflite::BufferT>();
      buffer->data = spec.data;
      t->buffer = static_cast<std::uint32_t>(model.buffers.size());
      model.buffers.push_back(std::move(buffer));
    }
    if (!spec.scales.empty()) {
      t->quantization = std::make_unique<tflite::QuantizationParametersT>();
      t->quantization->scale = spec.scales;
      t->quantization->zero_point = spec.zero_points.empty() ? std::vector<std::int64_t>(spec.scales.size(), 0)
                                                             : spec.zero_points;
      t->quantization->quantized_dimension = spec.quantized_dimension;
    }
    graph->tensors.push_back(std::move(t));
  }
  for (int i : inputs)
    if (i >= 0 && tensors[static_cast<std::size_t>(i)].data.empty() && !tensors[static_cast<std::size_t>(i)].is_variable)
      graph->inputs.push_back(i);
  graph->outputs = outputs;
  auto node = std::make_unique<tflite::OperatorT>();
  node->opcode_index = 0;
  node->inputs = inputs;
  node->outputs = outputs;
  node->builtin_options = std::move(options);
  graph->operators.push_back(std::move(node));
  model.subgraphs.push_back(std::move(graph));
  flatbuffers::FlatBufferBuilder builder;
  tflite::FinishModelBuffer(builder, tflite::Model::Pack(builder, &model));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

template <class Options>
tflite::BuiltinOptionsUnion options(Options value) {
  tflite::BuiltinOptionsUnion u;
  u.Set(std::move(value));
  return u;
}

// Runs a model whose inputs are all of type T (in order) and returns output 0 as O.
template <class O, class T>
std::vector<O> run_single(const std::vector<std::uint8_t>& bytes, const std::vector<std::vector<T>>& inputs) {
  auto interpreter = Interpreter::from_bytes(bytes, "single_op.tflite");
  interpreter.allocate_tensors();
  for (std::size_t i = 0; i < inputs.size(); ++i)
    interpreter.set_tensor(interpreter.input_tensor_index(static_cast<int>(i)), inputs[i]);
  interpreter.invoke();
  return interpreter.get_output<O>(0);
}

}  // namespace strata::lite::testing
