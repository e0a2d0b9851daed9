#pragma once
// Activation functions by name, as keras.activations.get: "relu", "softmax", ... or "linear".
#include <functional>
#include <string>

#include "strata/framework/tensor.hpp"
#include "strata/layers/keras_version.hpp"

namespace strata::activations {

using ActivationFn = std::function<Tensor(const Tensor&)>;

// A named activation: the function and the Keras name it serializes to.
struct Activation {
  std::string name = "linear";
  ActivationFn fn;  // empty for linear
  // Where the name's meaning changed between Keras versions (hard_sigmoid before Keras 3): the
  // version whose formula fn follows; empty: Keras 3's.
  std::string keras_version;
  Tensor operator()(const Tensor& x) const { return fn ? fn(x) : x; }
  bool is_linear() const { return !fn; }
};

// Keras names: linear, relu, relu6, leaky_relu, elu, selu, celu, gelu, glu, sigmoid,
// hard_sigmoid, sparse_sigmoid, log_sigmoid, tanh, hard_tanh, tanh_shrink, hard_shrink,
// soft_shrink, softplus, sparse_plus, squareplus, softsign, swish, silu, hard_silu, hard_swish,
// mish, softmax, log_softmax, sparsemax, exponential (every one of keras.activations.get but
// threshold, which needs arguments a name cannot give). Unknown names raise ValueError listing the
// known ones. The meaning follows keras_version::current(): a config written by Keras 1/2 gets
// their hard_sigmoid.
Activation get(const std::string& name);
// The same under an explicit version.
Activation get(const std::string& name, const keras_version::Version& version);

// The name a layer's get_config writes; notes the version its meaning needs (see keras_version.hpp).
std::string serialize(const Activation& activation);

}  // namespace strata::activations
