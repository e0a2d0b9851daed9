#pragma once
// Flatten: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...). With data_format "channels_first" the
// input is first moved to channels-last order, (batch, c, d1, ...) -> (batch, d1, ..., c), as Keras
// does, so that the features come out in the order a channels-last model would give them.
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct FlattenOptions {
  std::string name;
  std::string data_format = "channels_last";
};

class FlattenLayer : public Layer {
 public:
  explicit FlattenLayer(FlattenOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Flatten"; }

 private:
  std::string data_format_;
};

LayerHandle<FlattenLayer> Flatten(FlattenOptions options = {});

}  // namespace strata::layers
