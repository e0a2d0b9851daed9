#pragma once
// Permute: reorders the non-batch axes; `dims` is 1-based as in Keras (Permute({2, 1}) swaps the
// two axes after the batch axis).
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct PermuteOptions {
  std::string name;
  DType dtype = float32;
};

class PermuteLayer : public Layer {
 public:
  explicit PermuteLayer(std::vector<int> dims, PermuteOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Permute"; }
  const std::vector<int>& dims() const { return dims_; }

 private:
  void check_rank(const Shape& input_shape);
  std::vector<int> dims_;
};

LayerHandle<PermuteLayer> Permute(std::vector<int> dims, PermuteOptions options = {});

}  // namespace strata::layers
