#include "strata/layers/activations/softmax.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"

namespace strata::layers {

Tensor SoftmaxLayer::call(const Tensor& inputs) {
  const int rank = inputs.rank();
  if (options_.axis < -rank || options_.axis >= rank)
    throw ShapeError("Layer '" + name() + "' (Softmax): axis " + std::to_string(options_.axis) +
                     " is out of range for inputs of shape " + inputs.shape().to_string());
  return softmax(inputs, options_.axis);
}

Config SoftmaxLayer::get_config() const {
  Config config = Layer::get_config();
  config["axis"] = options_.axis;
  return config;
}

LayerHandle<SoftmaxLayer> Softmax(SoftmaxOptions options) { return make_layer<SoftmaxLayer>(std::move(options)); }

}  // namespace strata::layers
