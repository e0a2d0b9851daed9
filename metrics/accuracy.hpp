#pragma once
// Accuracy metrics, as keras.metrics: Accuracy, BinaryAccuracy, CategoricalAccuracy,
// SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy. Each is the
// (weighted) mean of a per-sample match function, also available on its own.
#include <memory>
#include <string>

#include "strata/metrics/reduction.hpp"

namespace strata::metrics {

struct BinaryAccuracyOptions {
  double threshold = 0.5;
  std::string name;  // "binary_accuracy"
};
struct TopKOptions {
  int k = 5;
  std::string name;  // "top_k_categorical_accuracy" / "sparse_top_k_categorical_accuracy"
};

// 1.0 where y_true == y_pred (float32).
Tensor accuracy(const Tensor& y_true, const Tensor& y_pred);
// 1.0 where y_true == (y_pred > threshold).
Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold = 0.5);
// 1.0 where argmax(y_true) == argmax(y_pred).
Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
// 1.0 where y_true == argmax(y_pred); y_true of shape (batch,) or (batch, 1).
Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
// 1.0 where the true class is among the k highest scores (ties at the boundary count as in, as
// tf.math.in_top_k).
Tensor top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k = 5);
Tensor sparse_top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k = 5);

std::shared_ptr<Metric> Accuracy(const MetricOptions& options = {});
std::shared_ptr<Metric> BinaryAccuracy(const BinaryAccuracyOptions& options = {});
std::shared_ptr<Metric> CategoricalAccuracy(const MetricOptions& options = {});
std::shared_ptr<Metric> SparseCategoricalAccuracy(const MetricOptions& options = {});
std::shared_ptr<Metric> TopKCategoricalAccuracy(const TopKOptions& options = {});
std::shared_ptr<Metric> SparseTopKCategoricalAccuracy(const TopKOptions& options = {});

}  // namespace strata::metrics
