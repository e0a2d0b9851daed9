#pragma once
// Internal to layers/convolutional/: each convolution's options as one table (read by
// from_config, written by get_config). filters, kernel_size, strides, dilation_rate,
// output_padding and the activation are written as the layer resolved them, by hand.
#include "strata/layers/config_fields.hpp"
#include "strata/layers/convolutional/conv.hpp"
#include "strata/layers/convolutional/conv_transpose.hpp"
#include "strata/layers/convolutional/depthwise_conv.hpp"
#include "strata/layers/convolutional/separable_conv.hpp"

namespace strata::layers::detail {

// What every convolution has.
template <class Options>
ConfigFields<Options> conv_common_fields() {
  return {field("padding", &Options::padding),
          field("data_format", &Options::data_format),
          field("use_bias", &Options::use_bias),
          field("bias_initializer", &Options::bias_initializer),
          field("bias_regularizer", &Options::bias_regularizer),
          field("activity_regularizer", &Options::activity_regularizer),
          field("bias_constraint", &Options::bias_constraint)};
}

// The kernel of Conv and ConvTranspose.
template <class Options>
ConfigFields<Options> kernel_fields() {
  auto f = conv_common_fields<Options>();
  f.push_back(field("kernel_initializer", &Options::kernel_initializer));
  f.push_back(field("kernel_regularizer", &Options::kernel_regularizer));
  f.push_back(field("kernel_constraint", &Options::kernel_constraint));
  return f;
}

// The depthwise kernel of DepthwiseConv2D and SeparableConv2D.
template <class Options>
ConfigFields<Options> depthwise_fields() {
  auto f = conv_common_fields<Options>();
  f.push_back(field("depth_multiplier", &Options::depth_multiplier));
  f.push_back(field("depthwise_initializer", &Options::depthwise_initializer));
  f.push_back(field("depthwise_regularizer", &Options::depthwise_regularizer));
  f.push_back(field("depthwise_constraint", &Options::depthwise_constraint));
  return f;
}

inline const ConfigFields<ConvOptions>& conv_fields() {
  static const ConfigFields<ConvOptions> fields = [] {
    auto f = kernel_fields<ConvOptions>();
    f.push_back(field("groups", &ConvOptions::groups));
    return f;
  }();
  return fields;
}

inline const ConfigFields<ConvTransposeOptions>& conv_transpose_fields() {
  static const ConfigFields<ConvTransposeOptions> fields = kernel_fields<ConvTransposeOptions>();
  return fields;
}

inline const ConfigFields<DepthwiseConvOptions>& depthwise_conv_fields() {
  static const ConfigFields<DepthwiseConvOptions> fields = depthwise_fields<DepthwiseConvOptions>();
  return fields;
}

inline const ConfigFields<SeparableConvOptions>& separable_conv_fields() {
  static const ConfigFields<SeparableConvOptions> fields = [] {
    auto f = depthwise_fields<SeparableConvOptions>();
    f.push_back(field("pointwise_initializer", &SeparableConvOptions::pointwise_initializer));
    f.push_back(field("pointwise_regularizer", &SeparableConvOptions::pointwise_regularizer));
    f.push_back(field("pointwise_constraint", &SeparableConvOptions::pointwise_constraint));
    return f;
  }();
  return fields;
}

}  // namespace strata::layers::detail
