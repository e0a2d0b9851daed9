#include "strata/optimizers/nadam.hpp"

#include <cmath>

#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

NadamOptimizer::NadamOptimizer(NadamOptions options) : Optimizer(common_options(options)), options_(std::move(options)) {}

void NadamOptimizer::before_update_steps(const std::vector<Variable>& variables, double learning_rate) {
  // Keras's variable order: the slots of every variable, then u_product (in the first variable's dtype).
  for (const auto& v : variables) {
    add_slot(v, "momentum");
    add_slot(v, "velocity");
  }
  Variable& u_product = add_variable("u_product", scalar(1.0, variables.front().dtype(), variables.front().device()));
  const double t = static_cast<double>(current_iteration() + 1);
  const double previous = u_product.item<double>();
  u_product.assign(scalar(previous * options_.beta_1 * (1.0 - 0.5 * std::pow(0.96, t)), u_product.dtype(),
                          u_product.device()));
  u_product_ = u_product.item<double>();
}

void NadamOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& m = add_slot(variable, "momentum");
  Variable& v = add_slot(variable, "velocity");
  const double t = static_cast<double>(current_iteration() + 1);
  const double u_t = o.beta_1 * (1.0 - 0.5 * std::pow(0.96, t));
  const double u_t_1 = o.beta_1 * (1.0 - 0.5 * std::pow(0.96, t + 1));
  const double u_product_t_1 = u_product_ * u_t_1;
  const double beta_2_power = std::pow(o.beta_2, t);

  m.assign_add((grad - m) * (1 - o.beta_1));
  v.assign_add((square(grad) - v) * (1 - o.beta_2));
  const Tensor m_hat = m * (u_t_1 / (1 - u_product_t_1)) + grad * ((1 - u_t) / (1 - u_product_));
  const Tensor v_hat = v * (1 / (1 - beta_2_power));
  variable.assign_sub(m_hat * learning_rate / (strata::sqrt(v_hat) + o.epsilon));
}

Config NadamOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), detail::beta_epsilon_fields<NadamOptions>(), options_);
}

std::shared_ptr<Optimizer> NadamOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<NadamOptimizer>(config, "Nadam",
                                                    detail::beta_epsilon_fields<NadamOptions>());
}

std::shared_ptr<Optimizer> Nadam(NadamOptions options) { return std::make_shared<NadamOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> Nadam(LearningRate learning_rate) {
  return std::make_shared<NadamOptimizer>(NadamOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
