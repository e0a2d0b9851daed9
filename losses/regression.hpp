#pragma once
// Regression losses, as keras.losses: MeanSquaredError ("mse"), MeanAbsoluteError ("mae"),
// MeanAbsolutePercentageError ("mape"), MeanSquaredLogarithmicError ("msle"), Huber, LogCosh,
// CosineSimilarity. Each function returns per-sample values: the mean over the last axis.
// Factories return std::shared_ptr<Loss> (a LossFunctionWrapper), e.g.
//   auto loss = st::losses::Huber({.delta = 2.0, .reduction = st::losses::Reduction::sum});
#include <memory>
#include <string>

#include "strata/losses/loss.hpp"

namespace strata::losses {

struct HuberOptions {
  double delta = 1.0;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;  // "huber_loss"
};
struct CosineSimilarityOptions {
  int axis = -1;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;  // "cosine_similarity"
};

// mean(square(y_true - y_pred), axis=-1)
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
// mean(abs(y_true - y_pred), axis=-1)
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
// 100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), 1e-7)), axis=-1)
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred);
// mean(square(log(maximum(y_pred, 1e-7) + 1) - log(maximum(y_true, 1e-7) + 1)), axis=-1)
Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred);
// mean(0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2), e = y_pred - y_true
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta = 1.0);
// mean(log(cosh(y_pred - y_true))), computed as x + softplus(-2x) - log(2) (stable for large x)
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred);
// -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis); zero vectors give 0.
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis = -1);
// Keras's l2 normalization: x * minimum(rsqrt(sum(x^2, axis)), 1 / 1e-7).
Tensor l2_normalize(const Tensor& x, int axis = -1);

std::shared_ptr<Loss> MeanSquaredError(const LossOptions& options = {});
std::shared_ptr<Loss> MeanAbsoluteError(const LossOptions& options = {});
std::shared_ptr<Loss> MeanAbsolutePercentageError(const LossOptions& options = {});
std::shared_ptr<Loss> MeanSquaredLogarithmicError(const LossOptions& options = {});
std::shared_ptr<Loss> Huber(const HuberOptions& options = {});
std::shared_ptr<Loss> LogCosh(const LossOptions& options = {});
std::shared_ptr<Loss> CosineSimilarity(const CosineSimilarityOptions& options = {});

}  // namespace strata::losses
