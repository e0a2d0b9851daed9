#pragma once
// RMSprop, as keras.optimizers.RMSprop (epsilon inside the square root, unlike PyTorch):
//   velocity = rho * velocity + (1 - rho) * g^2
//   centered: average_gradient = rho * average_gradient + (1 - rho) * g;
//             denominator = velocity - average_gradient^2 + epsilon   (else velocity + epsilon)
//   increment = lr * g / sqrt(denominator)
//   momentum > 0: momentum_slot = momentum * momentum_slot + increment; w -= momentum_slot
//   else:         w -= increment
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct RMSpropOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "rmsprop";
};

class RMSpropOptimizer : public Optimizer {
 public:
  explicit RMSpropOptimizer(RMSpropOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "RMSprop"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const RMSpropOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  RMSpropOptions options_;
  // The version of Keras the optimizer was read from when that version divides by sqrt(v) + epsilon
  // (multi-backend Keras, tf.keras's OptimizerV2 without momentum); empty: by sqrt(v + epsilon).
  std::string epsilon_outside_version_;
};

std::shared_ptr<Optimizer> RMSprop(RMSpropOptions options = {});
std::shared_ptr<Optimizer> RMSprop(LearningRate learning_rate);

}  // namespace strata::optimizers
