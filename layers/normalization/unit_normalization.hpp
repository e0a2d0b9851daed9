#pragma once
// UnitNormalization: each sample scaled to unit L2 norm over `axis`:
// x * rsqrt(max(sum(x^2, axis), 1e-12)), as Keras.
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct UnitNormalizationOptions {
  std::vector<int> axis = {-1};
  std::string name;
  DType dtype = float32;
};

class UnitNormalizationLayer : public Layer {
 public:
  explicit UnitNormalizationLayer(UnitNormalizationOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "UnitNormalization"; }

 private:
  std::vector<int> resolve_axes(const Shape& shape) const;
  UnitNormalizationOptions options_;
};

LayerHandle<UnitNormalizationLayer> UnitNormalization(UnitNormalizationOptions options = {});

}  // namespace strata::layers
