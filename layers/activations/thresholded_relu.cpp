#include "strata/layers/activations/thresholded_relu.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"

namespace strata::layers {

ThresholdedReLULayer::ThresholdedReLULayer(ThresholdedReLUOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)) {
  if (!(options_.theta >= 0.0))
    throw ValueError("The theta value of a Thresholded ReLU layer should be >=0. Received: theta=" +
                     std::to_string(options_.theta));
}

// Keras computes cast(x > theta) * x: the gradient is the same 0/1 mask.
Tensor ThresholdedReLULayer::call(const Tensor& inputs) {
  return inputs * cast(inputs > options_.theta, inputs.dtype());
}

Config ThresholdedReLULayer::get_config() const {
  Config config = Layer::get_config();
  config["theta"] = options_.theta;
  return config;
}

LayerHandle<ThresholdedReLULayer> ThresholdedReLU(ThresholdedReLUOptions options) {
  return make_layer<ThresholdedReLULayer>(std::move(options));
}

LayerHandle<ThresholdedReLULayer> ThresholdedReLU(double theta) { return ThresholdedReLU({.theta = theta}); }

}  // namespace strata::layers
