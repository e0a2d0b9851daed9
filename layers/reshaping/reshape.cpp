#include "strata/layers/reshaping/reshape.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"

namespace strata::layers {

namespace {
std::string dims_string(const std::vector<std::int64_t>& dims) {
  std::string out = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + (dims.size() == 1 ? ",)" : ")");
}
}  // namespace

ReshapeLayer::ReshapeLayer(std::vector<std::int64_t> target_shape, ReshapeOptions options)
    : Layer(options.name, options.dtype), target_shape_(std::move(target_shape)) {
  int unknown = 0;
  for (auto d : target_shape_) {
    if (d == -1)
      ++unknown;
    else if (d <= 0)
      throw ValueError("Reshape: target_shape entries must be positive or -1, got " + dims_string(target_shape_));
  }
  if (unknown > 1)
    throw ValueError("Reshape: there must be at most one unknown dimension (-1) in target_shape, got " +
                     dims_string(target_shape_));
}

Shape ReshapeLayer::compute_output_shape(const Shape& input_shape) {
  if (input_shape.rank() < 1)
    throw ShapeError("Layer '" + name() + "' (Reshape) expects inputs with a batch axis, got shape " +
                     input_shape.to_string());
  std::int64_t input_size = 1;
  bool input_known = true;
  for (int i = 1; i < input_shape.rank(); ++i) {
    const auto d = input_shape[static_cast<std::size_t>(i)];
    if (d < 0) input_known = false;
    input_size *= d < 0 ? 1 : d;
  }
  std::int64_t known = 1;
  int unknown_index = -1;
  for (std::size_t i = 0; i < target_shape_.size(); ++i) {
    if (target_shape_[i] == -1)
      unknown_index = static_cast<int>(i);
    else
      known *= target_shape_[i];
  }
  std::vector<std::int64_t> dims{input_shape[0]};
  dims.insert(dims.end(), target_shape_.begin(), target_shape_.end());
  if (!input_known) return Shape(dims);
  const bool fits = unknown_index >= 0 ? input_size % known == 0 : input_size == known;
  if (!fits)
    throw ShapeError("Layer '" + name() + "' (Reshape): the total size of the target shape " + dims_string(target_shape_) +
                     " must equal the size of each input sample, got input shape " + input_shape.to_string());
  if (unknown_index >= 0) dims[static_cast<std::size_t>(unknown_index) + 1] = input_size / known;
  return Shape(dims);
}

Tensor ReshapeLayer::call(const Tensor& inputs) {
  Shape out = compute_output_shape(inputs.shape());
  out[0] = inputs.shape()[0];
  return reshape(inputs, out);
}

Config ReshapeLayer::get_config() const {
  Config config = Layer::get_config();
  config["target_shape"] = target_shape_;
  return config;
}

LayerHandle<ReshapeLayer> Reshape(std::vector<std::int64_t> target_shape, ReshapeOptions options) {
  return make_layer<ReshapeLayer>(std::move(target_shape), std::move(options));
}

}  // namespace strata::layers
