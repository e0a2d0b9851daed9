#pragma once
// st::lite::Interpreter: runs a TensorFlow Lite flatbuffer (.tflite, schema version 3) on the CPU,
// with TFLite's own interface (tf.lite.Interpreter): load, allocate_tensors, set_tensor, invoke,
// get_tensor, input/output details. The file is untrusted: every index, size and offset is checked
// on load (see models/lite/README.md), errors are strata::IOError / ValueError naming the file, the
// operator and the tensor.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace strata::lite {

// The element types a .tflite tensor may have here (TFLite's TensorType, the ones Strata runs).
enum class ElementType : std::uint8_t { float32, float16, int32, uint8, int64, boolean, int16, int8 };

// The most bytes the tensors of one interpreter may take together (default 4 GiB): a file that
// declares, or a resize that needs, more gets a ValueError instead of an allocation.
void set_max_tensor_bytes(std::size_t bytes);
std::size_t max_tensor_bytes();

std::string_view element_type_name(ElementType type);  // "float32", "int8", ...
std::size_t element_size(ElementType type);

// real = scale * (q - zero_point); several entries: one per index of `quantized_dimension`.
struct QuantizationParams {
  std::vector<float> scale;
  std::vector<std::int64_t> zero_point;
  int quantized_dimension = 0;
  bool empty() const { return scale.empty(); }
};

struct TensorDetails {
  std::string name;
  int index = -1;                             // the tensor's index in the subgraph
  std::vector<std::int64_t> shape;            // current shape (after resize / allocate)
  std::vector<std::int64_t> shape_signature;  // -1 for a dimension the file leaves open
  ElementType dtype = ElementType::float32;
  QuantizationParams quantization;
};

class Interpreter {
 public:
  // Reads and checks a .tflite file.
  explicit Interpreter(const std::string& path);
  // Checks the bytes of a .tflite file; `name` stands for the file in error messages.
  static Interpreter from_bytes(std::vector<std::uint8_t> bytes, const std::string& name = "<bytes>");
  ~Interpreter();
  Interpreter(Interpreter&&) noexcept;
  Interpreter& operator=(Interpreter&&) noexcept;

  // Works out every tensor's shape from the inputs' and sizes the buffers; checks each operator's
  // inputs (ranks, dtypes, quantization) on the way. Needed before invoke, and again after a resize.
  void allocate_tensors();
  // Gives input `input_index` (a position in get_input_details) a new shape, e.g. another batch size.
  void resize_input_tensor(int input_index, const std::vector<std::int64_t>& shape);

  std::vector<TensorDetails> get_input_details() const;
  std::vector<TensorDetails> get_output_details() const;
  TensorDetails tensor_details(int tensor_index) const;
  int num_tensors() const;

  // Copies `bytes` into tensor `tensor_index` (its index in the subgraph, as TensorDetails::index);
  // the byte count must be the tensor's size and `dtype` its type.
  void set_tensor(int tensor_index, ElementType dtype, std::span<const std::byte> bytes);
  template <class T>
  void set_tensor(int tensor_index, std::span<const T> values) {
    set_tensor(tensor_index, element_type_of<T>(), std::as_bytes(values));
  }
  template <class T>
  void set_tensor(int tensor_index, const std::vector<T>& values) {
    set_tensor(tensor_index, std::span<const T>(values));
  }
  // The bytes of tensor `tensor_index` (valid until the next allocate_tensors).
  std::span<const std::byte> tensor(int tensor_index) const;
  template <class T>
  std::vector<T> get_tensor(int tensor_index) const {
    check_type(tensor_index, element_type_of<T>());
    auto bytes = tensor(tensor_index);
    std::vector<T> values(bytes.size() / sizeof(T));
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  // Output `output_index` (a position in get_output_details), as get_tensor.
  template <class T>
  std::vector<T> get_output(int output_index) const {
    return get_tensor<T>(output_tensor_index(output_index));
  }
  int input_tensor_index(int input_index) const;
  int output_tensor_index(int output_index) const;

  void invoke();
  // About how many multiply-adds (and elementwise steps) one invoke takes, known after
  // allocate_tensors: a caller can refuse a file that asks for too much work.
  double operation_count() const;
  // Sets the variable tensors (an LSTM's state) back to zero, as tf.lite.Interpreter.reset_all_variables.
  void reset_all_variables();

  template <class T>
  static constexpr ElementType element_type_of() {
    if constexpr (std::is_same_v<T, float>) return ElementType::float32;
    else if constexpr (std::is_same_v<T, std::int32_t>) return ElementType::int32;
    else if constexpr (std::is_same_v<T, std::uint8_t>) return ElementType::uint8;
    else if constexpr (std::is_same_v<T, std::int64_t>) return ElementType::int64;
    else if constexpr (std::is_same_v<T, bool>) return ElementType::boolean;
    else if constexpr (std::is_same_v<T, std::int16_t>) return ElementType::int16;
    else if constexpr (std::is_same_v<T, std::int8_t>) return ElementType::int8;
    else static_assert(sizeof(T) == 0, "no TFLite element type for this C++ type");
  }

  struct Impl;

 private:
  explicit Interpreter(std::unique_ptr<Impl> impl);
  void check_type(int tensor_index, ElementType expected) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::lite
