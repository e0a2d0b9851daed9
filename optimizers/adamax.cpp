#include "strata/optimizers/adamax.hpp"

#include <cmath>

#include "strata/framework/ops/math.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
using detail::field;

// The options beyond the common ones, read by from_config and written by get_config.
const detail::OptionFields<AdamaxOptions>& adamax_fields() {
  using O = AdamaxOptions;
  static const detail::OptionFields<O> fields = {
      field("beta_1", &O::beta_1),
      field("beta_2", &O::beta_2),
      field("epsilon", &O::epsilon)};
  return fields;
}
}  // namespace

AdamaxOptimizer::AdamaxOptimizer(AdamaxOptions options)
    : Optimizer(common_options(options)), options_(std::move(options)) {}

void AdamaxOptimizer::update_step(const Tensor& grad, Variable& variable, double learning_rate) {
  const auto& o = options_;
  Variable& m = add_slot(variable, "momentum");
  Variable& u = add_slot(variable, "norm");
  const double t = static_cast<double>(current_iteration() + 1);
  m.assign_add((grad - m) * (1 - o.beta_1));
  u.assign(maximum(u * o.beta_2, abs(grad)));
  variable.assign_sub(m * (learning_rate / (1 - std::pow(o.beta_1, t))) / (u + o.epsilon));
}

Config AdamaxOptimizer::get_config() const {
  return detail::with_fields(Optimizer::get_config(), adamax_fields(), options_);
}

std::shared_ptr<Optimizer> AdamaxOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<AdamaxOptimizer>(config, "Adamax", adamax_fields());
}

std::shared_ptr<Optimizer> Adamax(AdamaxOptions options) { return std::make_shared<AdamaxOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> Adamax(LearningRate learning_rate) {
  return std::make_shared<AdamaxOptimizer>(AdamaxOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
