#include "strata/optimizers/adamw.hpp"

#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers {

namespace {
AdamOptions to_adam_options(AdamWOptions o) {
  if (!o.weight_decay) throw ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None");
  return {.learning_rate = std::move(o.learning_rate),
          .beta_1 = o.beta_1,
          .beta_2 = o.beta_2,
          .epsilon = o.epsilon,
          .amsgrad = o.amsgrad,
          .weight_decay = o.weight_decay,
          .clipnorm = o.clipnorm,
          .clipvalue = o.clipvalue,
          .global_clipnorm = o.global_clipnorm,
          .name = std::move(o.name)};
}
}  // namespace

AdamWOptimizer::AdamWOptimizer(AdamWOptions options) : AdamOptimizer(to_adam_options(std::move(options))) {}

std::shared_ptr<Optimizer> AdamWOptimizer::from_config(const Config& config) {
  return detail::from_config_fields<AdamWOptimizer>(config, "AdamW", detail::adam_fields<AdamWOptions>());
}

std::shared_ptr<Optimizer> AdamW(AdamWOptions options) { return std::make_shared<AdamWOptimizer>(std::move(options)); }
std::shared_ptr<Optimizer> AdamW(LearningRate learning_rate) {
  return std::make_shared<AdamWOptimizer>(AdamWOptions{.learning_rate = std::move(learning_rate)});
}

}  // namespace strata::optimizers
