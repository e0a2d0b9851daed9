#include "strata/metrics/metric.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "strata/metrics/accuracy.hpp"
#include "strata/metrics/builtin.hpp"
#include "strata/metrics/probabilistic.hpp"

namespace strata::metrics {

Metric::Metric(std::string name) : name_(std::move(name)) {}
Metric::~Metric() = default;

void Metric::update_state_masked(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight,
                                 const Tensor&) {
  update_state(y_true, y_pred, sample_weight);
}

Config Metric::get_config() const {
  Config config = Config::object();
  config["name"] = name_;
  config["dtype"] = "float32";
  return config;
}

Registry<Metric>& registry() {
  static Registry<Metric>* instance = [] {
    auto* r = new Registry<Metric>("metric");
    detail::register_reduction_metrics(*r);
    detail::register_accuracy_metrics(*r);
    detail::register_confusion_metrics(*r);
    detail::register_regression_metrics(*r);
    detail::register_probabilistic_metrics(*r);
    return r;
  }();
  return *instance;
}

std::shared_ptr<Metric> get(const std::string& name) { return registry().create(name, Config::object()); }

std::shared_ptr<Metric> from_config(const std::string& class_name, const Config& config) {
  return registry().create(class_name, config);
}

std::shared_ptr<Metric> resolve(const std::string& name, const std::string& loss_name, const Shape& y_true_shape,
                                const Shape& y_pred_shape) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool is_accuracy = lower == "accuracy" || lower == "acc";
  const bool is_crossentropy = lower == "crossentropy" || lower == "ce";
  std::shared_ptr<Metric> metric;
  if (!is_accuracy && !is_crossentropy) {
    metric = get(name);
  } else {
    if (y_true_shape.rank() == 0 || y_pred_shape.rank() == 0)
      throw ShapeError("Cannot resolve metric '" + name + "' for y_true.shape=" + y_true_shape.to_string() +
                       " and y_pred.shape=" + y_pred_shape.to_string() + ": both need a batch axis");
    const auto yt_last = y_true_shape.back(), yp_last = y_pred_shape.back();
    const bool binary_loss = loss_name == "binary_crossentropy" || loss_name == "BinaryCrossentropy" ||
                             loss_name == "binary_focal_crossentropy" || loss_name == "BinaryFocalCrossentropy";
    const bool is_binary = yp_last == 1 || binary_loss;
    const bool is_sparse = y_true_shape.rank() < y_pred_shape.rank() || (yt_last == 1 && yp_last > 1);
    if (is_accuracy) {
      if (is_binary)
        metric = BinaryAccuracy();
      else if (is_sparse)
        metric = SparseCategoricalAccuracy();
      else
        metric = CategoricalAccuracy();
    } else {
      if (is_binary)
        metric = BinaryCrossentropy();
      else if (is_sparse)
        metric = SparseCategoricalCrossentropy();
      else
        metric = CategoricalCrossentropy();
    }
  }
  metric->set_name(name);
  return metric;
}

}  // namespace strata::metrics
