#include "strata/metrics/accuracy.hpp"

#include "strata/framework/ops/ops.hpp"
#include "strata/metrics/builtin.hpp"

namespace strata::metrics {

using losses::detail::squeeze_or_expand_to_same_rank;

namespace {

Tensor matches(const Tensor& a, const Tensor& b) { return cast(equal(a, b), float32); }

Tensor as_float(const Tensor& x) { return is_floating(x.dtype()) ? x : cast(x, float32); }

void check_shapes(const char* what, const Tensor& y_true, const Tensor& y_pred) {
  if (y_true.shape() != y_pred.shape())
    throw ShapeError(std::string(what) + ": y_true and y_pred must have the same shape, received y_true.shape=" +
                     y_true.shape().to_string() + ", y_pred.shape=" + y_pred.shape().to_string());
}

// Sparse labels (batch,) / (batch, 1) against scores (batch, classes): labels with the class axis
// removed, checked.
Tensor sparse_labels(const char* what, const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = y_true;
  if (t.rank() == y_pred.rank() && t.rank() > 0 && t.shape().back() == 1) t = squeeze(t, {-1});
  const Shape expected(y_pred.shape().begin(), y_pred.shape().end() - (y_pred.rank() > 0 ? 1 : 0));
  if (t.shape() != expected)
    throw ShapeError(std::string(what) + ": y_true must have the shape of y_pred without its last axis, received "
                     "y_true.shape=" + y_true.shape().to_string() + ", y_pred.shape=" + y_pred.shape().to_string());
  return t;
}

// in_top_k: fewer than k classes score strictly higher than the true class.
Tensor in_top_k(const Tensor& labels, const Tensor& scores, int k) {
  Tensor s = as_float(scores);
  Tensor target = one_hot(cast(labels, int64), s.shape().back(), s.dtype());
  Tensor target_score = sum(target * s, -1, /*keepdims=*/true);
  Tensor higher = sum(cast(greater(s, target_score), float32), -1);
  return cast(less(higher, scalar(static_cast<double>(k))), float32);
}

}  // namespace

Tensor accuracy(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = squeeze_or_expand_to_same_rank(as_float(y_true), as_float(y_pred));
  if (t.dtype() != p.dtype()) t = cast(t, p.dtype());
  check_shapes("accuracy", t, p);
  return matches(t, p);
}

Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold) {
  auto [t, p] = squeeze_or_expand_to_same_rank(as_float(y_true), as_float(y_pred));
  check_shapes("binary_accuracy", t, p);
  Tensor predicted = cast(greater(p, scalar_like(p, threshold)), t.dtype());
  return matches(t, predicted);
}

Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  check_shapes("categorical_accuracy", y_true, y_pred);
  return matches(argmax(y_true, -1), argmax(y_pred, -1));
}

Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = sparse_labels("sparse_categorical_accuracy", y_true, y_pred);
  Tensor predicted = argmax(y_pred, -1);
  if (is_floating(t.dtype())) return matches(t, cast(predicted, t.dtype()));
  return matches(cast(t, int64), predicted);
}

Tensor top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k) {
  check_shapes("top_k_categorical_accuracy", y_true, y_pred);
  return in_top_k(argmax(y_true, -1), y_pred, k);
}

Tensor sparse_top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k) {
  Tensor t = sparse_labels("sparse_top_k_categorical_accuracy", y_true, y_pred);
  return in_top_k(t, y_pred, k);
}

using detail::mean_wrapper;

std::shared_ptr<Metric> Accuracy(const MetricOptions& o) {
  return mean_wrapper(accuracy, o.name, "accuracy", "Accuracy");
}
std::shared_ptr<Metric> BinaryAccuracy(const BinaryAccuracyOptions& o) {
  const double threshold = o.threshold;
  return mean_wrapper([threshold](const Tensor& t, const Tensor& p) { return binary_accuracy(t, p, threshold); },
                      o.name, "binary_accuracy", "BinaryAccuracy", Config{{"threshold", threshold}});
}
std::shared_ptr<Metric> CategoricalAccuracy(const MetricOptions& o) {
  return mean_wrapper(categorical_accuracy, o.name, "categorical_accuracy", "CategoricalAccuracy");
}
std::shared_ptr<Metric> SparseCategoricalAccuracy(const MetricOptions& o) {
  return mean_wrapper(sparse_categorical_accuracy, o.name, "sparse_categorical_accuracy", "SparseCategoricalAccuracy");
}
std::shared_ptr<Metric> TopKCategoricalAccuracy(const TopKOptions& o) {
  const int k = o.k;
  return mean_wrapper([k](const Tensor& t, const Tensor& p) { return top_k_categorical_accuracy(t, p, k); }, o.name,
                      "top_k_categorical_accuracy", "TopKCategoricalAccuracy", Config{{"k", k}});
}
std::shared_ptr<Metric> SparseTopKCategoricalAccuracy(const TopKOptions& o) {
  const int k = o.k;
  return mean_wrapper([k](const Tensor& t, const Tensor& p) { return sparse_top_k_categorical_accuracy(t, p, k); },
                      o.name, "sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy", Config{{"k", k}});
}

namespace detail {
void register_accuracy_metrics(Registry<Metric>& r) {
  for (const char* n : {"Accuracy", "accuracy", "acc"})
    r.add(n, [](const Config& c) { return Accuracy({.name = config_name(c, "accuracy")}); });
  for (const char* n : {"BinaryAccuracy", "binary_accuracy"})
    r.add(n, [](const Config& c) {
      return BinaryAccuracy({.threshold = config_value(c, "threshold", 0.5), .name = config_name(c, "binary_accuracy")});
    });
  for (const char* n : {"CategoricalAccuracy", "categorical_accuracy"})
    r.add(n, [](const Config& c) { return CategoricalAccuracy({.name = config_name(c, "categorical_accuracy")}); });
  for (const char* n : {"SparseCategoricalAccuracy", "sparse_categorical_accuracy"})
    r.add(n, [](const Config& c) {
      return SparseCategoricalAccuracy({.name = config_name(c, "sparse_categorical_accuracy")});
    });
  for (const char* n : {"TopKCategoricalAccuracy", "top_k_categorical_accuracy"})
    r.add(n, [](const Config& c) {
      return TopKCategoricalAccuracy({.k = config_value(c, "k", 5), .name = config_name(c, "top_k_categorical_accuracy")});
    });
  for (const char* n : {"SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy"})
    r.add(n, [](const Config& c) {
      return SparseTopKCategoricalAccuracy(
          {.k = config_value(c, "k", 5), .name = config_name(c, "sparse_top_k_categorical_accuracy")});
    });
}
}  // namespace detail

}  // namespace strata::metrics
