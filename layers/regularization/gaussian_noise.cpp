#include "strata/layers/regularization/gaussian_noise.hpp"

#include "strata/layers/regularization/fields.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::layers {

GaussianNoiseLayer::GaussianNoiseLayer(double stddev, GaussianNoiseOptions options)
    : Layer(options.name, options.dtype), stddev_(stddev), options_(std::move(options)) {
  if (!(stddev >= 0.0) || !std::isfinite(stddev))
    throw ValueError("Invalid value received for argument `stddev`. Expected a float value >= 0. Received: stddev=" +
                     std::to_string(stddev));
}

Tensor GaussianNoiseLayer::call(const Tensor& inputs, bool training) {
  if (!training || stddev_ == 0.0) return inputs;
  std::optional<std::uint64_t> seed;
  if (options_.seed) seed = *options_.seed * 1000003ULL + calls_++;
  return inputs + normal(inputs.shape(), {.mean = 0.0, .stddev = stddev_, .dtype = inputs.dtype(), .seed = seed});
}

Config GaussianNoiseLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::gaussian_noise_fields(), options_, config);
  config["stddev"] = stddev_;
  return config;
}

LayerHandle<GaussianNoiseLayer> GaussianNoise(double stddev, GaussianNoiseOptions options) {
  return make_layer<GaussianNoiseLayer>(stddev, std::move(options));
}

}  // namespace strata::layers
