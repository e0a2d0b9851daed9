#pragma once
// Nadam (Adam with Nesterov momentum, Dozat 2015), as keras.optimizers.Nadam:
//   u_t = beta_1 * (1 - 0.5 * 0.96^t);  u_product *= u_t  (once per step, for all variables)
//   m = m + (g - m) * (1 - beta_1);     v = v + (g^2 - v) * (1 - beta_2)
//   m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
//   w -= lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)
// (PyTorch's NAdam with momentum_decay = 1 is the same rule.)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct NadamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "nadam";
};

class NadamOptimizer : public Optimizer {
 public:
  explicit NadamOptimizer(NadamOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Nadam"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const NadamOptions& options() const { return options_; }

 protected:
  void before_update_steps(const std::vector<Variable>& variables, double learning_rate) override;
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  NadamOptions options_;
  double u_product_ = 1.0;  // this step's value of the "u_product" variable
};

std::shared_ptr<Optimizer> Nadam(NadamOptions options = {});
std::shared_ptr<Optimizer> Nadam(LearningRate learning_rate);

}  // namespace strata::optimizers
