// st::lite::Interpreter: the checked model (reader.cpp), its tensors' buffers, and the run over the
// nodes in file order (ops.cpp prepares and runs each).
#include "strata/models/lite/interpreter.hpp"

#include <atomic>
#include <fstream>
#include <iterator>

#include "strata/framework/errors.hpp"
#include "strata/models/lite/internal.hpp"

namespace strata::lite {

namespace {
std::atomic<std::size_t> g_max_tensor_bytes{std::size_t{4} << 30};
}
void set_max_tensor_bytes(std::size_t bytes) { g_max_tensor_bytes = bytes; }
std::size_t max_tensor_bytes() { return g_max_tensor_bytes; }

std::string_view element_type_name(ElementType type) {
  switch (type) {
    case ElementType::float32: return "float32";
    case ElementType::float16: return "float16";
    case ElementType::int32: return "int32";
    case ElementType::uint8: return "uint8";
    case ElementType::int64: return "int64";
    case ElementType::boolean: return "bool";
    case ElementType::int16: return "int16";
    case ElementType::int8: return "int8";
  }
  return "unknown";
}

std::size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::float32: case ElementType::int32: return 4;
    case ElementType::float16: case ElementType::int16: return 2;
    case ElementType::uint8: case ElementType::boolean: case ElementType::int8: return 1;
    case ElementType::int64: return 8;
  }
  return 1;
}

struct Interpreter::Impl {
  detail::Model model;
  bool allocated = false;

  detail::LiteTensor& tensor_at(int index, const char* what) {
    if (index < 0 || index >= static_cast<int>(model.tensors.size()))
      throw ValueError(std::string(what) + ": tensor index " + std::to_string(index) + " is out of range; '" +
                       model.file + "' has " + std::to_string(model.tensors.size()) + " tensors");
    return model.tensors[static_cast<std::size_t>(index)];
  }
  TensorDetails details(int index) {
    const auto& t = tensor_at(index, "tensor_details");
    return TensorDetails{t.name, index, t.shape, t.signature, t.type, t.quant};
  }
};

Interpreter::Interpreter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Interpreter::~Interpreter() = default;
Interpreter::Interpreter(Interpreter&&) noexcept = default;
Interpreter& Interpreter::operator=(Interpreter&&) noexcept = default;

Interpreter::Interpreter(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("Unable to open TFLite file '" + path + "' (no such file or not readable)");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IOError("Error reading TFLite file '" + path + "'");
  impl_ = std::make_unique<Impl>();
  impl_->model = detail::read_model(std::move(bytes), path);
}

Interpreter Interpreter::from_bytes(std::vector<std::uint8_t> bytes, const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->model = detail::read_model(std::move(bytes), name);
  return Interpreter(std::move(impl));
}

void Interpreter::allocate_tensors() {
  auto& m = impl_->model;
  for (int index : m.inputs) {
    auto& t = m.tensors[static_cast<std::size_t>(index)];
    t.data.resize(t.byte_size());
  }
  for (auto& t : m.tensors)
    if (t.variable) t.data.assign(t.byte_size(), 0);
  reset_all_variables();
  detail::Context ctx{m, false};
  m.operations = 0;
  for (const auto& node : m.nodes) detail::run_node(ctx, node);
  impl_->allocated = true;
}

double Interpreter::operation_count() const { return impl_->model.operations; }

void Interpreter::resize_input_tensor(int input_index, const std::vector<std::int64_t>& shape) {
  auto& m = impl_->model;
  if (input_index < 0 || input_index >= static_cast<int>(m.inputs.size()))
    throw ValueError("resize_input_tensor: input " + std::to_string(input_index) + " is out of range; '" + m.file +
                     "' has " + std::to_string(m.inputs.size()) + " inputs");
  auto& t = m.tensors[static_cast<std::size_t>(m.inputs[static_cast<std::size_t>(input_index)])];
  if (shape.size() != t.shape.size())
    throw ValueError("resize_input_tensor: input '" + t.name + "' has rank " + std::to_string(t.shape.size()) +
                     ", got shape " + detail::shape_string(shape));
  std::int64_t count = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 1 || (t.signature[d] != -1 && shape[d] != t.signature[d]))
      throw ValueError("resize_input_tensor: input '" + t.name + "' has shape signature " +
                       detail::shape_string(t.signature) + ", got " + detail::shape_string(shape));
    count *= shape[d];
    if (count > detail::kMaxTensorElements)
      throw ValueError("resize_input_tensor: shape " + detail::shape_string(shape) + " is too large");
  }
  t.shape = shape;
  impl_->allocated = false;
}

