#pragma once
// Lambda: wraps a C++ callable as a layer. Its output shape is `output_shape` (without the batch
// axis) when given, else found by calling the function. A C++ function cannot be written into a
// model file, so get_config() (and thus saving a model that holds a Lambda) raises ValueError.
#include <functional>
#include <optional>
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

using LambdaFunction = std::function<Tensor(const Tensor&)>;

struct LambdaOptions {
  std::optional<Shape> output_shape;  // without the batch axis
  std::string name;
  DType dtype = float32;
};

class LambdaLayer : public Layer {
 public:
  explicit LambdaLayer(LambdaFunction function, LambdaOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;  // throws ValueError
  std::string class_name() const override { return "Lambda"; }

 private:
  LambdaFunction function_;
  LambdaOptions options_;
};

LayerHandle<LambdaLayer> Lambda(LambdaFunction function, LambdaOptions options = {});

}  // namespace strata::layers
