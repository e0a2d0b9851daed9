#include "strata/layers/activations/elu.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"

namespace strata::layers {

Tensor ELULayer::call(const Tensor& inputs) { return elu(inputs, options_.alpha); }

Config ELULayer::get_config() const {
  Config config = Layer::get_config();
  config["alpha"] = options_.alpha;
  return config;
}

LayerHandle<ELULayer> ELU(ELUOptions options) { return make_layer<ELULayer>(std::move(options)); }
LayerHandle<ELULayer> ELU(double alpha) {
  ELUOptions options;
  options.alpha = alpha;
  return make_layer<ELULayer>(std::move(options));
}

}  // namespace strata::layers