std::vector<TensorDetails> Interpreter::get_input_details() const {
  std::vector<TensorDetails> out;
  for (int index : impl_->model.inputs) out.push_back(impl_->details(index));
  return out;
}

std::vector<TensorDetails> Interpreter::get_output_details() const {
  std::vector<TensorDetails> out;
  for (int index : impl_->model.outputs) out.push_back(impl_->details(index));
  return out;
}

TensorDetails Interpreter::tensor_details(int tensor_index) const { return impl_->details(tensor_index); }
int Interpreter::num_tensors() const { return static_cast<int>(impl_->model.tensors.size()); }

int Interpreter::input_tensor_index(int input_index) const {
  const auto& inputs = impl_->model.inputs;
  if (input_index < 0 || input_index >= static_cast<int>(inputs.size()))
    throw ValueError("input " + std::to_string(input_index) + " is out of range; '" + impl_->model.file + "' has " +
                     std::to_string(inputs.size()) + " inputs");
  return inputs[static_cast<std::size_t>(input_index)];
}

int Interpreter::output_tensor_index(int output_index) const {
  const auto& outputs = impl_->model.outputs;
  if (output_index < 0 || output_index >= static_cast<int>(outputs.size()))
    throw ValueError("output " + std::to_string(output_index) + " is out of range; '" + impl_->model.file +
                     "' has " + std::to_string(outputs.size()) + " outputs");
  return outputs[static_cast<std::size_t>(output_index)];
}

void Interpreter::check_type(int tensor_index, ElementType expected) const {
  const auto& t = impl_->tensor_at(tensor_index, "get_tensor");
  if (t.type != expected)
    throw DTypeError("get_tensor: tensor " + std::to_string(tensor_index) + " ('" + t.name + "') is " +
                     std::string(element_type_name(t.type)) + ", asked for " +
                     std::string(element_type_name(expected)));
}

void Interpreter::set_tensor(int tensor_index, ElementType dtype, std::span<const std::byte> bytes) {
  if (!impl_->allocated) throw ValueError("set_tensor: call allocate_tensors() first");
  auto& t = impl_->tensor_at(tensor_index, "set_tensor");
  if (t.constant) throw ValueError("set_tensor: tensor " + std::to_string(tensor_index) + " ('" + t.name +
                                   "') is a constant of the model");
  if (dtype != t.type)
    throw DTypeError("set_tensor: tensor " + std::to_string(tensor_index) + " ('" + t.name + "') expects " +
                     std::string(element_type_name(t.type)) + ", got " + std::string(element_type_name(dtype)));
  if (bytes.size() != t.byte_size())
    throw ShapeError("set_tensor: tensor " + std::to_string(tensor_index) + " ('" + t.name + "') has shape " +
                     detail::shape_string(t.shape) + " (" + std::to_string(t.num_elements()) + " elements), got " +
                     std::to_string(bytes.size() / element_size(dtype)) + " elements");
  t.data.resize(t.byte_size());
  if (!bytes.empty()) std::memcpy(t.data.data(), bytes.data(), bytes.size());
}

std::span<const std::byte> Interpreter::tensor(int tensor_index) const {
  const auto& t = impl_->tensor_at(tensor_index, "tensor");
  return std::as_bytes(std::span<const std::uint8_t>(t.data.data(), std::min(t.data.size(), t.byte_size())));
}

void Interpreter::invoke() {
  if (!impl_->allocated) throw ValueError("invoke: call allocate_tensors() first");
  detail::Context ctx{impl_->model, true};
  for (const auto& node : impl_->model.nodes) detail::run_node(ctx, node);
}

void Interpreter::reset_all_variables() {
  for (auto& t : impl_->model.tensors)
    if (t.variable)  // real 0: the zero point of an int8 state, 0 otherwise (as TFLite)
      std::fill(t.data.begin(), t.data.end(),
                t.type == ElementType::int8 ? static_cast<std::uint8_t>(static_cast<std::int8_t>(t.zero_point())) : 0);
}

}  // namespace strata::lite
