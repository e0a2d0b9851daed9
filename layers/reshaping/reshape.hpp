#pragma once
// Reshape: (batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1 (inferred).
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ReshapeOptions {
  std::string name;
  DType dtype = float32;
};

class ReshapeLayer : public Layer {
 public:
  explicit ReshapeLayer(std::vector<std::int64_t> target_shape, ReshapeOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Reshape"; }
  const std::vector<std::int64_t>& target_shape() const { return target_shape_; }

 private:
  std::vector<std::int64_t> target_shape_;
};

LayerHandle<ReshapeLayer> Reshape(std::vector<std::int64_t> target_shape, ReshapeOptions options = {});

}  // namespace strata::layers
