#pragma once
// Flatten: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...).
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct FlattenOptions {
  std::string name;
};

class FlattenLayer : public Layer {
 public:
  explicit FlattenLayer(FlattenOptions options = {}) : Layer(options.name) {}
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Flatten"; }
};

LayerHandle<FlattenLayer> Flatten(FlattenOptions options = {});

}  // namespace strata::layers
