#pragma once
// The Loss base class, as keras.losses.Loss: `call` gives per-sample values, `operator()` applies
// sample_weight and the reduction. Every built-in loss is a LossFunctionWrapper around a plain loss
// function (losses/regression.hpp, probabilistic.hpp, hinge.hpp), exactly as Keras 3 builds them,
// so a loss object and its function (`mean_squared_error(y_true, y_pred)`) always agree.
//
//   auto loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
//   Tensor value = (*loss)(labels, logits);                  // scalar, sum_over_batch_size
//   auto same = st::losses::get("sparse_categorical_crossentropy");
//   auto mine = st::losses::from_function([](const Tensor& t, const Tensor& p) {
//     return st::mean(st::abs(t - p), -1); });
//
// Losses are written with ops only; the GradientTape differentiates them.
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "strata/framework/config.hpp"
#include "strata/framework/registry.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::losses {

// How operator() turns per-sample values into the loss. Keras's default is sum_over_batch_size:
// the weighted sum divided by the number of elements (not by the sum of the weights; that is
// mean_with_sample_weight).
enum class Reduction { sum_over_batch_size, sum, none, mean_with_sample_weight };

// "sum_over_batch_size" (also "mean"), "sum", "none", "mean_with_sample_weight"; ValueError else.
Reduction reduction_from_name(const std::string& name);
std::string reduction_name(Reduction reduction);

// Options of the losses that have no arguments of their own. In every options struct an empty
// name means Keras's default name.
struct LossOptions {
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;
};

using LossFunction = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

class Loss {
 public:
  Loss(std::string name, Reduction reduction = Reduction::sum_over_batch_size);
  virtual ~Loss();

  // Per-sample values (the batch shape: y_pred without the last axis for most losses).
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;

  // call + sample_weight + reduction, as Keras's Loss.__call__. sample_weight may have the batch
  // shape, (batch, 1), or broadcast against the per-sample values. y_pred_mask is the mask Keras
  // carries on y_pred (a model output's mask, e.g. (batch, timesteps) after Embedding(mask_zero)):
  // masked entries get weight 0 and sum_over_batch_size averages over the unmasked ones only.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {},
                    const Tensor& y_pred_mask = {}) const;

  const std::string& name() const { return name_; }
  Reduction reduction() const { return reduction_; }
  // The Keras class name ("SparseCategoricalCrossentropy"), for serialization.
  virtual std::string class_name() const = 0;
  // {"name": ..., "reduction": ...} plus the loss's own arguments, as Keras's get_config.
  virtual Config get_config() const;

 protected:
  // Per-sample validity (1 valid, 0 ignored; the shape of call()'s result) or an undefined tensor:
  // the mask Keras sets on the values call() returns (SparseCategoricalCrossentropy's ignore_class).
  // operator() combines it with y_pred_mask (logical and) and applies it as detail::apply_mask.
  virtual Tensor mask(const Tensor& y_true, const Tensor& y_pred) const;

 private:
  std::string name_;
  Reduction reduction_;
};

// Keras's LossFunctionWrapper: y_true and y_pred are first brought to the same rank (a trailing
// axis of size 1 is squeezed or added), then `fn` computes the per-sample values. `config` holds
// the loss's own arguments (from_logits, delta, ...), merged into get_config().
class LossFunctionWrapper : public Loss {
 public:
  LossFunctionWrapper(std::string class_name, LossFunction fn, std::string name,
                      Reduction reduction, const Config& config, bool same_rank = true);
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return class_name_; }
  Config get_config() const override;
  const LossFunction& function() const { return fn_; }

 private:
  std::string class_name_;
  LossFunction fn_;
  std::shared_ptr<const Config> config_;  // shared_ptr: Config is only forward-declared here
  bool same_rank_;
};

// By Keras name ("mse", "mean_squared_error", "categorical_crossentropy", ...) or class name
// ("MeanSquaredError"), with default arguments. ValueError listing the known names otherwise.
std::shared_ptr<Loss> get(const std::string& name);
// From a class name and its get_config() (as in a saved model's training_config).
std::shared_ptr<Loss> from_config(const std::string& class_name, const Config& config);
// {"class_name": ..., "config": {...}} as Keras serializes a loss object.
Config serialize(const Loss& loss);
std::shared_ptr<Loss> deserialize(const Config& serialized);

// The registry behind get / from_config; a custom loss class registers itself here.
Registry<Loss>& registry();

// A custom loss is any callable (y_true, y_pred) -> per-sample values.
std::shared_ptr<Loss> from_function(LossFunction fn, std::string name = "custom_loss",
                                    Reduction reduction = Reduction::sum_over_batch_size);

// Helpers shared by the loss and metric functions.
namespace detail {
// Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer one ends in
// an axis of size 1, squeeze it (or expand the rank-1 one when expand_rank_1).
std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1, const Tensor& x2,
                                                          bool expand_rank_1 = true);
// ShapeError "<what>: y_true and y_pred must have the same shape, received y_true.shape=(..),
// y_pred.shape=(..)" unless the shapes are equal.
void check_same_shape(const std::string& what, const Tensor& y_true, const Tensor& y_pred);
// y_true as y_pred's (floating) dtype; y_pred must be floating (DTypeError naming `what`).
Tensor labels_like(const std::string& what, const Tensor& y_true, const Tensor& y_pred);
// Keras's apply_mask: merges a mask into sample weights. For sum_over_batch_size the valid
// entries get weight total / valid (so the sum over the batch size is the mean over the valid
// entries), for other reductions 1; masked entries 0. The result is sample_weight * that mask,
// brought to the same rank first (ShapeError naming `what` when they do not broadcast), or the
// mask alone without sample_weight. An undefined mask returns sample_weight unchanged.
Tensor apply_mask(const std::string& what, const Tensor& sample_weight, const Tensor& mask, DType dtype,
                  Reduction reduction);
// Keras's backend.epsilon().
inline constexpr double epsilon = 1e-7;
}  // namespace detail

}  // namespace strata::losses
