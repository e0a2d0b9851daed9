#include "strata/layers/convolutional/separable_conv.hpp"

#include "strata/layers/convolutional/conv_layer_parts.hpp"
#include "strata/layers/convolutional/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"

namespace strata::layers {

SeparableConv2DLayer::SeparableConv2DLayer(std::int64_t filters, const IntTuple& kernel_size, SeparableConvOptions options)
    : Layer(options.name, options.dtype), filters_(filters), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
  const std::string cls = class_name();
  detail::check_positive(filters, cls, "filters");
  detail::read_window(cls, 2, kernel_size, options_, kernel_size_, strides_, dilation_rate_);
  detail::check_positive(options_.depth_multiplier, cls, "depth_multiplier");
}

void SeparableConv2DLayer::check_input(const Shape& shape) const {
  detail::check_depthwise_input(*this, shape, options_.data_format, depthwise_);
}

void SeparableConv2DLayer::build(const Shape& input_shape) {
  check_input(input_shape);
  const std::int64_t channels = detail::input_channels(input_shape, options_.data_format);
  const std::int64_t m = options_.depth_multiplier;
  depthwise_ = add_weight("depthwise_kernel", {kernel_size_[0], kernel_size_[1], channels, m},
                          options_.depthwise_initializer,
                          {.regularizer = options_.depthwise_regularizer, .constraint = options_.depthwise_constraint});
  pointwise_ = add_weight("pointwise_kernel", {1, 1, channels * m, filters_}, options_.pointwise_initializer,
                          {.regularizer = options_.pointwise_regularizer, .constraint = options_.pointwise_constraint});
  if (options_.use_bias)
    bias_ = detail::add_bias(*this, filters_, options_);
}

Tensor SeparableConv2DLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const bool first = options_.data_format == "channels_first";
  const Tensor depthwise = depthwise_conv2d(first ? to_channels_last(inputs) : inputs, depthwise_,
                                            {.strides = strides_, .padding = options_.padding, .dilation_rate = dilation_rate_});
  Tensor y = conv2d(depthwise, pointwise_);
  return detail::finish_conv(*this, std::move(y), options_, bias_, activation_);
}

Shape SeparableConv2DLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  return detail::conv_output_shape(input_shape, options_.data_format, kernel_size_, options_.padding, strides_,
                                   dilation_rate_, filters_);
}

Config SeparableConv2DLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::separable_conv_fields(), options_, config);
  config["filters"] = filters_;
  detail::write_window_config(config, kernel_size_, strides_, dilation_rate_, activation_);
  return config;
}

LayerHandle<SeparableConv2DLayer> SeparableConv2D(std::int64_t filters, const IntTuple& kernel_size,
                                                  SeparableConvOptions options) {
  return make_layer<SeparableConv2DLayer>(filters, kernel_size, std::move(options));
}

}  // namespace strata::layers
