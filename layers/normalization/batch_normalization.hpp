#pragma once
// BatchNormalization: (x - mean) / sqrt(variance + epsilon) * gamma + beta per feature of `axis`.
// In training the mean and variance are the batch's (over every other axis), and the moving
// statistics (non-trainable weights) move toward them by `momentum`; otherwise — and whenever the
// layer is frozen, as Keras — the moving statistics are used. Weights in Keras's order: gamma,
// beta, moving_mean, moving_variance (gamma / beta only with scale / center).
#include <string>

#include "strata/layers/keras_version.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct BatchNormalizationOptions {
  int axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::InitializerRef beta_initializer = "zeros";
  initializers::InitializerRef gamma_initializer = "ones";
  initializers::InitializerRef moving_mean_initializer = "zeros";
  initializers::InitializerRef moving_variance_initializer = "ones";
  regularizers::RegularizerPtr beta_regularizer;
  regularizers::RegularizerPtr gamma_regularizer;
  constraints::ConstraintPtr beta_constraint;
  constraints::ConstraintPtr gamma_constraint;
  std::string name;
  DType dtype = float32;
};

class BatchNormalizationLayer : public Layer {
 public:
  explicit BatchNormalizationLayer(BatchNormalizationOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "BatchNormalization"; }

  const Variable& gamma() const { return gamma_; }
  const Variable& beta() const { return beta_; }
  const Variable& moving_mean() const { return moving_mean_; }
  const Variable& moving_variance() const { return moving_variance_; }

 private:
  BatchNormalizationOptions options_;
  int axis_ = -1;  // resolved at build
  int rank_ = 0;   // of the inputs, at build
  // The version of Keras the layer was read under: before Keras 3 the moving variance moved toward
  // the unbiased batch variance (keras_version.hpp, docs/KERAS_VERSIONS.md).
  keras_version::Version keras_version_;
  double moving_variance_correction(double n) const;
  Variable gamma_, beta_, moving_mean_, moving_variance_;
};

LayerHandle<BatchNormalizationLayer> BatchNormalization(BatchNormalizationOptions options = {});

}  // namespace strata::layers
