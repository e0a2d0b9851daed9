#pragma once
// Adamax, as keras.optimizers.Adamax (epsilon added to u, not inside the max as in PyTorch):
//   m = m + (g - m) * (1 - beta_1);   u = max(beta_2 * u, |g|)
//   w -= lr / (1 - beta_1^t) * m / (u + epsilon)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct AdamaxOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "adamax";
};

class AdamaxOptimizer : public Optimizer {
 public:
  explicit AdamaxOptimizer(AdamaxOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Adamax"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const AdamaxOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  AdamaxOptions options_;
};

std::shared_ptr<Optimizer> Adamax(AdamaxOptions options = {});
std::shared_ptr<Optimizer> Adamax(LearningRate learning_rate);

}  // namespace strata::optimizers
