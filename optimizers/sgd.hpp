#pragma once
// Gradient descent with momentum, as keras.optimizers.SGD:
//   momentum == 0:   w -= learning_rate * g
//   momentum  > 0:   velocity = momentum * velocity - learning_rate * g;  w += velocity
//   nesterov:        w += momentum * velocity - learning_rate * g   (after the velocity update)
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers {

struct SGDOptions {
  LearningRate learning_rate = 0.01;
  double momentum = 0.0;  // in [0, 1]
  bool nesterov = false;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "SGD";
};

class SGDOptimizer : public Optimizer {
 public:
  explicit SGDOptimizer(SGDOptions options = {});
  Config get_config() const override;
  std::string class_name() const override { return "SGD"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
  // The constructor's options (the live learning rate is learning_rate()).
  const SGDOptions& options() const { return options_; }

 protected:
  void update_step(const Tensor& grad, Variable& variable, double learning_rate) override;

 private:
  SGDOptions options_;
};

std::shared_ptr<Optimizer> SGD(SGDOptions options = {});
std::shared_ptr<Optimizer> SGD(LearningRate learning_rate);

}  // namespace strata::optimizers
