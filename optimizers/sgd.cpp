#include "strata/optimizers/sgd.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

SGDOptimizer::SGDOptimizer(SGDOptions options) : Optimizer(common_options(options)), options_(std::move(options)) {
  if (options_.momentum < 0 || options_.momentum > 1)
    throw ValueError("`momentum` must be a float between [0, 1]. Received: momentum=" +
                     std::to_string(options_.momentum));
}

void SGDOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const double momentum = options_.momentum;
  if (momentum == 0) {
    variable.assign_sub(grad * learning_rate);
    return;
  }
  Variable& m = add_slot(variable, "momentum");
  const Tensor scaled_grad = grad * learning_rate;
  m.assign(m * momentum - scaled_grad);
  if (options_.nesterov)
    variable.assign_add(m * momentum - scaled_grad);
  else
    variable.assign_add(m);
}

Config SGDOptimizer::get_config() const {
  Config config = Optimizer::get_config();
  config["momentum"] = options_.momentum;
  config["nesterov"] = options_.nesterov;
  return config;
}

std::shared_ptr<Optimizer> SGDOptimizer::from_config(const Config& config) {
  detail::ConfigReader in(config, "SGD");
  SGDOptions o;
  in.common(o);
  o.momentum = in.number("momentum", o.momentum);
  o.nesterov = in.boolean("nesterov", o.nesterov);
  in.finish();
  return std::make_shared<SGDOptimizer>(o);
}

std::shared_ptr<Optimizer> SGD(SGDOptions options) { return std::make_shared<SGDOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> SGD(LearningRate learning_rate) {
  return std::make_shared<SGDOptimizer>(SGDOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
