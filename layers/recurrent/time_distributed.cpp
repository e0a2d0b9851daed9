#include "strata/layers/recurrent/time_distributed.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/layers/registry.hpp"

namespace strata::layers {

TimeDistributedLayer::TimeDistributedLayer(LayerPtr layer, TimeDistributedOptions options)
    : Layer(options.name, options.dtype), layer_(std::move(layer)) {
  if (!layer_) throw ValueError("TimeDistributed: the layer is empty");
  track(layer_);
}

namespace {
// (batch, timesteps, rest...) -> (batch * timesteps, rest...), keeping unknown dimensions unknown.
Shape inner_shape(const Shape& s) {
  std::vector<std::int64_t> dims{s[0] < 0 || s[1] < 0 ? -1 : s[0] * s[1]};
  dims.insert(dims.end(), s.begin() + 2, s.end());
  return Shape(dims);
}
}  // namespace

void TimeDistributedLayer::build(const Shape& input_shape) {
  if (input_shape.rank() < 3)
    throw ShapeError("Layer '" + name() + "' (TimeDistributed) expects inputs of rank >= 3 (batch, timesteps, ...), got shape " +
                     input_shape.to_string());
  layer_->ensure_built(inner_shape(input_shape));
}

Tensor TimeDistributedLayer::call(const Tensor& inputs, bool training) {
  if (inputs.rank() < 3)
    throw ShapeError("Layer '" + name() + "' (TimeDistributed) expects inputs of rank >= 3 (batch, timesteps, ...), got shape " +
                     inputs.shape().to_string());
  const std::int64_t batch = inputs.shape()[0], steps = inputs.shape()[1];
  Tensor y = (*layer_)(reshape(inputs, inner_shape(inputs.shape())), training);
  std::vector<std::int64_t> dims{batch, steps};
  dims.insert(dims.end(), y.shape().begin() + 1, y.shape().end());
  return reshape(y, Shape(dims));
}

Shape TimeDistributedLayer::compute_output_shape(const Shape& input_shape) {
  Shape inner = layer_->compute_output_shape(inner_shape(input_shape));
  std::vector<std::int64_t> dims{input_shape[0], input_shape[1]};
  dims.insert(dims.end(), inner.begin() + 1, inner.end());
  return Shape(dims);
}

Config TimeDistributedLayer::get_config() const {
  Config config = Layer::get_config();
  config["layer"] = serialize_layer(*layer_);
  return config;
}

LayerHandle<TimeDistributedLayer> TimeDistributed(LayerPtr layer, TimeDistributedOptions options) {
  return make_layer<TimeDistributedLayer>(std::move(layer), std::move(options));
}

}  // namespace strata::layers
