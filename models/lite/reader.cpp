// Reads a .tflite file into plain tensors and nodes. The bytes are untrusted: the flatbuffers
// verifier runs first (every offset and vector length inside the buffer), then each index, buffer
// size, type, shape and quantization is checked here before anything uses it.
#include <cmath>
#include <limits>

#include "strata/framework/errors.hpp"
#include "strata/models/lite/internal.hpp"
#include "tflite_generated.h"

namespace strata::lite::detail {
namespace {

class Reader {
 public:
  Reader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw ValueError("TFLite file '" + file_ + "': " + message);
  }
  void require(bool condition, const std::string& message) const {
    if (!condition) fail(message);
  }

  static bool element_type(tflite::TensorType type, ElementType* out) {
    switch (type) {
      case tflite::TensorType_FLOAT32: *out = ElementType::float32; return true;
      case tflite::TensorType_FLOAT16: *out = ElementType::float16; return true;
      case tflite::TensorType_INT32: *out = ElementType::int32; return true;
      case tflite::TensorType_UINT8: *out = ElementType::uint8; return true;
      case tflite::TensorType_INT64: *out = ElementType::int64; return true;
      case tflite::TensorType_BOOL: *out = ElementType::boolean; return true;
      case tflite::TensorType_INT16: *out = ElementType::int16; return true;
      case tflite::TensorType_INT8: *out = ElementType::int8; return true;
      default: return false;
    }
  }

  std::string tensor_label(int index, const tflite::Tensor* t) const {
    std::string label = "tensor " + std::to_string(index);
    if (t != nullptr && t->name() != nullptr) label += " ('" + t->name()->str() + "')";
    return label;
  }

  LiteTensor read_tensor(int index, const tflite::Tensor* t, const tflite::Model* model) const {
    require(t != nullptr, "tensor " + std::to_string(index) + " is missing");
    const std::string label = tensor_label(index, t);
    LiteTensor out;
    if (t->name() != nullptr) out.name = t->name()->str();
    if (!element_type(t->type(), &out.type))
      fail(label + " has type " + tflite::EnumNameTensorType(t->type()) + std::string(" (code ") +
           std::to_string(static_cast<int>(t->type())) + "), which Strata's interpreter does not support");
    std::int64_t count = 1;
    if (t->shape() != nullptr) {
      require(t->shape()->size() <= kMaxRank,
              label + " has rank " + std::to_string(t->shape()->size()) + ", more than " + std::to_string(kMaxRank));
      for (auto dim : *t->shape()) {
        require(dim >= 0, label + " has a negative dimension (" + std::to_string(dim) + ") in its shape");
        out.shape.push_back(dim);
        count *= dim;  // each factor < 2^31 and the product checked each step: no overflow
        require(count <= kMaxTensorElements, label + " has more than 2^31 elements");
      }
    }
    if (t->shape_signature() != nullptr) {
      require(t->shape_signature()->size() == out.shape.size(),
              label + " has a shape_signature of rank " + std::to_string(t->shape_signature()->size()) +
                  " but a shape of rank " + std::to_string(out.shape.size()));
      for (std::size_t d = 0; d < out.shape.size(); ++d) {
        const std::int64_t sig = t->shape_signature()->Get(static_cast<unsigned>(d));
        require(sig == -1 || sig == out.shape[d],
                label + ": shape_signature " + std::to_string(sig) + " disagrees with shape " +
                    std::to_string(out.shape[d]) + " at dimension " + std::to_string(d));
        out.signature.push_back(sig);
      }
    } else {
      out.signature = out.shape;
    }
    out.variable = t->is_variable();
    read_quantization(label, t->quantization(), out);

    const auto* buffers = model->buffers();
    const std::uint32_t buffer = t->buffer();
    const std::uint32_t buffer_count = buffers == nullptr ? 0 : buffers->size();
    require(buffer == 0 || buffer < buffer_count,
            label + " refers to buffer " + std::to_string(buffer) + ", but the file has " +
                std::to_string(buffer_count) + " buffers");
    if (buffer < buffer_count) {
      const tflite::Buffer* b = buffers->Get(buffer);
      require(b != nullptr, "buffer " + std::to_string(buffer) + " is missing");
      require(b->offset() <= 1, label + "'s data lies outside the flatbuffer (buffer " + std::to_string(buffer) +
                                    " offset " + std::to_string(b->offset()) +
                                    "); files over 2 GB are not supported");
      if (b->data() != nullptr && b->data()->size() > 0) {
        require(!out.variable, label + " is a variable tensor but has constant data");
        const std::size_t expected = static_cast<std::size_t>(count) * element_size(out.type);
        require(b->data()->size() == expected,
                label + " has " + std::to_string(b->data()->size()) + " bytes of data in buffer " +
                    std::to_string(buffer) + ", expected " + std::to_string(expected) + " (shape " +
                    shape_string(out.shape) + ", " + std::string(element_type_name(out.type)) + ")");
        out.data.assign(b->data()->begin(), b->data()->end());
        out.constant = true;
      }
    }
    return out;
  }

