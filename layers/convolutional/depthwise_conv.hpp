#pragma once
// DepthwiseConv2D: every input channel convolved with its own depth_multiplier kernels
// (output channel c * depth_multiplier + m), then bias and activation. The depthwise kernel has
// Keras's shape (kernel_h, kernel_w, in_channels, depth_multiplier); the bias has
// in_channels * depth_multiplier values.
#include <string>
#include <vector>

#include "strata/layers/activations.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct DepthwiseConvOptions {
  IntTuple strides = 1;
  std::string padding = "valid";
  std::int64_t depth_multiplier = 1;
  std::string data_format = "channels_last";
  IntTuple dilation_rate = 1;
  std::string activation = "linear";
  bool use_bias = true;
  initializers::InitializerRef depthwise_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerPtr depthwise_regularizer;
  regularizers::RegularizerPtr bias_regularizer;
  regularizers::RegularizerPtr activity_regularizer;
  constraints::ConstraintPtr depthwise_constraint;
  constraints::ConstraintPtr bias_constraint;
  std::string name;
  DType dtype = float32;
};

class DepthwiseConv2DLayer : public Layer {
 public:
  DepthwiseConv2DLayer(const IntTuple& kernel_size, DepthwiseConvOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "DepthwiseConv2D"; }

  const Variable& depthwise_kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }

 private:
  void check_input(const Shape& shape) const;
  std::vector<std::int64_t> kernel_size_, strides_, dilation_rate_;
  DepthwiseConvOptions options_;
  activations::Activation activation_;
  Variable kernel_, bias_;
};

LayerHandle<DepthwiseConv2DLayer> DepthwiseConv2D(const IntTuple& kernel_size, DepthwiseConvOptions options = {});

}  // namespace strata::layers
