#include "strata/layers/regularization/spatial_dropout.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"

namespace strata::layers {

SpatialDropoutLayer::SpatialDropoutLayer(int rank, double rate, SpatialDropoutOptions options)
    : Layer(options.name, options.dtype), rank_(rank), rate_(rate), options_(std::move(options)) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: "
                     "rate=" + std::to_string(rate));
  check_data_format(options_.data_format, class_name());
  if (rank == 1 && options_.data_format != "channels_last")
    throw ValueError("SpatialDropout1D: data_format must be 'channels_last', got '" + options_.data_format + "'");
}

void SpatialDropoutLayer::check_input(const Shape& shape) const {
  if (shape.rank() != rank_ + 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") expects inputs of rank " +
                     std::to_string(rank_ + 2) + ", got shape " + shape.to_string());
}

Shape SpatialDropoutLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  return input_shape;
}

Tensor SpatialDropoutLayer::call(const Tensor& inputs, bool training) {
  check_input(inputs.shape());
  if (!training || rate_ == 0.0) return inputs;
  if (rate_ == 1.0) return inputs * 0.0;
  // One draw per (sample, channel): the mask is 1 along every spatial axis and broadcasts.
  Shape mask(std::vector<std::int64_t>(inputs.shape().size(), 1));
  mask[0] = inputs.shape()[0];
  const std::size_t channel = options_.data_format == "channels_last" ? mask.size() - 1 : 1;
  mask[channel] = inputs.shape()[channel];
  std::optional<std::uint64_t> seed;
  if (options_.seed) seed = *options_.seed * 1000003ULL + calls_++;
  const Tensor keep = uniform(mask, {.dtype = inputs.dtype(), .seed = seed}) >= rate_;
  return inputs * (cast(keep, inputs.dtype()) * (1.0 / (1.0 - rate_)));
}

Config SpatialDropoutLayer::get_config() const {
  Config config = Layer::get_config();
  config["rate"] = rate_;
  config["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  if (rank_ > 1) config["data_format"] = options_.data_format;
  return config;
}

LayerHandle<SpatialDropoutLayer> SpatialDropout1D(double rate, SpatialDropoutOptions options) {
  return make_layer<SpatialDropoutLayer>(1, rate, std::move(options));
}
LayerHandle<SpatialDropoutLayer> SpatialDropout2D(double rate, SpatialDropoutOptions options) {
  return make_layer<SpatialDropoutLayer>(2, rate, std::move(options));
}
LayerHandle<SpatialDropoutLayer> SpatialDropout3D(double rate, SpatialDropoutOptions options) {
  return make_layer<SpatialDropoutLayer>(3, rate, std::move(options));
}

}  // namespace strata::layers
