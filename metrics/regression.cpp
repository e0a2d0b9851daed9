#include "strata/metrics/regression.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/losses/regression.hpp"
#include "strata/metrics/builtin.hpp"

namespace strata::metrics {

using losses::detail::squeeze_or_expand_to_same_rank;

Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis) {
  return -losses::cosine_similarity(y_true, y_pred, axis);
}

void RootMeanSquaredErrorMetric::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  autodiff::NoRecordScope no_record;
  Tensor p = is_floating(y_pred.dtype()) ? y_pred : cast(y_pred, float32);
  auto [t, pp] = squeeze_or_expand_to_same_rank(cast(y_true, p.dtype()), p);
  losses::detail::check_same_shape("root_mean_squared_error", t, pp);
  accumulate(square(pp - t), sample_weight);
}

double RootMeanSquaredErrorMetric::result() const { return std::sqrt(MeanMetric::result()); }

R2ScoreMetric::R2ScoreMetric(const R2ScoreOptions& options)
    : Metric(detail::name_or(options.name, "r2_score")), options_(options) {
  const auto& a = options_.class_aggregation;
  if (a != "uniform_average" && a != "variance_weighted" && a != "none")
    throw ValueError("Invalid value for argument `class_aggregation`. Expected one of uniform_average, "
                     "variance_weighted, none. Received: class_aggregation=" + a);
  if (options_.num_regressors < 0)
    throw ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. Received: num_regressors=" +
                     std::to_string(options_.num_regressors));
}

void R2ScoreMetric::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  autodiff::NoRecordScope no_record;
  Tensor p = is_floating(y_pred.dtype()) ? y_pred : cast(y_pred, float32);
  auto [t, pp] = squeeze_or_expand_to_same_rank(cast(y_true, p.dtype()), p);
  if (t.rank() == 1) {
    t = expand_dims(t, -1);
    pp = expand_dims(pp, -1);
  }
  if (t.rank() != 2 || t.shape() != pp.shape())
    throw ShapeError("Metric '" + name() + "': R2Score expects y_true and y_pred of the same shape (batch_size, "
                     "output_dim), received y_true.shape=" + y_true.shape().to_string() +
                     ", y_pred.shape=" + y_pred.shape().to_string());
  const auto outputs = static_cast<std::size_t>(t.shape()[1]);
  if (!sum_.empty() && sum_.size() != outputs)
    throw ShapeError("Metric '" + name() + "': the number of outputs changed from " + std::to_string(sum_.size()) +
                     " to " + std::to_string(outputs));
  Tensor w = sample_weight.defined() ? cast(sample_weight, p.dtype()) : ones({}, p.dtype());
  if (w.rank() == 1) w = expand_dims(w, 1);
  w = broadcast_to(w, t.shape());
  Tensor weighted_true = t * w;
  Tensor all = concat({sum(weighted_true, 0), sum(t * weighted_true, 0), sum(square(t - pp) * w, 0), sum(w, 0)});
  const auto host = cast(all, float64).to_vector<double>();
  if (sum_.empty()) {
    sum_.assign(outputs, 0.0);
    squared_sum_.assign(outputs, 0.0);
    total_mse_.assign(outputs, 0.0);
    count_.assign(outputs, 0.0);
  }
  for (std::size_t i = 0; i < outputs; ++i) {
    sum_[i] += host[i];
    squared_sum_[i] += host[outputs + i];
    total_mse_[i] += host[2 * outputs + i];
    count_[i] += host[3 * outputs + i];
  }
  num_samples_ += static_cast<double>(t.size());
}

std::vector<double> R2ScoreMetric::results() const {
  const std::size_t n = sum_.size();
  std::vector<double> raw(n), total(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double mean = sum_[i] / count_[i];
    total[i] = squared_sum_[i] - sum_[i] * mean;
    raw[i] = 1.0 - total_mse_[i] / total[i];
    if (std::isinf(raw[i])) raw[i] = 0.0;
  }
  std::vector<double> scores;
  if (options_.class_aggregation == "none") {
    scores = raw;
  } else if (options_.class_aggregation == "uniform_average") {
    double s = 0.0;
    for (double v : raw) s += v;
    scores = {n ? s / static_cast<double>(n) : 0.0};
  } else {
    double weighted = 0.0, weights = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      weighted += total[i] * raw[i];
      weights += total[i];
    }
    scores = {weighted / weights};
  }
  if (options_.num_regressors != 0 && options_.num_regressors < num_samples_ - 1) {
    const double samples = num_samples_, p = options_.num_regressors;
    for (double& s : scores) s = 1.0 - (1.0 - s) * (samples - 1.0) / (samples - p - 1.0);
  }
  return scores;
}

