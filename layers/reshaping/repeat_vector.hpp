#pragma once
// RepeatVector: (batch, features) -> (batch, n, features).
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct RepeatVectorOptions {
  std::string name;
  DType dtype = float32;
};

class RepeatVectorLayer : public Layer {
 public:
  explicit RepeatVectorLayer(std::int64_t n, RepeatVectorOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "RepeatVector"; }
  std::int64_t n() const { return n_; }

 private:
  void check_rank(const Shape& input_shape);
  std::int64_t n_;
};

LayerHandle<RepeatVectorLayer> RepeatVector(std::int64_t n, RepeatVectorOptions options = {});

}  // namespace strata::layers
