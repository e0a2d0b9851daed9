#include "strata/optimizers/adadelta.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<AdadeltaOptions>& adadelta_fields() {
  using O = AdadeltaOptions;
  static const detail::OptionFields<O> fields = {
      field("rho", &O::rho),
      field("epsilon", &O::epsilon)};
  return fields;
}
}  // namespace

AdadeltaOptimizer::AdadeltaOptimizer(AdadeltaOptions options)
    : Optimizer(common_options(options)), options_(std::move(options)) {}

void AdadeltaOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const double rho = options_.rho, epsilon = options_.epsilon;
  Variable& accumulated_grad = add_slot(variable, "accumulated_grad");
  Variable& accumulated_delta_var = add_slot(variable, "accumulated_delta_var");
  accumulated_grad.assign(accumulated_grad * rho + square(grad) * (1 - rho));
  // delta is the negative of Keras's delta_var; only its square and its sign-flipped use follow.
  const Tensor delta = strata::sqrt(accumulated_delta_var + epsilon) * grad / strata::sqrt(accumulated_grad + epsilon);
  accumulated_delta_var.assign(accumulated_delta_var * rho + square(delta) * (1 - rho));
  variable.assign_sub(delta * learning_rate);
}

Config AdadeltaOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), adadelta_fields(), options_);
}

std::shared_ptr<Optimizer> AdadeltaOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<AdadeltaOptimizer>(config, "Adadelta", adadelta_fields());
}

std::shared_ptr<Optimizer> Adadelta(AdadeltaOptions options) {
  return std::make_shared<AdadeltaOptimizer>(std::move(options));
}
std::shared_ptr<Optimizer> Adadelta(LearningRate learning_rate) {
  return std::make_shared<AdadeltaOptimizer>(AdadeltaOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
