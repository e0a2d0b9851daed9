#pragma once
// Regression metrics, as keras.metrics: MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError,
// MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCoshError, CosineSimilarity,
// R2Score.
#include <memory>
#include <string>
#include <vector>

#include "strata/metrics/reduction.hpp"

namespace strata::metrics {

struct CosineSimilarityOptions {
  int axis = -1;
  std::string name;  // "cosine_similarity"
};
// class_aggregation: "uniform_average" (default), "variance_weighted", or "none" (per output;
// result() then gives their mean, results() each one).
struct R2ScoreOptions {
  std::string class_aggregation = "uniform_average";
  int num_regressors = 0;  // > 0: the adjusted R2
  std::string name;        // "r2_score"
};

// sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): +1 for the same direction (the metric's
// sign; the loss is its negative).
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis = -1);

// The square root of the mean squared error over every sample seen.
class RootMeanSquaredErrorMetric : public MeanMetric {
 public:
  explicit RootMeanSquaredErrorMetric(std::string name) : MeanMetric(std::move(name)) {}
  void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
  double result() const override;
  std::string class_name() const override { return "RootMeanSquaredError"; }
};

// The coefficient of determination of (batch, outputs) (or (batch,)) targets.
class R2ScoreMetric : public Metric {
 public:
  explicit R2ScoreMetric(const R2ScoreOptions& options);
  void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
  double result() const override;
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override { return "R2Score"; }
  Config get_config() const override;

 private:
  R2ScoreOptions options_;
  std::vector<double> sum_, squared_sum_, total_mse_, count_;
  double num_samples_ = 0.0;
};

std::shared_ptr<Metric> MeanSquaredError(const MetricOptions& options = {});
std::shared_ptr<Metric> RootMeanSquaredError(const MetricOptions& options = {});
std::shared_ptr<Metric> MeanAbsoluteError(const MetricOptions& options = {});
std::shared_ptr<Metric> MeanAbsolutePercentageError(const MetricOptions& options = {});
std::shared_ptr<Metric> MeanSquaredLogarithmicError(const MetricOptions& options = {});
std::shared_ptr<Metric> LogCoshError(const MetricOptions& options = {});
std::shared_ptr<Metric> CosineSimilarity(const CosineSimilarityOptions& options = {});
std::shared_ptr<Metric> R2Score(const R2ScoreOptions& options = {});

}  // namespace strata::metrics
