#pragma once
// Softmax layer: softmax along `axis` (the last by default).
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct SoftmaxOptions {
  int axis = -1;
  std::string name;
  DType dtype = float32;
};

class SoftmaxLayer : public Layer {
 public:
  explicit SoftmaxLayer(SoftmaxOptions options = {})
      : Layer(options.name, options.dtype), options_(std::move(options)) {}
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "Softmax"; }

 private:
  SoftmaxOptions options_;
};

LayerHandle<SoftmaxLayer> Softmax(SoftmaxOptions options = {});

}  // namespace strata::layers