double R2ScoreMetric::result() const { return detail::mean_of(results()); }

void R2ScoreMetric::reset_state() {
  sum_.clear();
  squared_sum_.clear();
  total_mse_.clear();
  count_.clear();
  num_samples_ = 0.0;
}

Config R2ScoreMetric::get_config() const {
  Config config = Metric::get_config();
  config["class_aggregation"] = options_.class_aggregation == "none" ? Config(nullptr) : Config(options_.class_aggregation);
  config["num_regressors"] = options_.num_regressors;
  return config;
}

using detail::mean_wrapper;

std::shared_ptr<Metric> MeanSquaredError(const MetricOptions& o) {
  return mean_wrapper(losses::mean_squared_error, o.name, "mean_squared_error", "MeanSquaredError");
}
std::shared_ptr<Metric> RootMeanSquaredError(const MetricOptions& o) {
  return std::make_shared<RootMeanSquaredErrorMetric>(detail::name_or(o.name, "root_mean_squared_error"));
}
std::shared_ptr<Metric> MeanAbsoluteError(const MetricOptions& o) {
  return mean_wrapper(losses::mean_absolute_error, o.name, "mean_absolute_error", "MeanAbsoluteError");
}
std::shared_ptr<Metric> MeanAbsolutePercentageError(const MetricOptions& o) {
  return mean_wrapper(losses::mean_absolute_percentage_error, o.name, "mean_absolute_percentage_error",
              "MeanAbsolutePercentageError");
}
std::shared_ptr<Metric> MeanSquaredLogarithmicError(const MetricOptions& o) {
  return mean_wrapper(losses::mean_squared_logarithmic_error, o.name, "mean_squared_logarithmic_error",
              "MeanSquaredLogarithmicError");
}
std::shared_ptr<Metric> LogCoshError(const MetricOptions& o) {
  return mean_wrapper(losses::log_cosh, o.name, "logcosh", "LogCoshError");
}
std::shared_ptr<Metric> CosineSimilarity(const CosineSimilarityOptions& o) {
  const int axis = o.axis;
  return mean_wrapper([axis](const Tensor& t, const Tensor& p) { return cosine_similarity(t, p, axis); }, o.name,
              "cosine_similarity", "CosineSimilarity", Config{{"axis", axis}});
}
std::shared_ptr<Metric> R2Score(const R2ScoreOptions& o) { return std::make_shared<R2ScoreMetric>(o); }

namespace detail {
void register_regression_metrics(Registry<Metric>& r) {
  using Factory = std::shared_ptr<Metric> (*)(const MetricOptions&);
  auto add = [&r](Factory f, const char* default_name, std::initializer_list<const char*> names) {
    for (const char* n : names)
      r.add(n, [f, default_name](const Config& c) { return f({.name = config_name(c, default_name)}); });
  };
  add(MeanSquaredError, "mean_squared_error", {"MeanSquaredError", "mean_squared_error", "mse", "MSE"});
  add(RootMeanSquaredError, "root_mean_squared_error", {"RootMeanSquaredError", "root_mean_squared_error", "rmse"});
  add(MeanAbsoluteError, "mean_absolute_error", {"MeanAbsoluteError", "mean_absolute_error", "mae", "MAE"});
  add(MeanAbsolutePercentageError, "mean_absolute_percentage_error",
      {"MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape", "MAPE"});
  add(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error",
      {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE"});
  add(LogCoshError, "logcosh", {"LogCoshError", "log_cosh", "logcosh"});
  for (const char* n : {"CosineSimilarity", "cosine_similarity"})
    r.add(n, [](const Config& c) {
      return CosineSimilarity({.axis = config_value(c, "axis", -1), .name = config_name(c, "cosine_similarity")});
    });
  for (const char* n : {"R2Score", "r2_score"})
    r.add(n, [](const Config& c) {
      R2ScoreOptions o;
      const ConfigReader in = ConfigReader::for_object(c, "Metric");
      if (const Config* v = in.find_raw("class_aggregation"))  // null: None
        o.class_aggregation = v->is_null() ? "none" : in.as_string("class_aggregation", *v);
      o.num_regressors = config_value(c, "num_regressors", 0);
      o.name = config_name(c, "r2_score");
      return R2Score(o);
    });
}
}  // namespace detail

}  // namespace strata::metrics
