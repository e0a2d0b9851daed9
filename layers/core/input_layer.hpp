#pragma once
// Input / InputLayer: where a model's data comes in. Input() returns a symbolic tensor (a shape
// with None for the batch, no values) that starts a Sequential or Functional model.
#include <optional>
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct InputOptions {
  std::string name;
  DType dtype = float32;
  std::optional<std::int64_t> batch_size;
};

class InputLayer : public Layer {
 public:
  // `shape` excludes the batch axis, as keras.Input.
  InputLayer(const Shape& shape, InputOptions options = {});
  Tensor call(const Tensor& inputs) override { return inputs; }
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "InputLayer"; }
  // The full shape, batch axis first (-1 when the batch size is free).
  const Shape& batch_shape() const { return batch_shape_; }

 private:
  Shape batch_shape_;
};

// keras.Input: a symbolic tensor of shape (None, *shape).
Tensor Input(const Shape& shape, InputOptions options = {});
// The InputLayer a symbolic tensor comes from directly (nullptr for other tensors).
std::shared_ptr<InputLayer> input_layer_of(const Tensor& tensor);

}  // namespace strata::layers
