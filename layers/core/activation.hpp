#pragma once
// Activation: applies a named activation function.
#include <string>

#include "strata/layers/activations.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ActivationOptions {
  std::string name;
};

class ActivationLayer : public Layer {
 public:
  explicit ActivationLayer(const std::string& activation, ActivationOptions options = {})
      : Layer(options.name), activation_(activations::get(activation)) {}
  Tensor call(const Tensor& inputs) override { return activation_(inputs); }
  Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
  Config get_config() const override;
  std::string class_name() const override { return "Activation"; }
  bool supports_masking() const override { return true; }  // passes a mask on, as Keras

 private:
  activations::Activation activation_;
};

LayerHandle<ActivationLayer> Activation(const std::string& activation, ActivationOptions options = {});

}  // namespace strata::layers
