#pragma once
// Hinge losses, as keras.losses: Hinge, SquaredHinge, CategoricalHinge. For Hinge and SquaredHinge
// y_true is -1 or 1; labels that are all 0 or 1 are converted to -1 / 1 first (as Keras does).
#include <memory>

#include "strata/losses/loss.hpp"

namespace strata::losses {

// mean(maximum(1 - y_true * y_pred, 0), -1)
Tensor hinge(const Tensor& y_true, const Tensor& y_pred);
// mean(square(maximum(1 - y_true * y_pred, 0)), -1)
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred);
// maximum(max((1 - y_true) * y_pred, -1) - sum(y_true * y_pred, -1) + 1, 0)
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred);

std::shared_ptr<Loss> Hinge(const LossOptions& options = {});
std::shared_ptr<Loss> SquaredHinge(const LossOptions& options = {});
std::shared_ptr<Loss> CategoricalHinge(const LossOptions& options = {});

}  // namespace strata::losses
