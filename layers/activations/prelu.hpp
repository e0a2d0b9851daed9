#pragma once
// PReLU: x for x >= 0, alpha * x otherwise, with a learned alpha of the input's shape without the
// batch axis (size 1 along each of `shared_axes`, 1-based as in Keras).
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct PReLUOptions {
  initializers::InitializerRef alpha_initializer = "zeros";
  regularizers::RegularizerPtr alpha_regularizer;
  constraints::ConstraintPtr alpha_constraint;
  std::vector<int> shared_axes;
  std::string name;
  DType dtype = float32;
};

class PReLULayer : public Layer {
 public:
  explicit PReLULayer(PReLUOptions options = {})
      : Layer(options.name, options.dtype), options_(std::move(options)) {}
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "PReLU"; }
  const Variable& alpha() const { return alpha_; }

 private:
  PReLUOptions options_;
  Variable alpha_;
};

LayerHandle<PReLULayer> PReLU(PReLUOptions options = {});

}  // namespace strata::layers
