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

}  // namespace strata
