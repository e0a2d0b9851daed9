#pragma once
// TimeDistributed: applies a layer to every timestep of (batch, timesteps, ...) inputs — one call on
// (batch * timesteps, ...) — as Keras. A mask passes through unchanged.
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct TimeDistributedOptions {
  std::string name;
  DType dtype = float32;
};

class TimeDistributedLayer : public Layer {
 public:
  TimeDistributedLayer(LayerPtr layer, TimeDistributedOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  bool supports_masking() const override { return true; }
  Config get_config() const override;
  std::string class_name() const override { return "TimeDistributed"; }
  std::vector<std::pair<std::string, LayerPtr>> keras3_children() const override { return {{"layer", layer_}}; }
  const LayerPtr& layer() const { return layer_; }

 private:
  LayerPtr layer_;
};

LayerHandle<TimeDistributedLayer> TimeDistributed(LayerPtr layer, TimeDistributedOptions options = {});

}  // namespace strata::layers
