#pragma once
// What compile() makes of its arguments, as Keras's compile_utils: the optimizer / loss / metric
// references a user writes, and OutputHeads, the losses and metrics of every output of the model
// (Keras's LossesContainer and MetricsContainer in one), which the fit / evaluate loops ask for
// the loss of a batch and the logs.
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>

#include <memory>
#include <string>
#include <vector>

#include "strata/callbacks/callback.hpp"
#include "strata/framework/tensor.hpp"
#include "strata/framework/variable.hpp"

namespace strata {

namespace optimizers {
class Optimizer;
}
namespace losses {
class Loss;
}
namespace metrics {
class Metric;
}

// An optimizer by Keras name ("adam") or as an object (st::optimizers::Adam(1e-3)).
struct OptimizerRef {
  OptimizerRef(const char* name);
  OptimizerRef(const std::string& name);
  OptimizerRef(std::shared_ptr<optimizers::Optimizer> optimizer) : ptr(std::move(optimizer)) {}
  template <class T>
  OptimizerRef(std::shared_ptr<T> optimizer) : ptr(std::move(optimizer)) {}
  std::shared_ptr<optimizers::Optimizer> ptr;
};

// A loss by Keras name, as an object, or as a callable (y_true, y_pred) -> per-sample losses.
struct LossRef {
  LossRef() = default;
  LossRef(const char* name);
  LossRef(const std::string& name);
  LossRef(std::shared_ptr<losses::Loss> loss) : ptr(std::move(loss)) {}
  template <class T>
  LossRef(std::shared_ptr<T> loss) : ptr(std::move(loss)) {}
  LossRef(std::function<Tensor(const Tensor&, const Tensor&)> fn);
  std::shared_ptr<losses::Loss> ptr;
};

// A metric by Keras name ("accuracy", resolved against the loss as Keras does) or as an object.
struct MetricRef {
  MetricRef(const char* name) : name(name) {}
  MetricRef(std::string name) : name(std::move(name)) {}
  MetricRef(std::shared_ptr<metrics::Metric> metric) : ptr(std::move(metric)) {}
  template <class T>
  MetricRef(std::shared_ptr<T> metric) : ptr(std::move(metric)) {}
  std::string name;
  std::shared_ptr<metrics::Metric> ptr;
};

using NamedLosses = std::map<std::string, LossRef>;

// compile's loss: one for the model (or for every output), one per output in the model's output
// order, or one per output by output name (Keras's list and dict forms).
struct LossSpec {
  LossSpec() = default;
  template <class T>
    requires std::constructible_from<LossRef, T>
  LossSpec(T&& loss) : list{LossRef(std::forward<T>(loss))} {}
  LossSpec(std::initializer_list<LossRef> losses) : list(losses) {}
  LossSpec(std::map<std::string, LossRef> by_output) : named(std::move(by_output)) {}
  std::vector<LossRef> list;
  std::map<std::string, LossRef> named;
};

struct CompileOptions {
  OptimizerRef optimizer = "rmsprop";
  LossSpec loss;
  // Metrics of the output (every output of a model with several).
  std::vector<MetricRef> metrics;
  // Metrics of single outputs by output name (models with several outputs).
  std::map<std::string, std::vector<MetricRef>> output_metrics;
  // The weight of each output's loss in the total, in output order (default 1 each).
  std::vector<double> loss_weights;
  // false (Keras's default): fit / evaluate / predict run traced, optimized steps (st::function over
  // train_step / test_step / predict_step); true: the steps run as plain C++, for debugging.
  bool run_eagerly = false;
  // Batches per call of the traced step; callbacks see every steps_per_execution-th batch.
  int steps_per_execution = 1;
};

namespace models {

// The compiled losses and metrics, one head per output of the model. A model with several inputs
// or outputs logs "loss" (the weighted total) and, per output, "<output>_loss" and
// "<output>_<metric>"; a model of one input and one output logs "loss" and its metrics' names.
class OutputHeads {
 public:
  OutputHeads() = default;
  // `output_names`: the model's outputs in order (one empty name for a model that is not
  // Functional); `per_output_logs`: log as a model with several inputs or outputs.
  OutputHeads(const CompileOptions& options, const std::vector<std::string>& output_names, bool per_output_logs,
              const std::string& model_name);

  // The model's loss: compile's, or the first output's when only per-output losses were given.
  const std::shared_ptr<losses::Loss>& loss() const { return loss_; }
  const std::vector<MetricRef>& metric_specs() const { return metric_specs_; }
  // The metrics of every head, in log order (built on the first batch).
  std::vector<std::shared_ptr<metrics::Metric>> metrics() const;

  // The weighted sum of the heads' losses (regularization not included; undefined when no head has
  // a loss). An output without a loss does not train, as Keras's None. Each head's loss is kept
  // for the next update().
  Tensor compute_loss(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds, const Tensor& sample_weight,
                      const std::vector<Tensor>& masks);
  // Builds the metrics from the shapes of y and y_pred, once ("accuracy" becomes the accuracy that
  // fits the loss and the shapes).
  void build(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds);
  // Adds a batch of `samples` rows: the total loss (a mean weighted by batch size, as Keras's
  // tracker), each head's last loss and its metrics (mean-wrapper metrics weight by the mask).
  void update(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds, const Tensor& sample_weight,
              const std::vector<Tensor>& masks, const Tensor& loss, double samples);
  callbacks::Logs results() const;
  void reset();

  // Sparse labels of every output with a sparse categorical loss index its classes
  // (`classes_of(i)`: the size of output i's last axis; <= 0 when unknown).
  void check_labels(const char* what, const std::vector<Tensor>& ys,
                    const std::function<std::int64_t(std::size_t)>& classes_of) const;

 private:
  struct Head {
    std::string name;
    std::shared_ptr<losses::Loss> loss;
    double weight = 1.0;
    std::vector<MetricRef> metric_specs;
    std::vector<std::shared_ptr<metrics::Metric>> metrics;
    Tensor last_loss;  // of the last compute_loss
    Variable loss_sum;  // float64, on the device: a traced step updates it at every replay
  };
  std::vector<Head> heads_;
  std::shared_ptr<losses::Loss> loss_;
  std::vector<MetricRef> metric_specs_;
  bool per_output_logs_ = false;
  bool built_ = false;
  // The loss tracker: sum of loss * samples and of samples (float64 variables, made on first use).
  Variable loss_sum_, loss_count_;
};

}  // namespace models
}  // namespace strata
