#pragma once
// AlphaDropout: dropout that keeps SELU's self-normalization. In training each dropped input is set
// to SELU's negative saturation alpha' = -scale * alpha, then all are moved by the affine map that
// restores the mean and variance: a * x + b with a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2,
// b = -a * alpha' * rate (Keras's formula); the identity at inference and for rate 0 or 1.
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct AlphaDropoutOptions {
  std::vector<std::int64_t> noise_shape;  // empty: the input's shape; -1 entries take the input's
  std::optional<std::uint64_t> seed;
  std::string name;
  DType dtype = float32;
};

class AlphaDropoutLayer : public Layer {
 public:
  explicit AlphaDropoutLayer(double rate, AlphaDropoutOptions options = {});
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "AlphaDropout"; }
  double rate() const { return rate_; }

 private:
  double rate_;
  AlphaDropoutOptions options_;
  std::uint64_t calls_ = 0;
};

LayerHandle<AlphaDropoutLayer> AlphaDropout(double rate, AlphaDropoutOptions options = {});

}  // namespace strata::layers
