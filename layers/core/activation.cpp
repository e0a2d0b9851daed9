#include "strata/layers/core/activation.hpp"

#include <nlohmann/json.hpp>

namespace strata::layers {

Config ActivationLayer::get_config() const {
  Config config = Layer::get_config();
  config["activation"] = activations::serialize(activation_);
  return config;
}

LayerHandle<ActivationLayer> Activation(const std::string& activation, ActivationOptions options) {
  return make_layer<ActivationLayer>(activation, std::move(options));
}

}  // namespace strata::layers
