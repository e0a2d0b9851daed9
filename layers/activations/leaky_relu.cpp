#include "strata/layers/activations/leaky_relu.hpp"

#include "strata/layers/activations/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"

namespace strata::layers {

LeakyReLULayer::LeakyReLULayer(LeakyReLUOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)) {
  if (!(options_.negative_slope >= 0.0))
    throw ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a "
                     "float. Received: negative_slope=" + std::to_string(options_.negative_slope));
}

Tensor LeakyReLULayer::call(const Tensor& inputs) { return leaky_relu(inputs, options_.negative_slope); }

Config LeakyReLULayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::leaky_relu_fields(), options_, config);
  return config;
}

LayerHandle<LeakyReLULayer> LeakyReLU(LeakyReLUOptions options) {
  return make_layer<LeakyReLULayer>(std::move(options));
}

LayerHandle<LeakyReLULayer> LeakyReLU(double negative_slope) { return LeakyReLU({.negative_slope = negative_slope}); }

}  // namespace strata::layers
