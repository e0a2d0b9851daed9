#include "strata/optimizers/adamax.hpp"

#include <cmath>

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

AdamaxOptimizer::AdamaxOptimizer(AdamaxOptions options)
    : Optimizer(common_options(options)), options_(std::move(options)) {}

void AdamaxOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& m = add_slot(variable, "momentum");
  Variable& u = add_slot(variable, "norm");
  const double t = static_cast<double>(current_iteration() + 1);
  m.assign_add((grad - m) * (1 - o.beta_1));
  u.assign(maximum(u * o.beta_2, abs(grad)));
  variable.assign_sub(m * (learning_rate / (1 - std::pow(o.beta_1, t))) / (u + o.epsilon));
}

Config AdamaxOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), detail::beta_epsilon_fields<AdamaxOptions>(), options_);
}

std::shared_ptr<Optimizer> AdamaxOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<AdamaxOptimizer>(config, "Adamax",
                                                    detail::beta_epsilon_fields<AdamaxOptions>());
}

std::shared_ptr<Optimizer> Adamax(AdamaxOptions options) { return std::make_shared<AdamaxOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> Adamax(LearningRate learning_rate) {
  return std::make_shared<AdamaxOptimizer>(AdamaxOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
