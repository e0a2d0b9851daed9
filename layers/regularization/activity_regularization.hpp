#pragma once
// ActivityRegularization: the identity, adding l1 * sum(|x|) + l2 * sum(x^2) of its inputs to the
// layer's losses.
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ActivityRegularizationOptions {
  double l1 = 0.0;
  double l2 = 0.0;
  std::string name;
  DType dtype = float32;
};

class ActivityRegularizationLayer : public Layer {
 public:
  explicit ActivityRegularizationLayer(ActivityRegularizationOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "ActivityRegularization"; }

 private:
  ActivityRegularizationOptions options_;
  regularizers::RegularizerPtr regularizer_;
};

LayerHandle<ActivityRegularizationLayer> ActivityRegularization(ActivityRegularizationOptions options = {});

}  // namespace strata::layers
