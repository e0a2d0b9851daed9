#include "strata/layers/activations/relu.hpp"

#include "strata/layers/activations/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::layers {

ReLULayer::ReLULayer(ReLUOptions options) : Layer(options.name, options.dtype), options_(std::move(options)) {
  if (options_.max_value && !(*options_.max_value >= 0.0))
    throw ValueError("max_value of a ReLU layer cannot be a negative value. Received: " +
                     std::to_string(*options_.max_value));
  if (!(options_.negative_slope >= 0.0))
    throw ValueError("negative_slope of a ReLU layer cannot be a negative value. Received: " +
                     std::to_string(options_.negative_slope));
  if (!(options_.threshold >= 0.0))
    throw ValueError("threshold of a ReLU layer cannot be a negative value. Received: " +
                     std::to_string(options_.threshold));
}

// keras.activations.relu(x, negative_slope, max_value, threshold).
Tensor ReLULayer::call(const Tensor& inputs) {
  const double slope = options_.negative_slope;
  const double threshold = options_.threshold;
  const auto& max_value = options_.max_value;
  if (slope != 0.0 && !max_value && threshold == 0.0) return leaky_relu(inputs, slope);
  Tensor negative_part;
  if (slope != 0.0) negative_part = threshold != 0.0 ? relu(threshold - inputs) : relu(-inputs);
  Tensor x;
  bool clip_max = max_value.has_value();
  if (threshold != 0.0) {
    x = inputs * cast(inputs > threshold, inputs.dtype());
  } else if (max_value && *max_value == 6.0) {
    x = relu6(inputs);
    clip_max = false;
  } else {
    x = relu(inputs);
  }
  if (clip_max) x = clip(x, 0.0, *max_value);
  if (slope != 0.0) x = x - negative_part * slope;
  return x;
}

Config ReLULayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::relu_fields(), options_, config);
  return config;
}

LayerHandle<ReLULayer> ReLU(ReLUOptions options) { return make_layer<ReLULayer>(std::move(options)); }

}  // namespace strata::layers
