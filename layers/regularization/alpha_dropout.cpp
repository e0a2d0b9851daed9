#include "strata/layers/regularization/alpha_dropout.hpp"

#include "strata/layers/regularization/fields.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::layers {

AlphaDropoutLayer::AlphaDropoutLayer(double rate, AlphaDropoutOptions options)
    : Layer(options.name, options.dtype), rate_(rate), options_(std::move(options)) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: "
                     "rate=" + std::to_string(rate));
}

Tensor AlphaDropoutLayer::call(const Tensor& inputs, bool training) {
  if (!training || !(rate_ > 0.0 && rate_ < 1.0)) return inputs;
  Shape mask_shape = inputs.shape();
  if (!options_.noise_shape.empty()) {
    if (options_.noise_shape.size() != mask_shape.size())
      throw ShapeError("Layer '" + name() + "' (AlphaDropout): noise_shape has " +
                       std::to_string(options_.noise_shape.size()) + " dimensions but the inputs have shape " +
                       inputs.shape().to_string());
    for (std::size_t i = 0; i < mask_shape.size(); ++i)
      if (options_.noise_shape[i] >= 0) mask_shape[i] = options_.noise_shape[i];
  }
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  constexpr double alpha_p = -alpha * scale;
  const double a = 1.0 / std::sqrt((1.0 - rate_) * (1.0 + rate_ * alpha_p * alpha_p));
  const double b = -a * alpha_p * rate_;
  std::optional<std::uint64_t> seed;
  if (options_.seed) seed = *options_.seed * 1000003ULL + calls_++;
  const Tensor kept = cast(uniform(mask_shape, {.dtype = inputs.dtype(), .seed = seed}) >= rate_, inputs.dtype());
  // a * (x * kept + alpha_p * (1 - kept)) + b
  return (inputs * kept + (1.0 - kept) * alpha_p) * a + b;
}

Config AlphaDropoutLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::alpha_dropout_fields(), options_, config);
  config["rate"] = rate_;
  return config;
}

LayerHandle<AlphaDropoutLayer> AlphaDropout(double rate, AlphaDropoutOptions options) {
  return make_layer<AlphaDropoutLayer>(rate, std::move(options));
}

}  // namespace strata::layers