  void read_quantization(const std::string& label, const tflite::QuantizationParameters* q, LiteTensor& out) const {
    if (q == nullptr || q->scale() == nullptr || q->scale()->size() == 0) return;
    require(q->details_type() == tflite::QuantizationDetails_NONE,
            label + " uses custom quantization details, which are not supported");
    const auto n = q->scale()->size();
    const auto zp_count = q->zero_point() == nullptr ? 0u : q->zero_point()->size();
    // The verifier checks a vector's length field, not that 8-byte elements are 8-byte aligned;
    // flatbuffers reads them in place (the file's bytes sit at a malloc-aligned address).
    require(zp_count == 0 || reinterpret_cast<std::uintptr_t>(q->zero_point()->data()) % alignof(std::int64_t) == 0,
            label + "'s zero_point vector is misaligned (a corrupted file)");
    require(zp_count == n || zp_count == 0,
            label + " has " + std::to_string(n) + " quantization scales but " + std::to_string(zp_count) +
                " zero points");
    for (unsigned i = 0; i < n; ++i) {
      const float s = q->scale()->Get(i);
      require(std::isfinite(s) && s > 0.0f, label + " has a quantization scale that is not a positive number (" +
                                                std::to_string(s) + ")");
      out.quant.scale.push_back(s);
      const std::int64_t zp = zp_count == 0 ? 0 : q->zero_point()->Get(i);
      require(zp >= std::numeric_limits<std::int32_t>::min() / 2 && zp <= std::numeric_limits<std::int32_t>::max() / 2,
              label + " has an out-of-range zero point (" + std::to_string(zp) + ")");
      // The zero point lies in the type's range (TFLite's kernels assume it; a larger one would
      // overflow their int32 arithmetic).
      if (out.type == ElementType::int8 || out.type == ElementType::uint8 || out.type == ElementType::int16) {
        const std::int64_t lo = out.type == ElementType::int8 ? -128 : out.type == ElementType::uint8 ? 0 : -32768;
        const std::int64_t hi = out.type == ElementType::int8 ? 127 : out.type == ElementType::uint8 ? 255 : 32767;
        require(zp >= lo && zp <= hi, label + " has zero point " + std::to_string(zp) + " outside the range of " +
                                          std::string(element_type_name(out.type)));
      }
      out.quant.zero_point.push_back(zp);
    }
    out.quant.quantized_dimension = q->quantized_dimension();
    if (n > 1) {
      const int dim = q->quantized_dimension();
      require(dim >= 0 && dim < static_cast<int>(out.shape.size()),
              label + " has quantized_dimension " + std::to_string(dim) + " outside its rank " +
                  std::to_string(out.shape.size()));
      require(out.shape[static_cast<std::size_t>(dim)] == static_cast<std::int64_t>(n),
              label + " has " + std::to_string(n) + " per-axis scales but dimension " + std::to_string(dim) +
                  " has size " + std::to_string(out.shape[static_cast<std::size_t>(dim)]));
    }
  }

  std::vector<int> index_list(const flatbuffers::Vector<std::int32_t>* list, int tensor_count, bool allow_absent,
                              const std::string& what) const {
    std::vector<int> out;
    if (list == nullptr) return out;
    for (auto index : *list) {
      require((allow_absent && index == -1) || (index >= 0 && index < tensor_count),
              what + " refers to tensor " + std::to_string(index) + ", but the subgraph has " +
                  std::to_string(tensor_count) + " tensors");
      out.push_back(index);
    }
    return out;
  }

