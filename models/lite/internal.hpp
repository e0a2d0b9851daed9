#pragma once
// What the interpreter keeps of a checked .tflite file: plain tensors and nodes (models/lite only).
#include <cstdint>
#include <string>
#include <vector>

#include "strata/backend/cpu/lite/quantized_math.hpp"
#include "strata/models/lite/interpreter.hpp"

namespace tflite {
struct Operator;
}

namespace strata::lite::detail {

struct LiteTensor {
  std::string name;
  ElementType type = ElementType::float32;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> signature;
  QuantizationParams quant;
  std::vector<std::uint8_t> data;  // constants: the file's bytes, copied (aligned, owned)
  bool constant = false;
  bool variable = false;
  std::int64_t num_elements() const;
  std::size_t byte_size() const { return static_cast<std::size_t>(num_elements()) * element_size(type); }
  template <class T>
  T* as() { return reinterpret_cast<T*>(data.data()); }
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(data.data()); }
  float scale() const { return quant.scale.empty() ? 0.0f : quant.scale[0]; }
  std::int32_t zero_point() const { return quant.zero_point.empty() ? 0 : static_cast<std::int32_t>(quant.zero_point[0]); }
};

struct Node {
  int index = 0;
  std::int32_t code = 0;
  std::string op_name;
  std::vector<int> inputs;  // -1: absent optional input
  std::vector<int> outputs;
  std::vector<int> intermediates;
  const tflite::Operator* op = nullptr;  // options (points into Model::bytes)
};

// The most elements one tensor may have, and the most bytes all tensors together: a file may not
// make the interpreter allocate more than this.
inline constexpr std::int64_t kMaxTensorElements = std::int64_t{1} << 31;
inline constexpr std::int64_t kMaxRank = 8;

struct Model {
  std::string file;  // for messages
  std::vector<std::uint8_t> bytes;
  std::vector<LiteTensor> tensors;
  std::vector<Node> nodes;
  std::vector<int> inputs;
  std::vector<int> outputs;
  double operations = 0;  // multiply-adds (and elementwise steps) of one invoke, summed by prepare
};

// reader.cpp: parses and checks the whole file; throws IOError / ValueError naming what is wrong.
Model read_model(std::vector<std::uint8_t> bytes, const std::string& file);

// ops.cpp: prepare (shapes and checks, eval = false) or run (eval = true) one node.
struct Context {
  Model& model;
  bool eval;
  LiteTensor& in(const Node& node, std::size_t i);
  const LiteTensor* optional_in(const Node& node, std::size_t i);
  LiteTensor& out(const Node& node, std::size_t i);
  [[noreturn]] void fail(const Node& node, const std::string& message) const;
  void require(const Node& node, bool condition, const std::string& message) const {
    if (!condition) fail(node, message);
  }
  void set_shape(LiteTensor& tensor, std::vector<std::int64_t> shape) const;
  // Counts an operator's multiply-adds into Model::operations (prepare only).
  void count(double operations) const {
    if (!eval) model.operations += operations;
  }
};
bool op_supported(std::int32_t code);
// Checks shared by the operators (ops.cpp).
std::string label(const Node& node, const LiteTensor& t, const char* role);
void require_type(Context& ctx, const Node& node, const LiteTensor& t, ElementType type, const char* role);
void require_data(Context& ctx, const Node& node, const LiteTensor& t, const char* role);
void require_quantized(Context& ctx, const Node& node, const LiteTensor& t, const char* role);
void lstm(Context& ctx, const Node& node);  // ops_lstm.cpp
bool run_more(Context& ctx, const Node& node);  // ops_more.cpp: false when the code is not one of its ops
void lut_activation_i8(Context& ctx, const Node& node);
void leaky_relu_i8(Context& ctx, const Node& node);
void run_node(Context& ctx, const Node& node);
std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace strata::lite::detail
