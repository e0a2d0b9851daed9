#pragma once
// ELU layer: x for x > 0, alpha * (exp(x) - 1) otherwise.
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ELUOptions {
  double alpha = 1.0;
  std::string name;
  DType dtype = float32;
};

class ELULayer : public Layer {
 public:
  explicit ELULayer(ELUOptions options = {}) : Layer(options.name, options.dtype), options_(std::move(options)) {}
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "ELU"; }

 private:
  ELUOptions options_;
};

LayerHandle<ELULayer> ELU(ELUOptions options = {});
LayerHandle<ELULayer> ELU(double alpha);

}  // namespace strata::layers
