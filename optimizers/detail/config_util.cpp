#include "strata/optimizers/detail/config_util.hpp"

#include "strata/optimizers/schedules.hpp"

namespace strata::optimizers::detail {

LearningRate ConfigReader::learning_rate(const LearningRate& fallback) const {
  const Config* v = find("learning_rate");
  if (!v) return fallback;
  if (v->is_number()) return LearningRate(v->get<double>());
  if (v->is_object()) return LearningRate(schedules::deserialize(*v));
  type_error("learning_rate", "a number or a serialized LearningRateSchedule");
}

void ConfigReader::unsupported_keras_arguments() const {
  // Keras arguments Strata accepts in a config only at their defaults.
  if (const Config* v = find("use_ema"); v && !(v->is_boolean() && !v->get<bool>()))
    throw ValueError(what() + ": `use_ema=True` is not supported by Strata yet");
  find("ema_momentum");
  if (find("ema_overwrite_frequency"))
    throw ValueError(what() + ": `ema_overwrite_frequency` is not supported by Strata yet");
  if (find("loss_scale_factor")) throw ValueError(what() + ": `loss_scale_factor` is not supported by Strata yet");
  if (find("gradient_accumulation_steps"))
    throw ValueError(what() + ": `gradient_accumulation_steps` is not supported by Strata yet");
  find("decay");  // Keras: "Argument `decay` is no longer supported and will be ignored."
}

}  // namespace strata::optimizers::detail
