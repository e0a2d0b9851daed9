#pragma once
// Probabilistic losses, as keras.losses: BinaryCrossentropy, BinaryFocalCrossentropy,
// CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson.
//
// Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does. With from_logits = true the
// cross-entropies are computed from log_softmax / softplus, so logits of any size (±1000) give
// finite values and gradients.
//
// Sparse labels may be int32, int64, uint8 or floating, of shape (batch,) or (batch, 1) (more
// generally y_pred's shape without the class axis, optionally with a trailing 1). A label outside
// [0, num_classes) raises ValueError naming the label and the number of classes.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "strata/losses/loss.hpp"

namespace strata::losses {

struct BinaryCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  // labels become y * (1 - s) + 0.5 * s
  int axis = -1;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;  // "binary_crossentropy"
};
struct BinaryFocalCrossentropyOptions {
  bool apply_class_balancing = false;
  double alpha = 0.25;
  double gamma = 2.0;
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;  // "binary_focal_crossentropy"
};
struct CategoricalCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  // labels become y * (1 - s) + s / num_classes
  int axis = -1;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;  // "categorical_crossentropy"
};
struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  std::optional<std::int64_t> ignore_class;  // a label value that contributes nothing (e.g. -1, 255)
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name;  // "sparse_categorical_crossentropy"
};

// mean over `axis` of -(y log p + (1 - y) log(1 - p)); from logits: softplus(x) - x y.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0.0, int axis = -1);
Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool apply_class_balancing = false,
                                 double alpha = 0.25, double gamma = 2.0, bool from_logits = false,
                                 double label_smoothing = 0.0, int axis = -1);
// -sum(y log p, axis) with p normalized to sum 1 and clipped; from logits: -sum(y log_softmax(x)).
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                double label_smoothing = 0.0, int axis = -1);
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                       std::optional<std::int64_t> ignore_class = std::nullopt);
// sum(y log(y / p), -1) with both clipped to [1e-7, 1].
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred);
// mean(p - y log(p + 1e-7), -1).
Tensor poisson(const Tensor& y_true, const Tensor& y_pred);

// Throws ValueError unless every label is an integer in [0, num_classes) (or == ignore_class).
// Copies the labels to the host.
void check_sparse_labels(const std::string& what, const Tensor& labels, std::int64_t num_classes,
                         std::optional<std::int64_t> ignore_class = std::nullopt);

std::shared_ptr<Loss> BinaryCrossentropy(const BinaryCrossentropyOptions& options = {});
std::shared_ptr<Loss> BinaryFocalCrossentropy(const BinaryFocalCrossentropyOptions& options = {});
std::shared_ptr<Loss> CategoricalCrossentropy(const CategoricalCrossentropyOptions& options = {});
std::shared_ptr<Loss> SparseCategoricalCrossentropy(const SparseCategoricalCrossentropyOptions& options = {});
std::shared_ptr<Loss> KLDivergence(const LossOptions& options = {});
std::shared_ptr<Loss> Poisson(const LossOptions& options = {});

}  // namespace strata::losses
