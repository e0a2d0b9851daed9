#include "strata/layers/regularization/gaussian_dropout.hpp"

#include "strata/layers/regularization/fields.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::layers {

GaussianDropoutLayer::GaussianDropoutLayer(double rate, GaussianDropoutOptions options)
    : Layer(options.name, options.dtype), rate_(rate), options_(std::move(options)) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: "
                     "rate=" + std::to_string(rate));
}

Tensor GaussianDropoutLayer::call(const Tensor& inputs, bool training) {
  if (!training || !(rate_ > 0.0 && rate_ < 1.0)) return inputs;  // as Keras: rate 0 or 1 is the identity
  std::optional<std::uint64_t> seed;
  if (options_.seed) seed = *options_.seed * 1000003ULL + calls_++;
  const double stddev = std::sqrt(rate_ / (1.0 - rate_));
  return inputs * normal(inputs.shape(), {.mean = 1.0, .stddev = stddev, .dtype = inputs.dtype(), .seed = seed});
}

Config GaussianDropoutLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::gaussian_dropout_fields(), options_, config);
  config["rate"] = rate_;
  return config;
}

LayerHandle<GaussianDropoutLayer> GaussianDropout(double rate, GaussianDropoutOptions options) {
  return make_layer<GaussianDropoutLayer>(rate, std::move(options));
}

}  // namespace strata::layers
