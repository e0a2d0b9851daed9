#include "strata/layers/regularization/activity_regularization.hpp"

#include "strata/layers/regularization/fields.hpp"

#include <nlohmann/json.hpp>

namespace strata::layers {

ActivityRegularizationLayer::ActivityRegularizationLayer(ActivityRegularizationOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)),
      regularizer_(regularizers::L1L2(options_.l1, options_.l2)) {}

Tensor ActivityRegularizationLayer::call(const Tensor& inputs) {
  add_loss((*regularizer_)(inputs));
  return inputs;
}

Config ActivityRegularizationLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::activity_regularization_fields(), options_, config);
  return config;
}

LayerHandle<ActivityRegularizationLayer> ActivityRegularization(ActivityRegularizationOptions options) {
  return make_layer<ActivityRegularizationLayer>(std::move(options));
}

}  // namespace strata::layers
