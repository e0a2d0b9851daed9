#include "strata/optimizers/detail/config_util.hpp"

#include "strata/optimizers/schedules.hpp"

namespace strata::optimizers::detail {

ConfigReader::ConfigReader(const Config& config, std::string what) : config_(config), what_(std::move(what)) {
  if (!config_.is_object() && !config_.is_null())
    throw ValueError(what_ + ": a config must be a JSON object; received: " + config_.dump());
}

const Config* ConfigReader::find(const std::string& key) {
  used_.insert(key);
  if (!config_.is_object()) return nullptr;
  auto it = config_.find(key);
  if (it == config_.end()) return nullptr;
  return &*it;
}

void ConfigReader::type_error(const std::string& key, const char* expected) const {
  throw ValueError(what_ + ": argument `" + key + "` must be " + expected + ". Received: " + key + "=" +
                   config_.at(key).dump());
}

double ConfigReader::number(const std::string& key, double fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (!v->is_number()) type_error(key, "a number");
  return v->get<double>();
}

std::optional<double> ConfigReader::optional_number(const std::string& key, std::optional<double> fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (v->is_null()) return std::nullopt;
  if (!v->is_number()) type_error(key, "a number or null");
  return v->get<double>();
}

bool ConfigReader::boolean(const std::string& key, bool fallback) {
  const Config* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) type_error(key, "a boolean");
  return v->get<bool>();
}

std::string ConfigReader::string(const std::string& key, const std::string& fallback) {
  const Config* v = find(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_string()) type_error(key, "a string");
  return v->get<std::string>();
}

std::vector<double> ConfigReader::numbers(const std::string& key) {
  const Config* v = find(key);
  if (!v) throw ValueError(what_ + ": missing required argument `" + key + "`");
  if (!v->is_array()) type_error(key, "a list of numbers");
  std::vector<double> out;
  for (const auto& item : *v) {
    if (!item.is_number()) type_error(key, "a list of numbers");
    out.push_back(item.get<double>());
  }
  return out;
}

LearningRate ConfigReader::learning_rate(const LearningRate& fallback) {
  const Config* v = find("learning_rate");
  if (!v) return fallback;
  if (v->is_number()) return LearningRate(v->get<double>());
  if (v->is_object()) return LearningRate(schedules::deserialize(*v));
  type_error("learning_rate", "a number or a serialized LearningRateSchedule");
}

void ConfigReader::unsupported_keras_arguments() {
  // Keras arguments Strata accepts in a config only at their defaults.
  if (const Config* v = find("use_ema"); v && !(v->is_boolean() && !v->get<bool>()) && !v->is_null())
    throw ValueError(what_ + ": `use_ema=True` is not supported by Strata yet");
  find("ema_momentum");
  if (const Config* v = find("ema_overwrite_frequency"); v && !v->is_null())
    throw ValueError(what_ + ": `ema_overwrite_frequency` is not supported by Strata yet");
  if (const Config* v = find("loss_scale_factor"); v && !v->is_null())
    throw ValueError(what_ + ": `loss_scale_factor` is not supported by Strata yet");
  if (const Config* v = find("gradient_accumulation_steps"); v && !v->is_null())
    throw ValueError(what_ + ": `gradient_accumulation_steps` is not supported by Strata yet");
  find("decay");  // Keras: "Argument `decay` is no longer supported and will be ignored."
}

void ConfigReader::finish() const {
  if (!config_.is_object()) return;
  std::string unknown;
  for (const auto& [key, value] : config_.items())
    if (!used_.count(key)) unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  if (!unknown.empty()) throw ValueError(what_ + ": argument(s) not recognized: " + unknown);
}

}  // namespace strata::optimizers::detail
