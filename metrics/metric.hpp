#pragma once
// The Metric base class, as keras.metrics.Metric: stateful update_state / result / reset_state.
// State lives on the host as doubles; an update computes a few sums with ops and copies them to
// the host once (one small copy per batch). Updates never record on a GradientTape.
//
//   auto acc = st::metrics::SparseCategoricalAccuracy();
//   acc->update_state(labels, logits);
//   double value = acc->result();
//
// Mean and Sum take (values, sample_weight) as Keras does: `mean->update_state(values)`.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/registry.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::metrics {

class Metric {
 public:
  explicit Metric(std::string name);
  virtual ~Metric();

  // (y_true, y_pred, sample_weight); Mean and Sum read (values, sample_weight) instead, so y_pred has
  // a default only for them.
  virtual void update_state(const Tensor& y_true, const Tensor& y_pred = {}, const Tensor& sample_weight = {}) = 0;
  // The same with the mask Keras carries on y_pred (a model output's mask, e.g. (batch, timesteps)
  // after Embedding(mask_zero)); compile()'s metrics are updated through it. As Keras 3, only
  // mean-wrapper metrics (accuracies, loss-shaped metrics) read the mask; the others ignore it.
  virtual void update_state_masked(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight,
                                   const Tensor& y_pred_mask);
  virtual double result() const = 0;
  virtual void reset_state() = 0;

  const std::string& name() const { return name_; }
  // compile() names a metric after the identifier the user gave ("acc", "mse").
  void set_name(std::string name) { name_ = std::move(name); }
  // The Keras class name ("SparseCategoricalAccuracy"), for serialization.
  virtual std::string class_name() const = 0;
  // {"name": ..., "dtype": "float32"} plus the metric's own arguments.
  virtual Config get_config() const;

 private:
  std::string name_;
};

// By Keras name ("accuracy", "mse", "auc", "sparse_categorical_accuracy", ...) or class name
// ("SparseCategoricalAccuracy"), with default arguments. ValueError listing the known names.
std::shared_ptr<Metric> get(const std::string& name);
std::shared_ptr<Metric> from_config(const std::string& class_name, const Config& config);
Registry<Metric>& registry();

// Keras's compile-time resolution of a metric name for one output (compile_utils.get_metric):
// "accuracy" / "acc" become BinaryAccuracy when y_pred's last axis is 1, SparseCategoricalAccuracy
// when y_true has a lower rank than y_pred (or ends in 1 while y_pred does not), and
// CategoricalAccuracy otherwise; "crossentropy" / "ce" become the matching cross-entropy metric.
// A binary cross-entropy loss ("binary_crossentropy", "binary_focal_crossentropy") makes
// "accuracy" BinaryAccuracy whatever the shapes (multi-label outputs), as tf.keras 2 did. Any other
// name goes through get(). The metric is named after `name`.
std::shared_ptr<Metric> resolve(const std::string& name, const std::string& loss_name, const Shape& y_true_shape,
                                const Shape& y_pred_shape);

namespace detail {
// a / b, or 0 when b == 0 (Keras's divide_no_nan).
inline double divide_no_nan(double a, double b) { return b == 0.0 ? 0.0 : a / b; }
}  // namespace detail

}  // namespace strata::metrics
