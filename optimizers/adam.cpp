#include "strata/optimizers/adam.hpp"

#include <cmath>

#include "strata/framework/ops/optimizer_updates.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

AdamOptimizer::AdamOptimizer(AdamOptions options) : Optimizer(common_options(options)), options_(std::move(options)) {}

void AdamOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& m = add_slot(variable, "momentum");
  Variable& v = add_slot(variable, "velocity");
  Variable* v_max = o.amsgrad ? &add_slot(variable, "velocity_hat") : nullptr;
  const double t = static_cast<double>(current_iteration() + 1);
  const double alpha = learning_rate * std::sqrt(1 - std::pow(o.beta_2, t)) / (1 - std::pow(o.beta_1, t));
  // One fused kernel (backend adam_update) computes Keras's
  //   m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2);  v_hat = amsgrad ? max(v_max, v) : v
  //   variable -= m * alpha / (sqrt(v_hat) + epsilon)
  adam_update(variable, grad, m, v, v_max, {alpha, o.beta_1, o.beta_2, o.epsilon});
}

Config AdamOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), detail::adam_fields<AdamOptions>(), options_);
}

std::shared_ptr<Optimizer> AdamOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<AdamOptimizer>(config, "Adam", detail::adam_fields<AdamOptions>());
}

std::shared_ptr<Optimizer> Adam(AdamOptions options) { return std::make_shared<AdamOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> Adam(LearningRate learning_rate) {
  return std::make_shared<AdamOptimizer>(AdamOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
