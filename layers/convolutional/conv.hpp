#pragma once
// Conv1D, Conv2D and Conv3D: activation(conv(inputs, kernel) + bias), channels_last by default. The
// kernel has Keras's shape: (kernel_size, in_channels / groups, filters) for Conv1D,
// (kernel_h, kernel_w, in_channels / groups, filters) for Conv2D and
// (kernel_d, kernel_h, kernel_w, in_channels / groups, filters) for Conv3D.
#include <string>
#include <vector>

#include "strata/layers/activations.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ConvOptions {
  IntTuple strides = 1;
  std::string padding = "valid";  // "valid", "same"; Conv1D also "causal"
  std::string data_format = "channels_last";
  IntTuple dilation_rate = 1;
  std::int64_t groups = 1;
  std::string activation = "linear";
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerPtr kernel_regularizer;
  regularizers::RegularizerPtr bias_regularizer;
  regularizers::RegularizerPtr activity_regularizer;
  constraints::ConstraintPtr kernel_constraint;
  constraints::ConstraintPtr bias_constraint;
  std::string name;
  DType dtype = float32;
};

class ConvLayer : public Layer {
 public:
  // rank 1 (Conv1D), 2 (Conv2D) or 3 (Conv3D).
  ConvLayer(int rank, std::int64_t filters, const IntTuple& kernel_size, ConvOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Conv" + std::to_string(rank_) + "D"; }

  std::int64_t filters() const { return filters_; }
  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }

 private:
  void check_input(const Shape& shape) const;
  int rank_;
  std::int64_t filters_;
  std::vector<std::int64_t> kernel_size_, strides_, dilation_rate_;
  ConvOptions options_;
  activations::Activation activation_;
  Variable kernel_, bias_;
};

LayerHandle<ConvLayer> Conv1D(std::int64_t filters, const IntTuple& kernel_size, ConvOptions options = {});
LayerHandle<ConvLayer> Conv1D(std::int64_t filters, const IntTuple& kernel_size, const char* activation,
                              ConvOptions options = {});
LayerHandle<ConvLayer> Conv2D(std::int64_t filters, const IntTuple& kernel_size, ConvOptions options = {});
LayerHandle<ConvLayer> Conv2D(std::int64_t filters, const IntTuple& kernel_size, const char* activation,
                              ConvOptions options = {});
LayerHandle<ConvLayer> Conv3D(std::int64_t filters, const IntTuple& kernel_size, ConvOptions options = {});
LayerHandle<ConvLayer> Conv3D(std::int64_t filters, const IntTuple& kernel_size, const char* activation,
                              ConvOptions options = {});

}  // namespace strata::layers
