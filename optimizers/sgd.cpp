#include "strata/optimizers/sgd.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<SGDOptions>& sgd_fields() {
  using O = SGDOptions;
  static const detail::OptionFields<O> fields = {
      field("momentum", &O::momentum),
      field("nesterov", &O::nesterov)};
  return fields;
}
}  // namespace

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
  return detail::with_fields(Optimizer::get_config(), sgd_fields(), options_);
}

std::shared_ptr<Optimizer> SGDOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<SGDOptimizer>(config, "SGD", sgd_fields());
}

std::shared_ptr<Optimizer> SGD(SGDOptions options) { return std::make_shared<SGDOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> SGD(LearningRate learning_rate) {
  return std::make_shared<SGDOptimizer>(SGDOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
