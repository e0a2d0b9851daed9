#pragma once
// SpatialDropout1D/2D/3D: Dropout that drops whole feature maps: in training one keep/drop draw per
// (sample, channel), shared by every step / pixel / voxel, the kept ones scaled by 1 / (1 - rate);
// the identity at inference. SpatialDropout1D works on (batch, steps, channels); the 2-D and 3-D
// layers are channels_last by default.
#include <optional>
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct SpatialDropoutOptions {
  std::string data_format = "channels_last";  // SpatialDropout1D: always channels_last, as Keras
  std::optional<std::uint64_t> seed;
  std::string name;
  DType dtype = float32;
};

class SpatialDropoutLayer : public Layer {
 public:
  // rank 1, 2 or 3.
  SpatialDropoutLayer(int rank, double rate, SpatialDropoutOptions options = {});
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "SpatialDropout" + std::to_string(rank_) + "D"; }
  double rate() const { return rate_; }

 private:
  void check_input(const Shape& shape) const;
  int rank_;
  double rate_;
  SpatialDropoutOptions options_;
  std::uint64_t calls_ = 0;  // a seeded layer draws a new mask per call, reproducibly
};

LayerHandle<SpatialDropoutLayer> SpatialDropout1D(double rate, SpatialDropoutOptions options = {});
LayerHandle<SpatialDropoutLayer> SpatialDropout2D(double rate, SpatialDropoutOptions options = {});
LayerHandle<SpatialDropoutLayer> SpatialDropout3D(double rate, SpatialDropoutOptions options = {});

}  // namespace strata::layers
