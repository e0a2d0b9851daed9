#pragma once
// ThresholdedReLU layer, as Keras 2's keras.layers.ThresholdedReLU: x for x > theta, 0 otherwise.
// Keras 3 dropped the class (ReLU(threshold=...) differs: it keeps x - threshold slopes); it stays
// here so Keras 2 files load.
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ThresholdedReLUOptions {
  double theta = 1.0;
  std::string name;
  DType dtype = float32;
};

class ThresholdedReLULayer : public Layer {
 public:
  explicit ThresholdedReLULayer(ThresholdedReLUOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "ThresholdedReLU"; }

 private:
  ThresholdedReLUOptions options_;
};

LayerHandle<ThresholdedReLULayer> ThresholdedReLU(ThresholdedReLUOptions options = {});
LayerHandle<ThresholdedReLULayer> ThresholdedReLU(double theta);

}  // namespace strata::layers
