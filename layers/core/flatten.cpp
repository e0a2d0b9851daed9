#include "strata/layers/core/flatten.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"

namespace strata::layers {

Tensor FlattenLayer::call(const Tensor& inputs) {
  if (inputs.rank() < 1) throw ShapeError("Layer '" + name() + "' (Flatten) expects a batch axis, got a scalar");
  return inputs.rank() == 1 ? reshape(inputs, Shape{inputs.shape()[0], 1}) : flatten(inputs);
}

Shape FlattenLayer::compute_output_shape(const Shape& input_shape) {
  std::int64_t rest = 1;
  for (int i = 1; i < input_shape.rank(); ++i) {
    const auto d = input_shape[static_cast<std::size_t>(i)];
    if (d < 0) return Shape{input_shape[0], -1};
    rest *= d;
  }
  return Shape{input_shape[0], rest};
}

Config FlattenLayer::get_config() const {
  Config config = Layer::get_config();
  config["data_format"] = "channels_last";
  return config;
}

LayerHandle<FlattenLayer> Flatten(FlattenOptions options) { return make_layer<FlattenLayer>(std::move(options)); }

}  // namespace strata::layers
