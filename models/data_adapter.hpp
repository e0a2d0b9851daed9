#pragma once
// What fit / evaluate / predict iterate, as Keras's data adapters: in-memory tensors and a Dataset
// both become a DataAdapter, which knows its steps per epoch and gives each epoch's Batches. Tensors
// go through the Dataset pipeline (from_tensor_slices, shuffle, batch), so there is one batching
// and one shuffle: the same seed gives the same batches with every standard library.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "strata/framework/data/dataset.hpp"

namespace strata {

// One batch as train_step / test_step see it: every input and target in the model's order, and
// the per-sample weights (undefined when none). x and y are the first input and target (xs[0] and
// ys[0], undefined when there is none), what the steps of a model of one input and one output read.
struct Batch {
  Batch() = default;
  Batch(std::vector<Tensor> inputs, std::vector<Tensor> targets, Tensor weights = {})
      : xs(std::move(inputs)), ys(std::move(targets)), sample_weight(std::move(weights)),
        x(xs.empty() ? Tensor() : xs[0]), y(ys.empty() ? Tensor() : ys[0]) {}
  Batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {})
      : Batch(std::vector<Tensor>{x}, y.defined() ? std::vector<Tensor>{y} : std::vector<Tensor>{}, sample_weight) {}
  std::vector<Tensor> xs, ys;
  Tensor sample_weight;
  Tensor x, y;
};

namespace models {

// The batches of one pass over the data, pulled one at a time (nullopt when the pass is over).
using BatchStream = std::function<std::optional<Batch>()>;

class DataAdapter {
 public:
  // In-memory tensors (checked by the caller: same lengths, rank >= 1), `batch_size` rows a batch.
  // With a shuffle seed, epoch e draws its order from Dataset::shuffle seeded by the seed and e
  // only, so a fit resumed at epoch e (BackupAndRestore) shuffles as the uninterrupted run did.
  static DataAdapter from_tensors(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight,
                                  std::int64_t batch_size, std::optional<std::uint64_t> shuffle_seed = std::nullopt,
                                  std::optional<std::int64_t> steps = std::nullopt);
  // A Dataset of batches (as Keras, its batch size is the data's): `steps` per epoch, or its
  // cardinality; an empty dataset, or an infinite one without steps, is an error naming `what`.
  // `check` sees every batch first. With `for_fit`, the first batch is read now (an empty dataset
  // fails before training), and with steps each epoch continues the same iterator, as Keras does;
  // otherwise each epoch restarts the data.
  static DataAdapter from_dataset(const Dataset& dataset, const char* what, std::optional<std::int64_t> steps,
                                  std::function<void(const Batch&)> check = {}, bool for_fit = false);

  // Batches per epoch (-1: until the data ends).
  std::int64_t steps() const { return steps_; }
  BatchStream epoch(int epoch) const { return epochs_(epoch); }

 private:
  std::function<BatchStream(int)> epochs_;
  std::int64_t steps_ = -1;
};

}  // namespace models
}  // namespace strata
