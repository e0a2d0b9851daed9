#pragma once
// SeparableConv2D: a depthwise convolution (each input channel with its own depth_multiplier
// kernels) followed by a 1x1 pointwise convolution to `filters` channels, then bias and activation.
// Weights in Keras's order and shapes: depthwise_kernel (kernel_h, kernel_w, in_channels,
// depth_multiplier), pointwise_kernel (1, 1, in_channels * depth_multiplier, filters), bias (filters).
#include <string>
#include <vector>

#include "strata/layers/activations.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct SeparableConvOptions {
  IntTuple strides = 1;
  std::string padding = "valid";
  std::string data_format = "channels_last";
  IntTuple dilation_rate = 1;
  std::int64_t depth_multiplier = 1;
  std::string activation = "linear";
  bool use_bias = true;
  initializers::InitializerRef depthwise_initializer = "glorot_uniform";
  initializers::InitializerRef pointwise_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerPtr depthwise_regularizer;
  regularizers::RegularizerPtr pointwise_regularizer;
  regularizers::RegularizerPtr bias_regularizer;
  regularizers::RegularizerPtr activity_regularizer;
  constraints::ConstraintPtr depthwise_constraint;
  constraints::ConstraintPtr pointwise_constraint;
  constraints::ConstraintPtr bias_constraint;
  std::string name;
  DType dtype = float32;
};

class SeparableConv2DLayer : public Layer {
 public:
  SeparableConv2DLayer(std::int64_t filters, const IntTuple& kernel_size, SeparableConvOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "SeparableConv2D"; }

  const Variable& depthwise_kernel() const { return depthwise_; }
  const Variable& pointwise_kernel() const { return pointwise_; }
  const Variable& bias() const { return bias_; }

 private:
  void check_input(const Shape& shape) const;
  std::int64_t filters_;
  std::vector<std::int64_t> kernel_size_, strides_, dilation_rate_;
  SeparableConvOptions options_;
  activations::Activation activation_;
  Variable depthwise_, pointwise_, bias_;
};

LayerHandle<SeparableConv2DLayer> SeparableConv2D(std::int64_t filters, const IntTuple& kernel_size,
                                                  SeparableConvOptions options = {});

}  // namespace strata::layers
