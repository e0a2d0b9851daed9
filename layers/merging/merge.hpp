#pragma once
// The elementwise merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum. Several tensors
// in (Subtract: exactly two), one out; shapes must be equal or broadcastable after the batch axis, as
// Keras. Concatenate and Dot are in their own files.
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct MergeOptions {
  std::string name;
  DType dtype = float32;
};

enum class MergeMode { add, subtract, multiply, average, maximum, minimum };

class MergeLayer : public Layer {
 public:
  explicit MergeLayer(MergeMode mode, MergeOptions options = {});
  void build(const std::vector<Shape>& input_shapes) override;
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  std::string class_name() const override;
  using Layer::build;
  using Layer::call;

  MergeMode mode() const { return mode_; }

 private:
  MergeMode mode_;
};

LayerHandle<MergeLayer> Add(MergeOptions options = {});
LayerHandle<MergeLayer> Subtract(MergeOptions options = {});
LayerHandle<MergeLayer> Multiply(MergeOptions options = {});
LayerHandle<MergeLayer> Average(MergeOptions options = {});
LayerHandle<MergeLayer> Maximum(MergeOptions options = {});
LayerHandle<MergeLayer> Minimum(MergeOptions options = {});

// The shape two or more inputs broadcast to (batch axis included), or ShapeError naming the layer
// and every input shape. Shared by the merge layers.
Shape merge_shapes(const Layer& layer, const std::vector<Shape>& input_shapes);

}  // namespace strata::layers
