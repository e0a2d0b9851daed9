#pragma once
// Dense: activation(inputs @ kernel + bias), kernel of shape (input_dim, units) as in Keras.
#include <string>

#include "strata/layers/activations.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct DenseOptions {
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

class DenseLayer : public Layer {
 public:
  DenseLayer(std::int64_t units, DenseOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Dense"; }
  bool supports_masking() const override { return true; }  // passes a mask on, as Keras

  std::int64_t units() const { return units_; }
  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }
  const activations::Activation& activation() const { return activation_; }
  const DenseOptions& options() const { return options_; }

 private:
  std::int64_t units_;
  DenseOptions options_;
  activations::Activation activation_;
  Variable kernel_, bias_;
};

LayerHandle<DenseLayer> Dense(std::int64_t units, DenseOptions options = {});
// Dense(128, "relu"): the activation by name (a const char*, so that Dense(10, {.name = ...}) stays unambiguous).
LayerHandle<DenseLayer> Dense(std::int64_t units, const char* activation, DenseOptions options = {});

}  // namespace strata::layers
