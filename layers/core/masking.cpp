#include "strata/layers/core/masking.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

MaskingLayer::MaskingLayer(double mask_value, MaskingOptions options)
    : Layer(options.name, options.dtype), mask_value_(mask_value) {}

Tensor MaskingLayer::keep(const Tensor& inputs) const {
  if (inputs.rank() < 2)
    throw ShapeError("Layer '" + name() + "' (Masking) expects inputs of rank >= 2 (batch, timesteps, ...), got shape " +
                     inputs.shape().to_string());
  // Keras: any(x != mask_value, axis=-1), written as a max over a 0/1 tensor.
  Tensor differs = cast(not_equal(inputs, scalar_like(inputs, mask_value_)), inputs.dtype());
  return cast(max(differs, -1), bool_);
}

Tensor MaskingLayer::call(const Tensor& inputs) {
  return inputs * cast(expand_dims(keep(inputs), -1), inputs.dtype());
}

Tensor MaskingLayer::compute_mask(const std::vector<Tensor>& inputs, const Tensor&) {
  return keep(inputs.at(0));
}

Config MaskingLayer::get_config() const {
  Config config = Layer::get_config();
  config["mask_value"] = mask_value_;
  return config;
}

LayerHandle<MaskingLayer> Masking(double mask_value, MaskingOptions options) {
  return make_layer<MaskingLayer>(mask_value, std::move(options));
}

}  // namespace strata::layers
