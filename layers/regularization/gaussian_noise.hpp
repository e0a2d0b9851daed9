#pragma once
// GaussianNoise: during training adds zero-centred normal noise of standard deviation `stddev`;
// the identity at inference.
#include <optional>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct GaussianNoiseOptions {
  std::optional<std::uint64_t> seed;
  std::string name;
  DType dtype = float32;
};

class GaussianNoiseLayer : public Layer {
 public:
  explicit GaussianNoiseLayer(double stddev, GaussianNoiseOptions options = {});
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "GaussianNoise"; }
  double stddev() const { return stddev_; }

 private:
  double stddev_;
  GaussianNoiseOptions options_;
  std::uint64_t calls_ = 0;  // a seeded layer draws new noise per call, reproducibly
};

LayerHandle<GaussianNoiseLayer> GaussianNoise(double stddev, GaussianNoiseOptions options = {});

}  // namespace strata::layers
