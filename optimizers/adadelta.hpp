#pragma once
// Adadelta, as keras.optimizers.Adadelta (the same rule as PyTorch's):
//   accumulated_grad = rho * accumulated_grad + (1 - rho) * g^2
//   delta = -sqrt(accumulated_delta_var + epsilon) / sqrt(accumulated_grad + epsilon) * g
//   accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta^2
//   w += lr * delta
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct AdadeltaOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.95;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "adadelta";
};

class AdadeltaOptimizer : public Optimizer {
 public:
  explicit AdadeltaOptimizer(AdadeltaOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Adadelta"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const AdadeltaOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  AdadeltaOptions options_;
};

std::shared_ptr<Optimizer> Adadelta(AdadeltaOptions options = {});
std::shared_ptr<Optimizer> Adadelta(LearningRate learning_rate);

}  // namespace strata::optimizers
