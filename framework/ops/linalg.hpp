#pragma once
#include "strata/framework/tensor.hpp"

namespace strata {

struct MatmulOptions {
  bool transpose_a = false;
  bool transpose_b = false;
};

// Matrix product of the last two axes; leading (batch) axes broadcast. A rank-1 operand is a row
// (first) or column (second) vector, as numpy.matmul.
Tensor matmul(const Tensor& a, const Tensor& b, const MatmulOptions& options = {});

// A Dense layer's forward in one kernel: relu?(x @ kernel + bias) for x of shape (..., k), kernel
// (k, n) and bias (n,) or undefined. Equal to the unfused ops, gradient included.
Tensor dense_forward(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool relu);

}  // namespace strata
