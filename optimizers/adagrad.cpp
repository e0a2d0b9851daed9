#include "strata/optimizers/adagrad.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<AdagradOptions>& adagrad_fields() {
  using O = AdagradOptions;
  static const detail::OptionFields<O> fields = {
      field("initial_accumulator_value", &O::initial_accumulator_value),
      field("epsilon", &O::epsilon)};
  return fields;
}
}  // namespace

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
  return detail::with_fields(Optimizer::get_config(), adagrad_fields(), options_);
}

std::shared_ptr<Optimizer> AdagradOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<AdagradOptimizer>(config, "Adagrad", adagrad_fields());
}

std::shared_ptr<Optimizer> Adagrad(AdagradOptions options) {
  return std::make_shared<AdagradOptimizer>(std::move(options));
}
std::shared_ptr<Optimizer> Adagrad(LearningRate learning_rate) {
  return std::make_shared<AdagradOptimizer>(AdagradOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
