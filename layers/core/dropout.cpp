#include "strata/layers/core/dropout.hpp"

#include "strata/layers/regularization/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::layers {

DropoutLayer::DropoutLayer(double rate, DropoutOptions options)
    : Layer(options.name), rate_(rate), options_(std::move(options)) {
  if (!(rate >= 0.0 && rate < 1.0))
    throw ValueError("Dropout: rate must be in [0, 1), got " + std::to_string(rate));
}

Tensor DropoutLayer::call(const Tensor& inputs, bool training) {
  if (!training || rate_ == 0.0) return inputs;
  Shape mask_shape = inputs.shape();
  if (!options_.noise_shape.empty()) {
    if (options_.noise_shape.size() != mask_shape.size())
      throw ShapeError("Layer '" + name() + "' (Dropout): noise_shape has " + std::to_string(options_.noise_shape.size()) +
                       " dimensions but the inputs have shape " + inputs.shape().to_string());
    for (std::size_t i = 0; i < mask_shape.size(); ++i)
      if (options_.noise_shape[i] >= 0) mask_shape[i] = options_.noise_shape[i];
  }
  // A seeded layer draws a new mask per call, reproducibly (also at each replay of a traced step).
  Tensor noise = options_.seed ? strata::detail::uniform_from_stream(mask_shape, inputs.dtype(), 0.0, 1.0,
                                                                     [this] { return *options_.seed * 1000003ULL + calls_++; })
                               : uniform(mask_shape, {.dtype = inputs.dtype()});
  Tensor keep = noise >= rate_;
  return inputs * (cast(keep, inputs.dtype()) * (1.0 / (1.0 - rate_)));
}

Config DropoutLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::dropout_fields(), options_, config);
  config["rate"] = rate_;
  return config;
}

LayerHandle<DropoutLayer> Dropout(double rate, DropoutOptions options) {
  return make_layer<DropoutLayer>(rate, std::move(options));
}

}  // namespace strata::layers
