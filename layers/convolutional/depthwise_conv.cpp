#include "strata/layers/convolutional/depthwise_conv.hpp"

#include "strata/layers/convolutional/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"

namespace strata::layers {

DepthwiseConv2DLayer::DepthwiseConv2DLayer(const IntTuple& kernel_size, DepthwiseConvOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)), activation_(activations::get(options_.activation)) {
  const std::string cls = class_name();
  kernel_size_ = kernel_size.expand(2, cls, "kernel_size");
  strides_ = options_.strides.expand(2, cls, "strides");
  dilation_rate_ = options_.dilation_rate.expand(2, cls, "dilation_rate");
  if (options_.padding != "valid" && options_.padding != "same")
    throw ValueError(cls + ": padding must be 'valid' or 'same', got '" + options_.padding + "'");
  if (options_.depth_multiplier <= 0)
    throw ValueError(cls + ": depth_multiplier must be a positive integer, got " + std::to_string(options_.depth_multiplier));
  check_data_format(options_.data_format, cls);
}

void DepthwiseConv2DLayer::check_input(const Shape& shape) const {
  const std::int64_t channels = shape.rank() != 4 ? -1 : options_.data_format == "channels_last" ? shape.back() : shape[1];
  if (shape.rank() != 4 || channels < 0)
    throw ShapeError("Layer '" + name() + "' (DepthwiseConv2D) expects inputs of rank 4 with known channels, got shape " +
                     shape.to_string());
  if (kernel_.defined() && channels != kernel_.shape()[2])
    throw ShapeError("Layer '" + name() + "' (DepthwiseConv2D) was built for inputs with " +
                     std::to_string(kernel_.shape()[2]) + " channels, got shape " + shape.to_string());
}

void DepthwiseConv2DLayer::build(const Shape& input_shape) {
  check_input(input_shape);
  const std::int64_t channels = options_.data_format == "channels_last" ? input_shape.back() : input_shape[1];
  kernel_ = add_weight("depthwise_kernel", {kernel_size_[0], kernel_size_[1], channels, options_.depth_multiplier},
                       options_.depthwise_initializer,
                       {.regularizer = options_.depthwise_regularizer, .constraint = options_.depthwise_constraint});
  if (options_.use_bias)
    bias_ = add_weight("bias", {channels * options_.depth_multiplier}, options_.bias_initializer,
                       {.regularizer = options_.bias_regularizer, .constraint = options_.bias_constraint});
}

Tensor DepthwiseConv2DLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const bool first = options_.data_format == "channels_first";
  Tensor y = depthwise_conv2d(first ? to_channels_last(inputs) : inputs, kernel_,
                              {.strides = strides_, .padding = options_.padding, .dilation_rate = dilation_rate_});
  if (options_.use_bias) y = y + bias_;
  y = activation_(y);
  if (first) y = to_channels_first(y);
  if (options_.activity_regularizer) add_loss((*options_.activity_regularizer)(y));
  return y;
}

Shape DepthwiseConv2DLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  const bool first = options_.data_format == "channels_first";
  Shape s = first ? to_channels_last(input_shape) : input_shape;
  for (std::size_t i = 0; i < 2; ++i)
    s[i + 1] = conv_output_length(s[i + 1], kernel_size_[i], options_.padding, strides_[i], dilation_rate_[i]);
  s[3] *= options_.depth_multiplier;
  return first ? to_channels_first(s) : s;
}

Config DepthwiseConv2DLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::depthwise_conv_fields(), options_, config);
  config["kernel_size"] = tuple_config(kernel_size_);
  config["strides"] = tuple_config(strides_);
  config["dilation_rate"] = tuple_config(dilation_rate_);
  config["activation"] = activation_.name;
  return config;
}

LayerHandle<DepthwiseConv2DLayer> DepthwiseConv2D(const IntTuple& kernel_size, DepthwiseConvOptions options) {
  return make_layer<DepthwiseConv2DLayer>(kernel_size, std::move(options));
}

}  // namespace strata::layers
