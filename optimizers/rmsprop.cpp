#include "strata/optimizers/rmsprop.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

RMSpropOptimizer::RMSpropOptimizer(RMSpropOptions options)
    : Optimizer(common_options(options)), options_(std::move(options)) {}

void RMSpropOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& velocity = add_slot(variable, "velocity");
  velocity.assign(velocity * o.rho + square(grad) * (1 - o.rho));
  Tensor denominator;
  if (o.centered) {
    Variable& average_grad = add_slot(variable, "average_gradient");
    average_grad.assign(average_grad * o.rho + grad * (1 - o.rho));
    denominator = velocity - square(average_grad) + o.epsilon;
  } else {
    denominator = velocity + o.epsilon;
  }
  const Tensor increment = grad * learning_rate / strata::sqrt(denominator);
  if (o.momentum > 0) {
    Variable& momentum = add_slot(variable, "momentum");
    momentum.assign(momentum * o.momentum + increment);
    variable.assign_sub(momentum);
  } else {
    variable.assign_sub(increment);
  }
}

Config RMSpropOptimizer::get_config() const {
  Config config = Optimizer::get_config();
  config["rho"] = options_.rho;
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["centered"] = options_.centered;
  return config;
}

std::shared_ptr<Optimizer> RMSpropOptimizer::from_config(const Config& config) {
  detail::ConfigReader in(config, "RMSprop");
  RMSpropOptions o;
  in.common(o);
  o.rho = in.number("rho", o.rho);
  o.momentum = in.number("momentum", o.momentum);
  o.epsilon = in.number("epsilon", o.epsilon);
  o.centered = in.boolean("centered", o.centered);
  in.finish();
  return std::make_shared<RMSpropOptimizer>(o);
}

std::shared_ptr<Optimizer> RMSprop(RMSpropOptions options) {
  return std::make_shared<RMSpropOptimizer>(std::move(options));
}
std::shared_ptr<Optimizer> RMSprop(LearningRate learning_rate) {
  return std::make_shared<RMSpropOptimizer>(RMSpropOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
