#pragma once
// Conv1DTranspose and Conv2DTranspose: activation(conv_transpose(inputs, kernel) + bias), the
// adjoint of a convolution (Keras's "deconvolution"), channels_last by default. The kernel has
// Keras's shape (kernel_size, filters, in_channels) / (kernel_h, kernel_w, filters, in_channels).
#include <string>
#include <vector>

#include "strata/layers/activations.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ConvTransposeOptions {
  IntTuple strides = 1;
  std::string padding = "valid";  // "valid" or "same"
  IntTuple output_padding = {};   // empty: none (Keras's None); else each < the stride
  std::string data_format = "channels_last";
  IntTuple dilation_rate = 1;
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

class ConvTransposeLayer : public Layer {
 public:
  // rank 1 (Conv1DTranspose) or 2 (Conv2DTranspose).
  ConvTransposeLayer(int rank, std::int64_t filters, const IntTuple& kernel_size, ConvTransposeOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Conv" + std::to_string(rank_) + "DTranspose"; }

  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }

 private:
  void check_input(const Shape& shape) const;
  int rank_;
  std::int64_t filters_;
  std::vector<std::int64_t> kernel_size_, strides_, output_padding_, dilation_rate_;
  ConvTransposeOptions options_;
  activations::Activation activation_;
  Variable kernel_, bias_;
};

LayerHandle<ConvTransposeLayer> Conv1DTranspose(std::int64_t filters, const IntTuple& kernel_size,
                                                ConvTransposeOptions options = {});
LayerHandle<ConvTransposeLayer> Conv2DTranspose(std::int64_t filters, const IntTuple& kernel_size,
                                                ConvTransposeOptions options = {});

}  // namespace strata::layers
