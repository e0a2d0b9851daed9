#pragma once
// Dropout: during training, zeroes a fraction `rate` of the inputs and scales the rest by
// 1 / (1 - rate); the identity at inference.
#include <optional>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct DropoutOptions {
  std::vector<std::int64_t> noise_shape;  // empty: the input's shape; -1 entries take the input's
  std::optional<std::uint64_t> seed;
  std::string name;
};

class DropoutLayer : public Layer {
 public:
  explicit DropoutLayer(double rate, DropoutOptions options = {});
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "Dropout"; }
  bool supports_masking() const override { return true; }  // passes a mask on, as Keras
  double rate() const { return rate_; }

 private:
  double rate_;
  DropoutOptions options_;
  std::uint64_t calls_ = 0;  // a seeded layer draws a new mask per call, reproducibly
};

LayerHandle<DropoutLayer> Dropout(double rate, DropoutOptions options = {});

}  // namespace strata::layers
