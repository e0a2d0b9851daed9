#include "strata/optimizers/ftrl.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<FtrlOptions>& ftrl_fields() {
  using O = FtrlOptions;
  static const detail::OptionFields<O> fields = {
      field("learning_rate_power", &O::learning_rate_power),
      field("initial_accumulator_value", &O::initial_accumulator_value),
      field("l1_regularization_strength", &O::l1_regularization_strength),
      field("l2_regularization_strength", &O::l2_regularization_strength),
      field("l2_shrinkage_regularization_strength", &O::l2_shrinkage_regularization_strength),
      field("beta", &O::beta)};
  return fields;
}

void check_non_negative(double value, const char* argument) {
  if (value < 0)
    throw ValueError(std::string("`") + argument + "` needs to be positive or zero. Received: " + argument + "=" +
                     std::to_string(value) + ".");
}
}  // namespace

FtrlOptimizer::FtrlOptimizer(FtrlOptions options) : Optimizer(common_options(options)), options_(std::move(options)) {
  check_non_negative(options_.initial_accumulator_value, "initial_accumulator_value");
  if (options_.learning_rate_power > 0)
    throw ValueError("`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=" +
                     std::to_string(options_.learning_rate_power) + ".");
  check_non_negative(options_.l1_regularization_strength, "l1_regularization_strength");
  check_non_negative(options_.l2_regularization_strength, "l2_regularization_strength");
  check_non_negative(options_.l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength");
}

void FtrlOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& accumulator = add_slot(variable, "accumulator", o.initial_accumulator_value);
  Variable& linear = add_slot(variable, "linear");
  const double l2_reg = o.l2_regularization_strength + o.beta / (2.0 * learning_rate);
  // n^-lr_power, as a square root for the default lr_power = -0.5.
  auto power = [&](const Tensor& n) {
    return o.learning_rate_power == -0.5 ? strata::sqrt(n) : pow(n, -o.learning_rate_power);
  };

  const Tensor grad_to_use =
      o.l2_shrinkage_regularization_strength != 0 ? grad + variable * (2 * o.l2_shrinkage_regularization_strength) : grad;
  const Tensor new_accumulator = accumulator + square(grad);
  const Tensor new_power = power(new_accumulator);
  linear.assign_add(grad_to_use - (new_power - power(accumulator)) / learning_rate * variable);
  const Tensor quadratic = new_power / learning_rate + 2 * l2_reg;
  const double l1 = o.l1_regularization_strength;
  variable.assign((clip(linear, -l1, l1) - linear) / quadratic);
  accumulator.assign(new_accumulator);
}

Config FtrlOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), ftrl_fields(), options_);
}

std::shared_ptr<Optimizer> FtrlOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<FtrlOptimizer>(config, "Ftrl", ftrl_fields());
}

std::shared_ptr<Optimizer> Ftrl(FtrlOptions options) { return std::make_shared<FtrlOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> Ftrl(LearningRate learning_rate) {
  return std::make_shared<FtrlOptimizer>(FtrlOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
