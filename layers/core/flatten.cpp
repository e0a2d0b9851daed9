#include "strata/layers/core/flatten.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"

namespace strata::layers {

FlattenLayer::FlattenLayer(FlattenOptions options) : Layer(options.name), data_format_(std::move(options.data_format)) {
  check_data_format(data_format_, class_name());
}

Tensor FlattenLayer::call(const Tensor& inputs) {
  if (inputs.rank() < 1) throw ShapeError("Layer '" + name() + "' (Flatten) expects a batch axis, got a scalar");
  if (inputs.rank() == 1) return reshape(inputs, Shape{inputs.shape()[0], 1});
  if (data_format_ == "channels_first" && inputs.rank() > 2) {
    std::vector<int> perm{0};
    for (int i = 2; i < inputs.rank(); ++i) perm.push_back(i);
    perm.push_back(1);
    return flatten(transpose(inputs, perm));
  }
  return flatten(inputs);
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
  config["data_format"] = data_format_;
  return config;
}

LayerHandle<FlattenLayer> Flatten(FlattenOptions options) { return make_layer<FlattenLayer>(std::move(options)); }

}  // namespace strata::layers
