#pragma once
// strata::data::Dataset: an input pipeline in the manner of tf.data.
//
//   auto ds = st::Dataset::from_tensor_slices(x_train, y_train)
//                 .shuffle(60000, /*seed=*/42)
//                 .batch(128)
//                 .prefetch(2);
//   for (const st::Example& batch : ds) { ... batch.x, batch.y ... }   // one epoch
//
// An element is an Example: the inputs `x`, and optionally targets `y` and per-example
// `sample_weight` (undefined tensors when absent). A Dataset is a cheap handle to an immutable,
// shared pipeline; every transformation returns a new handle. Each iteration (begin(), iter(),
// elements()) is a new epoch: a shuffle with reshuffle_each_iteration draws a new order.
//
// In-memory data stays in memory: over tensor slices, shuffle/take/skip/repeat only reorder row
// indices, and batch gathers a whole batch of rows in one op (a run of consecutive rows is a
// zero-copy slice), so an epoch costs one gather per batch, not one copy per example.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata::data {

// One element of a dataset: a single example, or a batch of them stacked along axis 0.
struct Example {
  Tensor x{};
  Tensor y{};              // undefined when the dataset has no targets
  Tensor sample_weight{};  // undefined when the dataset has no sample weights
  // A dataset for a model with several inputs or targets (from_tensor_slices of vectors) carries
  // all of them here, in the model's order; x and y are then xs[0] and ys[0]. Empty otherwise.
  std::vector<Tensor> xs{};
  std::vector<Tensor> ys{};

  bool has_y() const { return y.defined(); }
  bool has_sample_weight() const { return sample_weight.defined(); }
};

// tf.data's cardinality markers.
inline constexpr std::int64_t INFINITE_CARDINALITY = -1;
inline constexpr std::int64_t UNKNOWN_CARDINALITY = -2;
// prefetch(AUTOTUNE): let the pipeline pick the buffer size.
inline constexpr std::int64_t AUTOTUNE = -1;

namespace detail {
class Node;
template <class T>
class Stream;
}  // namespace detail

// One pass over a dataset. Not thread-safe; move-only.
class Iterator {
 public:
  explicit Iterator(std::unique_ptr<detail::Stream<Example>> source);
  Iterator(Iterator&&) noexcept;
  Iterator& operator=(Iterator&&) noexcept;
  ~Iterator();

  // The next element, or nullopt at the end of the epoch (and forever after). An exception of the
  // pipeline (a map function, a generator, the prefetch thread) propagates once and ends the epoch.
  std::optional<Example> next();

 private:
  std::unique_ptr<detail::Stream<Example>> source_;
};

// Options of Dataset::from_arrays.
struct ArrayDatasetOptions {
  std::int64_t batch_size = 32;
  bool shuffle = false;
  std::optional<std::uint64_t> seed{};  // unset: drawn from the global generator (set_random_seed)
  bool drop_remainder = false;
};

class Dataset {
 public:
  using Element = Example;
  using MapFunction = std::function<Example(Example)>;
  // Returns a fresh generator per iteration; the generator returns nullopt when it is done.
  using Generator = std::function<std::optional<Example>()>;
  using GeneratorFactory = std::function<Generator()>;

  static constexpr std::int64_t INFINITE = INFINITE_CARDINALITY;
  static constexpr std::int64_t UNKNOWN = UNKNOWN_CARDINALITY;

  // An empty dataset (iterates zero times).
  Dataset();

  // Slices along axis 0: element i is (x[i], y[i], sample_weight[i]). All given tensors must have
  // rank >= 1 and the same length; an undefined y / sample_weight means "absent".
  static Dataset from_tensor_slices(const Tensor& x);
  static Dataset from_tensor_slices(const Tensor& x, const Tensor& y);
  static Dataset from_tensor_slices(const Tensor& x, const Tensor& y, const Tensor& sample_weight);
  // For a model with several inputs and/or outputs: element i is (xs[k][i] for every k, ys[k][i]
  // for every k, sample_weight[i]); Example::xs / ys hold them in this order.
  static Dataset from_tensor_slices(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                                    const Tensor& sample_weight = {});

  // Elements produced by C++ code: each iteration calls `factory` for a new generator.
  static Dataset from_generator(GeneratorFactory factory, std::int64_t cardinality = UNKNOWN_CARDINALITY);

  // In-memory arrays as batches: from_tensor_slices, then (when `shuffle`) a full-size reshuffling
  // shuffle with `seed`, then batch. (fit / evaluate / predict build the same pipeline per epoch in
  // models/data_adapter.cpp, with an epoch-numbered seed so that a resumed fit shuffles alike.)
  using ArrayOptions = ArrayDatasetOptions;
  static Dataset from_arrays(const Tensor& x, const Tensor& y = {}, const Tensor& sample_weight = {},
                             const ArrayOptions& options = {});

  // Randomly shuffles with a buffer of `buffer_size` elements, as tf.data: a buffer at least as
  // large as the dataset gives a uniform permutation. The same seed gives the same sequence of
  // epochs; without a seed one is drawn from the global generator (so set_random_seed makes a
  // program reproducible). With reshuffle_each_iteration every epoch has a new order.
  Dataset shuffle(std::int64_t buffer_size, std::optional<std::uint64_t> seed = std::nullopt,
                  bool reshuffle_each_iteration = true) const;
  // Stacks `batch_size` consecutive elements into (batch_size, ...) tensors; the last batch may be
  // smaller unless drop_remainder.
  Dataset batch(std::int64_t batch_size, bool drop_remainder = false) const;
  // Applies `fn` to every element (for example [](st::Example e) { e.x = e.x / 255.0f; return e; }).
  Dataset map(MapFunction fn) const;
  // Produces up to `buffer_size` elements ahead on a background thread (AUTOTUNE: 2; 0: no thread).
  // An exception of the producer is rethrown by the consumer at the element where it happened.
  Dataset prefetch(std::int64_t buffer_size = AUTOTUNE) const;
  // Repeats the dataset `count` times (-1: forever); each repetition is a new epoch of the upstream.
  Dataset repeat(std::int64_t count = -1) const;
  // The first `count` elements (-1: all).
  Dataset take(std::int64_t count) const;
  // All but the first `count` elements (-1: skips everything).
  Dataset skip(std::int64_t count) const;

  // The number of elements, or INFINITE_CARDINALITY (-1), or UNKNOWN_CARDINALITY (-2).
  std::int64_t cardinality() const;

  // A new epoch.
  Iterator iter() const;
  // Every element of a new epoch (ValueError for an infinite dataset).
  std::vector<Example> elements() const;

  // Range-for support: `for (const Example& batch : dataset)`; each begin() is a new epoch.
  class iterator {
   public:
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using reference = const Example&;
    using pointer = const Example*;
    using iterator_category = std::input_iterator_tag;

    iterator() = default;  // the end
    const Example& operator*() const { return *current_; }
    const Example* operator->() const { return &*current_; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.at_end() == b.at_end(); }

   private:
    friend class Dataset;
    explicit iterator(std::shared_ptr<Iterator> it);
    bool at_end() const { return !current_.has_value(); }
    std::shared_ptr<Iterator> it_;
    std::optional<Example> current_;
  };
  iterator begin() const;
  iterator end() const { return {}; }

 private:
  explicit Dataset(std::shared_ptr<const detail::Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const detail::Node> node_;
};

}  // namespace strata::data

namespace strata {
using data::Dataset;
using data::Example;
}  // namespace strata
