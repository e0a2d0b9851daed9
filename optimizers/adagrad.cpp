#include "strata/optimizers/adagrad.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/layers/keras_version.hpp"
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
  if (keras_version::epsilon_outside_sqrt(keras_version::current())) epsilon_outside_version_ = keras_version::current().text;
}

void AdagradOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  Variable& accumulator = add_slot(variable, "accumulator", options_.initial_accumulator_value);
  accumulator.assign_add(square(grad));
  if (epsilon_outside_version_.empty())
    variable.assign_sub(grad * learning_rate / strata::sqrt(accumulator + options_.epsilon));
  else
    variable.assign_sub(grad * learning_rate / (strata::sqrt(accumulator) + options_.epsilon));
}

Config AdagradOptimizer::get_config() const {
  keras_version::note("Adagrad epsilon", keras_version::epsilon_outside_sqrt, !epsilon_outside_version_.empty(),
                      epsilon_outside_version_);
  return detail::with_fields(Optimizer::get_config(), adagrad_fields(), options_);
}

std::shared_ptr<Optimizer> AdagradOptimizer::from_config(const Config& config) {
  // Keras 2's own Adagrad (multi-backend, tf.keras on TensorFlow 1) has no initial_accumulator_value:
  // its accumulators start at 0.
  if (config.is_object() && !config.contains("initial_accumulator_value") &&
      keras_version::adagrad_zero_accumulator(keras_version::current())) {
    Config zero = config;
    zero["initial_accumulator_value"] = 0.0;
    return detail::from_config_fields<AdagradOptimizer>(zero, "Adagrad", adagrad_fields());
  }
  return detail::from_config_fields<AdagradOptimizer>(config, "Adagrad", adagrad_fields());
}

std::shared_ptr<Optimizer> Adagrad(AdagradOptions options) {
  return std::make_shared<AdagradOptimizer>(std::move(options));
}
std::shared_ptr<Optimizer> Adagrad(LearningRate learning_rate) {
  return std::make_shared<AdagradOptimizer>(AdagradOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
