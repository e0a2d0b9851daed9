#pragma once
// LayerNormalization: (x - mean) / sqrt(variance + epsilon) * gamma + beta, the statistics of each
// sample over `axis` (the last by default); gamma and beta have the shape of those axes.
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct LayerNormalizationOptions {
  std::vector<int> axis = {-1};
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::InitializerRef beta_initializer = "zeros";
  initializers::InitializerRef gamma_initializer = "ones";
  regularizers::RegularizerPtr beta_regularizer;
  regularizers::RegularizerPtr gamma_regularizer;
  constraints::ConstraintPtr beta_constraint;
  constraints::ConstraintPtr gamma_constraint;
  std::string name;
  DType dtype = float32;
};

class LayerNormalizationLayer : public Layer {
 public:
  explicit LayerNormalizationLayer(LayerNormalizationOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "LayerNormalization"; }

 private:
  LayerNormalizationOptions options_;
  std::vector<int> axes_;  // resolved at build, sorted
  Shape broadcast_;        // gamma / beta seen with the input's rank (batch axis 1)
  Variable gamma_, beta_;
};

LayerHandle<LayerNormalizationLayer> LayerNormalization(LayerNormalizationOptions options = {});

}  // namespace strata::layers
