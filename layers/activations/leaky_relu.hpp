#pragma once
// LeakyReLU: x for x >= 0, negative_slope * x otherwise (Keras 3's default slope 0.3).
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct LeakyReLUOptions {
  double negative_slope = 0.3;
  std::string name;
  DType dtype = float32;
};

class LeakyReLULayer : public Layer {
 public:
  explicit LeakyReLULayer(LeakyReLUOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "LeakyReLU"; }
  double negative_slope() const { return options_.negative_slope; }

 private:
  LeakyReLUOptions options_;
};

LayerHandle<LeakyReLULayer> LeakyReLU(LeakyReLUOptions options = {});
LayerHandle<LeakyReLULayer> LeakyReLU(double negative_slope);

}  // namespace strata::layers
