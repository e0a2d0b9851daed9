#include "strata/layers/activations/elu.hpp"

#include "strata/layers/activations/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"

namespace strata::layers {

Tensor ELULayer::call(const Tensor& inputs) { return elu(inputs, options_.alpha); }

Config ELULayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::elu_fields(), options_, config);
  return config;
}

LayerHandle<ELULayer> ELU(ELUOptions options) { return make_layer<ELULayer>(std::move(options)); }
LayerHandle<ELULayer> ELU(double alpha) {
  ELUOptions options;
  options.alpha = alpha;
  return make_layer<ELULayer>(std::move(options));
}

}  // namespace strata::layers
