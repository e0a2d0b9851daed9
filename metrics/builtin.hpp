#pragma once
// Internal to metrics/: how each family registers its classes, and reading options from a Config.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "strata/framework/config_reader.hpp"
#include "strata/metrics/metric.hpp"
#include "strata/metrics/reduction.hpp"

namespace strata::metrics::detail {

void register_reduction_metrics(Registry<Metric>& registry);
void register_accuracy_metrics(Registry<Metric>& registry);
void register_confusion_metrics(Registry<Metric>& registry);
void register_regression_metrics(Registry<Metric>& registry);
void register_probabilistic_metrics(Registry<Metric>& registry);

// Options are read with the shared reader (framework/config_reader.hpp), which names the metric
// and the key on a wrong type; unknown keys are ignored.
inline std::string config_name(const Config& c, const std::string& fallback) {
  return ConfigReader::for_object(c, "Metric").string("name", fallback);
}
template <class T>
T config_value(const Config& c, const char* key, T fallback) {
  return ConfigReader::for_object(c, "Metric").value(key, fallback);
}
inline std::string name_or(const std::string& name, const char* keras_default) {
  return name.empty() ? std::string(keras_default) : name;
}
// The mean of a metric's per-class results(), as its result(); 0 when there are none.
inline double mean_of(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double total = 0.0;
  for (double v : values) total += v;
  return total / static_cast<double>(values.size());
}
// A stateless metric function as a Keras MeanMetricWrapper: its name (or the Keras default), its
// class name and the options its get_config writes.
inline std::shared_ptr<Metric> mean_wrapper(MetricFunction fn, const std::string& name, const char* default_name,
                                            const char* class_name, Config config = Config::object()) {
  return std::make_shared<MeanMetricWrapper>(std::move(fn), name_or(name, default_name), class_name,
                                             std::make_shared<const Config>(std::move(config)));
}

}  // namespace strata::metrics::detail
