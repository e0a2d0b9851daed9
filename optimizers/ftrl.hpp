#pragma once
// FTRL-Proximal (McMahan et al., 2013), as keras.optimizers.Ftrl:
//   g' = g + 2 * l2_shrinkage_regularization_strength * w
//   n_new = n + g^2
//   linear += g' - (n_new^-lr_power - n^-lr_power) / lr * w
//   quadratic = n_new^-lr_power / lr + 2 * (l2_regularization_strength + beta / (2 lr))
//   w = (clip(linear, -l1, l1) - linear) / quadratic;   n = n_new
// (PyTorch has no FTRL.)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct FtrlOptions {
  LearningRate learning_rate = 0.001;
  double learning_rate_power = -0.5;  // <= 0
  double initial_accumulator_value = 0.1;
  double l1_regularization_strength = 0.0;
  double l2_regularization_strength = 0.0;
  double l2_shrinkage_regularization_strength = 0.0;
  double beta = 0.0;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "ftrl";
};

class FtrlOptimizer : public Optimizer {
 public:
  explicit FtrlOptimizer(FtrlOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Ftrl"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const FtrlOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  FtrlOptions options_;
};

std::shared_ptr<Optimizer> Ftrl(FtrlOptions options = {});
std::shared_ptr<Optimizer> Ftrl(LearningRate learning_rate);

}  // namespace strata::optimizers
