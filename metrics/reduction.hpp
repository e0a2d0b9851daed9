#pragma once
// Reduction metrics, as keras.metrics: Mean, Sum, and MeanMetricWrapper (the mean of any function
// of (y_true, y_pred) per sample: every accuracy and loss-shaped metric is one).
#include <memory>
#include <string>

#include "strata/losses/loss.hpp"
#include "strata/metrics/metric.hpp"

namespace strata::metrics {

struct MetricOptions {
  std::string name;  // empty: Keras's default name
};

// The weighted mean of every value seen: update_state(values, sample_weight). Values of rank > 1
// are first averaged per sample (over every axis the weights lack), as Keras does.
class MeanMetric : public Metric {
 public:
  explicit MeanMetric(std::string name = "mean");
  // (values, sample_weight); the third argument must be left out.
  void update_state(const Tensor& values, const Tensor& sample_weight = {}, const Tensor& unused = {}) override;
  double result() const override;
  void reset_state() override;
  std::string class_name() const override { return "Mean"; }
  double total() const { return total_; }
  double count() const { return count_; }

 protected:
  // Adds per-sample values with weights (Keras's reduce_to_samplewise_values + Mean.update_state).
  void accumulate(const Tensor& values, const Tensor& sample_weight);

 private:
  double total_ = 0.0;
  double count_ = 0.0;
};

// The weighted sum of every value seen.
class SumMetric : public Metric {
 public:
  explicit SumMetric(std::string name = "sum");
  void update_state(const Tensor& values, const Tensor& sample_weight = {}, const Tensor& unused = {}) override;
  double result() const override { return total_; }
  void reset_state() override { total_ = 0.0; }
  std::string class_name() const override { return "Sum"; }

 private:
  double total_ = 0.0;
};

using MetricFunction = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

// The mean of fn(y_true, y_pred) over every sample seen, weighted by sample_weight. A mask of
// y_pred multiplies the weights (Keras's apply_mask with reduction "sum"), so masked entries
// do not count: the result is the mean over the unmasked ones.
class MeanMetricWrapper : public MeanMetric {
 public:
  MeanMetricWrapper(MetricFunction fn, std::string name, std::string class_name = "MeanMetricWrapper",
                    std::shared_ptr<const Config> config = nullptr);
  void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
  void update_state_masked(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight,
                           const Tensor& y_pred_mask) override;
  std::string class_name() const override { return class_name_; }
  Config get_config() const override;

 private:
  MetricFunction fn_;
  std::string class_name_;
  std::shared_ptr<const Config> config_;
};

std::shared_ptr<Metric> Mean(const MetricOptions& options = {});
std::shared_ptr<Metric> Sum(const MetricOptions& options = {});
// A loss-shaped metric: the mean of a loss's per-sample values (loss->call), named after the loss.
std::shared_ptr<Metric> from_loss(std::shared_ptr<losses::Loss> loss, std::string name = "");
// The mean of any per-sample function.
std::shared_ptr<Metric> from_function(MetricFunction fn, std::string name = "custom_metric");

}  // namespace strata::metrics
