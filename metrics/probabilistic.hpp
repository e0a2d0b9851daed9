#pragma once
// Loss-shaped metrics, as keras.metrics: the mean of a loss function's per-sample values.
// BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence,
// Poisson, Hinge, SquaredHinge, CategoricalHinge. Any other loss: metrics::from_loss(loss).
#include <memory>
#include <string>

#include "strata/metrics/reduction.hpp"

namespace strata::metrics {

struct CrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  // not used by SparseCategoricalCrossentropy
  std::string name;              // the loss's Keras name
};

std::shared_ptr<Metric> BinaryCrossentropy(const CrossentropyOptions& options = {});
std::shared_ptr<Metric> CategoricalCrossentropy(const CrossentropyOptions& options = {});
std::shared_ptr<Metric> SparseCategoricalCrossentropy(const CrossentropyOptions& options = {});
std::shared_ptr<Metric> KLDivergence(const MetricOptions& options = {});
std::shared_ptr<Metric> Poisson(const MetricOptions& options = {});
std::shared_ptr<Metric> Hinge(const MetricOptions& options = {});
std::shared_ptr<Metric> SquaredHinge(const MetricOptions& options = {});
std::shared_ptr<Metric> CategoricalHinge(const MetricOptions& options = {});

}  // namespace strata::metrics
