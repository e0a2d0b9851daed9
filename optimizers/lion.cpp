#include "strata/optimizers/lion.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<LionOptions>& lion_fields() {
  using O = LionOptions;
  static const detail::OptionFields<O> fields = {
      field("beta_1", &O::beta_1),
      field("beta_2", &O::beta_2)};
  return fields;
}
}  // namespace

LionOptimizer::LionOptimizer(LionOptions options) : Optimizer(common_options(options)), options_(std::move(options)) {
  if (options_.beta_1 <= 0 || options_.beta_1 > 1)
    throw ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. "
                     "Received: beta_1=" + std::to_string(options_.beta_1) + ".");
}

void LionOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& m = add_slot(variable, "momentum");
  variable.assign_sub(sign(m * o.beta_1 + grad * (1.0 - o.beta_1)) * learning_rate);
  m.assign(m * o.beta_2 + grad * (1.0 - o.beta_2));
}

Config LionOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), lion_fields(), options_);
}

std::shared_ptr<Optimizer> LionOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<LionOptimizer>(config, "Lion", lion_fields());
}

std::shared_ptr<Optimizer> Lion(LionOptions options) { return std::make_shared<LionOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> Lion(LearningRate learning_rate) {
  return std::make_shared<LionOptimizer>(LionOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
