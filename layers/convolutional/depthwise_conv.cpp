#include "strata/layers/convolutional/depthwise_conv.hpp"

#include "strata/layers/convolutional/conv_layer_parts.hpp"
#include "strata/layers/convolutional/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"

namespace strata::layers {

DepthwiseConv2DLayer::DepthwiseConv2DLayer(const IntTuple& kernel_size, DepthwiseConvOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)), activation_(activations::get(options_.activation)) {
  const std::string cls = class_name();
  detail::read_window(cls, 2, kernel_size, options_, kernel_size_, strides_, dilation_rate_);
  detail::check_positive(options_.depth_multiplier, cls, "depth_multiplier");
}

void DepthwiseConv2DLayer::check_input(const Shape& shape) const {
  detail::check_depthwise_input(*this, shape, options_.data_format, kernel_);
}

void DepthwiseConv2DLayer::build(const Shape& input_shape) {
  check_input(input_shape);
  const std::int64_t channels = detail::input_channels(input_shape, options_.data_format);
  kernel_ = add_weight("depthwise_kernel", {kernel_size_[0], kernel_size_[1], channels, options_.depth_multiplier},
                       options_.depthwise_initializer,
                       {.regularizer = options_.depthwise_regularizer, .constraint = options_.depthwise_constraint});
  if (options_.use_bias)
    bias_ = detail::add_bias(*this, channels * options_.depth_multiplier, options_);
}

Tensor DepthwiseConv2DLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const bool first = options_.data_format == "channels_first";
  Tensor y = depthwise_conv2d(first ? to_channels_last(inputs) : inputs, kernel_,
                              {.strides = strides_, .padding = options_.padding, .dilation_rate = dilation_rate_});
  return detail::finish_conv(*this, std::move(y), options_, bias_, activation_);
}

Shape DepthwiseConv2DLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  return detail::conv_output_shape(input_shape, options_.data_format, kernel_size_, options_.padding, strides_,
                                   dilation_rate_,
                                   detail::input_channels(input_shape, options_.data_format) * options_.depth_multiplier);
}

Config DepthwiseConv2DLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::depthwise_conv_fields(), options_, config);
  detail::write_window_config(config, kernel_size_, strides_, dilation_rate_, activation_);
  return config;
}

LayerHandle<DepthwiseConv2DLayer> DepthwiseConv2D(const IntTuple& kernel_size, DepthwiseConvOptions options) {
  return make_layer<DepthwiseConv2DLayer>(kernel_size, std::move(options));
}

}  // namespace strata::layers
