#include "strata/optimizers/adagrad.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

AdagradOptimizer::AdagradOptimizer(AdagradOptions options)
    : Optimizer(common_options(options)), options_(std::move(options)) {
  if (options_.initial_accumulator_value < 0)
    throw ValueError("`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=" +
                     std::to_string(options_.initial_accumulator_value));
}

void AdagradOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  Variable& accumulator = add_slot(variable, "accumulator", options_.initial_accumulator_value);
  accumulator.assign_add(square(grad));
  variable.assign_sub(grad * learning_rate / strata::sqrt(accumulator + options_.epsilon));
}

Config AdagradOptimizer::get_config() const {
  Config config = Optimizer::get_config();
  config["initial_accumulator_value"] = options_.initial_accumulator_value;
  config["epsilon"] = options_.epsilon;
  return config;
}

std::shared_ptr<Optimizer> AdagradOptimizer::from_config(const Config& config) {
  detail::ConfigReader in(config, "Adagrad");
  AdagradOptions o;
  in.common(o);
  o.initial_accumulator_value = in.number("initial_accumulator_value", o.initial_accumulator_value);
  o.epsilon = in.number("epsilon", o.epsilon);
  in.finish();
  return std::make_shared<AdagradOptimizer>(o);
}

std::shared_ptr<Optimizer> Adagrad(AdagradOptions options) {
  return std::make_shared<AdagradOptimizer>(std::move(options));
}
std::shared_ptr<Optimizer> Adagrad(LearningRate learning_rate) {
  return std::make_shared<AdagradOptimizer>(AdagradOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
