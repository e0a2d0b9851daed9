#pragma once
// Concatenate: joins its inputs along `axis` (default -1); every other axis must agree.
#include <string>
#include <vector>

#include "strata/layers/merging/merge.hpp"

namespace strata::layers {

struct ConcatenateOptions {
  int axis = -1;
  std::string name;
  DType dtype = float32;
};

class ConcatenateLayer : public Layer {
 public:
  explicit ConcatenateLayer(ConcatenateOptions options = {});
  void build(const std::vector<Shape>& input_shapes) override { compute_output_shapes(input_shapes); }
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  Config get_config() const override;
  std::string class_name() const override { return "Concatenate"; }
  using Layer::build;
  using Layer::call;

 private:
  int axis_;
};

LayerHandle<ConcatenateLayer> Concatenate(ConcatenateOptions options = {});

}  // namespace strata::layers
