#pragma once
// Activation functions, with Keras's definitions and defaults. softmax and log_softmax are stable
// for large inputs.
#include "strata/framework/tensor.hpp"

namespace strata {

Tensor relu(const Tensor& x);
Tensor relu6(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.2);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
// exact: x * Phi(x); approximate: the tanh formula.
Tensor gelu(const Tensor& x, bool approximate = false);
Tensor sigmoid(const Tensor& x);
// Keras 3: relu6(x + 3) / 6.
Tensor hard_sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softplus(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor swish(const Tensor& x);
inline Tensor silu(const Tensor& x) { return swish(x); }
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

}  // namespace strata
