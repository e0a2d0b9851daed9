#pragma once
// Masking: marks the timesteps whose features all equal mask_value as skipped. The output is the
// input with those steps zeroed (as Keras), and the mask (batch, timesteps) goes to the next
// layers (recurrent layers carry their state over masked steps).
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct MaskingOptions {
  std::string name;
  DType dtype = float32;
};

class MaskingLayer : public Layer {
 public:
  explicit MaskingLayer(double mask_value = 0.0, MaskingOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  bool supports_masking() const override { return true; }
  Tensor compute_mask(const std::vector<Tensor>& inputs, const Tensor& mask) override;
  Config get_config() const override;
  std::string class_name() const override { return "Masking"; }
  double mask_value() const { return mask_value_; }

 private:
  Tensor keep(const Tensor& inputs) const;  // (batch, timesteps) bool: some feature differs from mask_value
  double mask_value_;
};

LayerHandle<MaskingLayer> Masking(double mask_value = 0.0, MaskingOptions options = {});

}  // namespace strata::layers
