#pragma once
// ReLU layer, as keras.layers.ReLU:
//   f(x) = max_value                       for x >= max_value
//   f(x) = x                               for threshold < x < max_value
//   f(x) = negative_slope * (x - threshold) otherwise
#include <optional>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ReLUOptions {
  std::optional<double> max_value;  // None: no upper clip
  double negative_slope = 0.0;
  double threshold = 0.0;
  std::string name;
  DType dtype = float32;
};

class ReLULayer : public Layer {
 public:
  explicit ReLULayer(ReLUOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "ReLU"; }

 private:
  ReLUOptions options_;
};

LayerHandle<ReLULayer> ReLU(ReLUOptions options = {});

}  // namespace strata::layers
