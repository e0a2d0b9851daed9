#pragma once
// Lion (Chen et al., 2023), as keras.optimizers.Lion:
//   w -= lr * sign(beta_1 * m + (1 - beta_1) * g);   m = beta_2 * m + (1 - beta_2) * g
// (PyTorch 1.13 has no Lion.)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct LionOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;  // in (0, 1]
  double beta_2 = 0.99;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "lion";
};

class LionOptimizer : public Optimizer {
 public:
  explicit LionOptimizer(LionOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Lion"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const LionOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  LionOptions options_;
};

std::shared_ptr<Optimizer> Lion(LionOptions options = {});
std::shared_ptr<Optimizer> Lion(LearningRate learning_rate);

}  // namespace strata::optimizers
