#pragma once
// Dot: the batch-wise dot product of two inputs along `axes` (one axis for both, or one each, batch
// axis excluded), as keras.layers.Dot; with `normalize` the inputs are first L2-normalised along
// those axes, giving cosine similarities. Inputs of rank 2 or 3: (b, n)·(b, n) -> (b, 1);
// (b, m, k)·(b, n, k) along axes (2, 2) -> (b, m, n).
#include <array>
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct DotOptions {
  bool normalize = false;
  std::string name;
  DType dtype = float32;
};

class DotLayer : public Layer {
 public:
  DotLayer(std::array<int, 2> axes, DotOptions options = {});
  void build(const std::vector<Shape>& input_shapes) override { compute_output_shapes(input_shapes); }
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  Config get_config() const override;
  std::string class_name() const override { return "Dot"; }
  using Layer::build;
  using Layer::call;

 private:
  // The axes as non-negative indices for inputs of these ranks (ShapeError when out of range).
  std::array<std::int64_t, 2> resolved_axes(const std::vector<Shape>& shapes) const;
  std::array<int, 2> axes_;
  DotOptions options_;
};

LayerHandle<DotLayer> Dot(int axes, DotOptions options = {});
LayerHandle<DotLayer> Dot(std::array<int, 2> axes, DotOptions options = {});

}  // namespace strata::layers
