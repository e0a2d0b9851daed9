#pragma once
// Confusion-matrix metrics, as keras.metrics: TruePositives, TrueNegatives, FalsePositives,
// FalseNegatives, Precision, Recall, AUC (ROC or PR, Keras's 200 thresholds and interpolation),
// F1Score (and FBetaScore).
//
// A prediction counts as positive when y_pred > threshold; y_true counts as positive when
// non-zero. Predictions and labels of any shape are flattened (one binary decision per element),
// unless class_id picks one column of (batch, classes) inputs.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/metrics/metric.hpp"

namespace strata::metrics {

struct ThresholdOptions {
  std::vector<double> thresholds = {0.5};
  std::string name;  // Keras's default: "true_positives", ...
};
struct PrecisionRecallOptions {
  std::vector<double> thresholds = {0.5};
  std::optional<int> class_id;  // only this column of (batch, classes) inputs
  std::string name;             // "precision" / "recall"
};
enum class AUCCurve { ROC, PR };
enum class AUCSummation { interpolation, minoring, majoring };
struct AUCOptions {
  int num_thresholds = 200;
  AUCCurve curve = AUCCurve::ROC;
  AUCSummation summation_method = AUCSummation::interpolation;
  bool from_logits = false;  // apply a sigmoid to y_pred first
  std::string name;          // "auc"
};
// average: "none" (per class; result() then gives their mean), "micro", "macro", "weighted".
struct FBetaOptions {
  std::string average = "none";
  double beta = 1.0;
  std::optional<double> threshold;  // none: the highest score of each row is the positive class
  std::string name;                 // "fbeta_score" / "f1_score"
};

// tp / fp / tn / fn at each threshold, accumulated on the host.
class ConfusionMatrixMetric : public Metric {
 public:
  enum class Kind { true_positives, false_positives, true_negatives, false_negatives, precision, recall };
  ConfusionMatrixMetric(Kind kind, std::vector<double> thresholds, std::optional<int> class_id, std::string name);
  void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
  // The value at the first threshold.
  double result() const override;
  // The value at every threshold.
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override;
  Config get_config() const override;

  const std::vector<double>& thresholds() const { return thresholds_; }
  const std::vector<double>& true_positives() const { return tp_; }
  const std::vector<double>& false_positives() const { return fp_; }
  const std::vector<double>& true_negatives() const { return tn_; }
  const std::vector<double>& false_negatives() const { return fn_; }

 protected:
  double value_at(std::size_t i) const;
  Kind kind_;
  std::vector<double> thresholds_;
  std::optional<int> class_id_;
  bool clip_predictions_ = false;  // AUC clips y_pred to [0, 1] as Keras's bucketed update does
  bool from_logits_ = false;
  std::vector<double> tp_, fp_, tn_, fn_;
};

class AUCMetric : public ConfusionMatrixMetric {
 public:
  explicit AUCMetric(const AUCOptions& options);
  double result() const override;
  std::string class_name() const override { return "AUC"; }
  Config get_config() const override;

 private:
  double interpolate_pr_auc() const;
  AUCOptions options_;
};

class FBetaScoreMetric : public Metric {
 public:
  explicit FBetaScoreMetric(const FBetaOptions& options, std::string class_name = "FBetaScore");
  void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
  // The averaged score; with average "none", the mean of the per-class scores.
  double result() const override;
  // One score per class ("none"), or the single averaged score.
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override { return class_name_; }
  Config get_config() const override;

 private:
  FBetaOptions options_;
  std::string class_name_;
  std::vector<double> tp_, fp_, fn_, weights_;
};

std::shared_ptr<Metric> TruePositives(const ThresholdOptions& options = {});
std::shared_ptr<Metric> FalsePositives(const ThresholdOptions& options = {});
std::shared_ptr<Metric> TrueNegatives(const ThresholdOptions& options = {});
std::shared_ptr<Metric> FalseNegatives(const ThresholdOptions& options = {});
std::shared_ptr<Metric> Precision(const PrecisionRecallOptions& options = {});
std::shared_ptr<Metric> Recall(const PrecisionRecallOptions& options = {});
std::shared_ptr<Metric> AUC(const AUCOptions& options = {});
std::shared_ptr<Metric> FBetaScore(const FBetaOptions& options = {});
std::shared_ptr<Metric> F1Score(FBetaOptions options = {});

}  // namespace strata::metrics
