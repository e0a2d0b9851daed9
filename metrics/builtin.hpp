#pragma once
// Internal to metrics/: how each family registers its classes, and reading options from a Config.
#include <nlohmann/json.hpp>

#include <string>

#include "strata/metrics/metric.hpp"

namespace strata::metrics::detail {

void register_reduction_metrics(Registry<Metric>& registry);
void register_accuracy_metrics(Registry<Metric>& registry);
void register_confusion_metrics(Registry<Metric>& registry);
void register_regression_metrics(Registry<Metric>& registry);
void register_probabilistic_metrics(Registry<Metric>& registry);

inline std::string config_name(const Config& c, const std::string& fallback) {
  if (c.is_object() && c.contains("name") && c["name"].is_string()) return c["name"].get<std::string>();
  return fallback;
}
template <class T>
T config_value(const Config& c, const char* key, T fallback) {
  if (c.is_object() && c.contains(key) && !c[key].is_null()) return c[key].get<T>();
  return fallback;
}
inline std::string name_or(const std::string& name, const char* keras_default) {
  return name.empty() ? std::string(keras_default) : name;
}

}  // namespace strata::metrics::detail
