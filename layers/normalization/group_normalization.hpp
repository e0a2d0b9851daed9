#pragma once
// GroupNormalization: the channels of `axis` split into `groups` contiguous groups; each sample's
// group is normalized by its own mean and variance (over the group's channels and every other
// non-batch axis), then scaled by gamma and shifted by beta per channel. groups = -1 means one
// group per channel (instance normalization), groups = 1 layer normalization over everything.
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct GroupNormalizationOptions {
  std::int64_t groups = 32;
  int axis = -1;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::InitializerRef beta_initializer = "zeros";
  initializers::InitializerRef gamma_initializer = "ones";
  regularizers::RegularizerPtr beta_regularizer;
  regularizers::RegularizerPtr gamma_regularizer;
  constraints::ConstraintPtr beta_constraint;
  constraints::ConstraintPtr gamma_constraint;
  std::string name;
  DType dtype = float32;
};

class GroupNormalizationLayer : public Layer {
 public:
  explicit GroupNormalizationLayer(GroupNormalizationOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "GroupNormalization"; }

 private:
  int resolve_axis(const Shape& shape) const;
  GroupNormalizationOptions options_;
  std::int64_t groups_ = 0, channels_ = 0;
  Variable gamma_, beta_;
};

LayerHandle<GroupNormalizationLayer> GroupNormalization(GroupNormalizationOptions options = {});

}  // namespace strata::layers
