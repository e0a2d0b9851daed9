#pragma once
// Adam, as keras.optimizers.Adam (Keras 3's formula, epsilon outside the square root):
//   m = m + (g - m) * (1 - beta_1);   v = v + (g^2 - v) * (1 - beta_2)
//   v_hat = max(v_hat, v) with amsgrad (else v_hat = v)
//   w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v_hat) + epsilon)
// (PyTorch adds epsilon to sqrt(v_hat / (1 - beta_2^t)) instead: the two agree when epsilon = 0.)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct AdamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "adam";
};

class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(AdamOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Adam"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const AdamOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  AdamOptions options_;
};

std::shared_ptr<Optimizer> Adam(AdamOptions options = {});
std::shared_ptr<Optimizer> Adam(LearningRate learning_rate);

}  // namespace strata::optimizers
