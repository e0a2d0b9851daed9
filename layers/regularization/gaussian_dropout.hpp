#pragma once
// GaussianDropout: during training multiplies the inputs by normal noise of mean 1 and standard
// deviation sqrt(rate / (1 - rate)); the identity at inference.
#include <optional>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct GaussianDropoutOptions {
  std::optional<std::uint64_t> seed;
  std::string name;
  DType dtype = float32;
};

class GaussianDropoutLayer : public Layer {
 public:
  explicit GaussianDropoutLayer(double rate, GaussianDropoutOptions options = {});
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "GaussianDropout"; }
  double rate() const { return rate_; }

 private:
  double rate_;
  GaussianDropoutOptions options_;
  std::uint64_t calls_ = 0;
};

LayerHandle<GaussianDropoutLayer> GaussianDropout(double rate, GaussianDropoutOptions options = {});

}  // namespace strata::layers
