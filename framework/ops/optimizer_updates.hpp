#pragma once
// Fused optimizer updates: one backend kernel updates a variable and its slots in place, instead of
// a dozen elementwise ops each allocating a temporary. Never recorded on a tape.
#include "strata/framework/tensor.hpp"
#include "strata/framework/variable.hpp"

namespace strata {

struct AdamStep {
  double alpha;  // learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)
  double beta_1, beta_2, epsilon;
};

// Keras's Adam step on `variable` with gradient `grad` and slots m, v (and v_max for amsgrad, else
// null). All of the same shape, dtype (float32 or float64) and device.
void adam_update(Variable& variable, const Tensor& grad, Variable& m, Variable& v, Variable* v_max,
                 const AdamStep& step);

}  // namespace strata
