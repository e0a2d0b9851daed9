#include "strata/optimizers/rmsprop.hpp"

#include "strata/framework/ops/math.hpp"
#include "strata/layers/keras_version.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<RMSpropOptions>& rmsprop_fields() {
  using O = RMSpropOptions;
  static const detail::OptionFields<O> fields = {
      field("rho", &O::rho),
      field("momentum", &O::momentum),
      field("epsilon", &O::epsilon),
      field("centered", &O::centered)};
  return fields;
}
}  // namespace

RMSpropOptimizer::RMSpropOptimizer(RMSpropOptions options)
    : Optimizer(common_options(options)), options_(std::move(options)) {
  // tf.keras's OptimizerV2 with momentum ran TensorFlow's fused ApplyRMSProp: sqrt(v + epsilon).
  if (keras_version::epsilon_outside_sqrt(keras_version::current()) && options_.momentum == 0)
    epsilon_outside_version_ = keras_version::current().text;
}

void RMSpropOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& velocity = add_slot(variable, "velocity");
  velocity.assign(velocity * o.rho + square(grad) * (1 - o.rho));
  Tensor denominator;
  if (o.centered) {
    Variable& average_grad = add_slot(variable, "average_gradient");
    average_grad.assign(average_grad * o.rho + grad * (1 - o.rho));
    denominator = velocity - square(average_grad);
  } else {
    denominator = velocity;
  }
  const Tensor increment = epsilon_outside_version_.empty()
                               ? grad * learning_rate / strata::sqrt(denominator + o.epsilon)
                               : grad * learning_rate / (strata::sqrt(denominator) + o.epsilon);
  if (o.momentum > 0) {
    Variable& momentum = add_slot(variable, "momentum");
    momentum.assign(momentum * o.momentum + increment);
    variable.assign_sub(momentum);
  } else {
    variable.assign_sub(increment);
  }
}

Config RMSpropOptimizer::get_config() const {
  if (options_.momentum == 0)
    keras_version::note("RMSprop epsilon", keras_version::epsilon_outside_sqrt, !epsilon_outside_version_.empty(),
                        epsilon_outside_version_);
  return detail::with_fields(Optimizer::get_config(), rmsprop_fields(), options_);
}

std::shared_ptr<Optimizer> RMSpropOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<RMSpropOptimizer>(config, "RMSprop", rmsprop_fields());
}

std::shared_ptr<Optimizer> RMSprop(RMSpropOptions options) {
  return std::make_shared<RMSpropOptimizer>(std::move(options));
}
std::shared_ptr<Optimizer> RMSprop(LearningRate learning_rate) {
  return std::make_shared<RMSpropOptimizer>(RMSpropOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
