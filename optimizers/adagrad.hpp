#pragma once
// Adagrad, as keras.optimizers.Adagrad (epsilon inside the square root, unlike PyTorch):
//   accumulator += g^2   (starting at initial_accumulator_value)
//   w -= lr * g / sqrt(accumulator + epsilon)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct AdagradOptions {
  LearningRate learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "adagrad";
};

class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(AdagradOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "Adagrad"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const AdagradOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  AdagradOptions options_;
  // The version of Keras the optimizer was read from when that version divides by sqrt(a) + epsilon
  // (multi-backend Keras, tf.keras's OptimizerV2); empty: by sqrt(a + epsilon).
  std::string epsilon_outside_version_;
};

std::shared_ptr<Optimizer> Adagrad(AdagradOptions options = {});
std::shared_ptr<Optimizer> Adagrad(LearningRate learning_rate);

}  // namespace strata::optimizers
