#pragma once
// Activation functions by name, as keras.activations.get: "relu", "softmax", ... or "linear".
#include <functional>
#include <string>

#include "strata/framework/tensor.hpp"

namespace strata::activations {

using ActivationFn = std::function<Tensor(const Tensor&)>;

// A named activation: the function and the Keras name it serializes to.
struct Activation {
  std::string name = "linear";
  ActivationFn fn;  // empty for linear
  Tensor operator()(const Tensor& x) const { return fn ? fn(x) : x; }
  bool is_linear() const { return !fn; }
};

// Keras names: linear, relu, relu6, leaky_relu, elu, selu, gelu, sigmoid, hard_sigmoid, tanh,
// softplus, softsign, swish, silu, softmax, log_softmax, exponential. Unknown names raise
// ValueError listing the known ones.
Activation get(const std::string& name);

}  // namespace strata::activations