  Model read(std::vector<std::uint8_t> bytes) {
    Model result;
    result.file = file_;
    require(bytes.size() >= 8, "is too short to be a .tflite file (" + std::to_string(bytes.size()) + " bytes)");
    require(bytes.size() < (std::size_t{1} << 31), "is larger than 2 GB, which the flatbuffer format cannot hold");
    require(tflite::ModelBufferHasIdentifier(bytes.data()),
            "is not a TensorFlow Lite flatbuffer (no 'TFL3' identifier at bytes 4..7)");
    flatbuffers::Verifier verifier(bytes.data(), bytes.size(), 64, 1000000);
    require(tflite::VerifyModelBuffer(verifier),
            "is corrupted or truncated: the flatbuffer verifier rejects it");
    const tflite::Model* model = tflite::GetModel(bytes.data());
    require(model->version() == 3,
            "has schema version " + std::to_string(model->version()) + ", Strata reads version 3");
    const auto* subgraphs = model->subgraphs();
    require(subgraphs != nullptr && subgraphs->size() >= 1, "has no subgraph");
    require(subgraphs->size() == 1, "has " + std::to_string(subgraphs->size()) +
                                        " subgraphs; only single-subgraph models (no control flow) are supported");
    const tflite::SubGraph* graph = subgraphs->Get(0);
    require(graph != nullptr, "subgraph 0 is missing");

    const auto* tensors = graph->tensors();
    const int tensor_count = tensors == nullptr ? 0 : static_cast<int>(tensors->size());
    std::int64_t total_bytes = 0;
    for (int i = 0; i < tensor_count; ++i) {
      result.tensors.push_back(read_tensor(i, tensors->Get(static_cast<unsigned>(i)), model));
      total_bytes += static_cast<std::int64_t>(result.tensors.back().byte_size());
      require(static_cast<std::size_t>(total_bytes) <= max_tensor_bytes(),
              "declares more tensor memory than the limit of " + std::to_string(max_tensor_bytes()) +
                  " bytes (set_max_tensor_bytes)");
    }
    result.inputs = index_list(graph->inputs(), tensor_count, false, "the subgraph's inputs");
    result.outputs = index_list(graph->outputs(), tensor_count, false, "the subgraph's outputs");
    require(!result.outputs.empty(), "has no output tensor");
    for (int index : result.inputs)
      require(!result.tensors[static_cast<std::size_t>(index)].constant,
              "input tensor " + std::to_string(index) + " has constant data");

    const auto* codes = model->operator_codes();
    const std::uint32_t code_count = codes == nullptr ? 0 : codes->size();
    const auto* operators = graph->operators();
    const unsigned op_count = operators == nullptr ? 0 : operators->size();
    std::vector<bool> produced(static_cast<std::size_t>(tensor_count), false);
    std::vector<bool> available(static_cast<std::size_t>(tensor_count), false);
    for (int i = 0; i < tensor_count; ++i)
      available[static_cast<std::size_t>(i)] = result.tensors[static_cast<std::size_t>(i)].constant ||
                                               result.tensors[static_cast<std::size_t>(i)].variable;
    for (int index : result.inputs) available[static_cast<std::size_t>(index)] = true;
    for (unsigned i = 0; i < op_count; ++i) {
      const tflite::Operator* op = operators->Get(i);
      const std::string where = "operator " + std::to_string(i);
      require(op != nullptr, where + " is missing");
      require(op->opcode_index() < code_count, where + " has opcode_index " + std::to_string(op->opcode_index()) +
                                                   ", but the file has " + std::to_string(code_count) +
                                                   " operator codes");
      const tflite::OperatorCode* code = codes->Get(op->opcode_index());
      require(code != nullptr, "operator code " + std::to_string(op->opcode_index()) + " is missing");
      // The schema's rule: the real code is the larger of the two fields (old files set only the byte).
      const std::int32_t builtin =
          std::max<std::int32_t>(code->deprecated_builtin_code(), static_cast<std::int32_t>(code->builtin_code()));
      Node node;
      node.index = static_cast<int>(i);
      node.code = builtin;
      const char* name = builtin >= tflite::BuiltinOperator_MIN && builtin <= tflite::BuiltinOperator_MAX
                             ? tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(builtin))
                             : "";
      node.op_name = (name != nullptr && name[0] != '\0') ? name : "builtin code " + std::to_string(builtin);
      if (builtin == tflite::BuiltinOperator_CUSTOM) {
        node.op_name = "CUSTOM";
        if (code->custom_code() != nullptr) node.op_name += " '" + code->custom_code()->str() + "'";
      }
      const std::string op_where = where + " (" + node.op_name + ")";
      require(op_supported(builtin), op_where + " is not supported by Strata's TFLite interpreter");
      node.inputs = index_list(op->inputs(), tensor_count, true, op_where + "'s inputs");
      node.outputs = index_list(op->outputs(), tensor_count, false, op_where + "'s outputs");
      node.intermediates = index_list(op->intermediates(), tensor_count, false, op_where + "'s intermediates");
      require(!node.outputs.empty(), op_where + " has no output");
      for (int in : node.inputs)
        require(in == -1 || available[static_cast<std::size_t>(in)],
                op_where + " reads tensor " + std::to_string(in) + " before any operator writes it");
      for (int out : node.outputs) {
        auto& t = result.tensors[static_cast<std::size_t>(out)];
        require(!t.constant && !t.variable,
                op_where + " writes tensor " + std::to_string(out) + " ('" + t.name + "'), which is constant");
        require(!produced[static_cast<std::size_t>(out)],
                op_where + " writes tensor " + std::to_string(out) + ", which an earlier operator writes");
        produced[static_cast<std::size_t>(out)] = true;
        available[static_cast<std::size_t>(out)] = true;
      }
      node.op = op;
      result.nodes.push_back(std::move(node));
    }
    result.bytes = std::move(bytes);  // options point into these bytes; moving a vector keeps its storage
    return result;
  }

 private:
  std::string file_;
};

}  // namespace

std::int64_t LiteTensor::num_elements() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Model read_model(std::vector<std::uint8_t> bytes, const std::string& file) {
  return Reader(file).read(std::move(bytes));
}

}  // namespace strata::lite::detail
