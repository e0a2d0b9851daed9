#pragma once
// Internal to the Dataset pipeline (framework/data/dataset*.cpp), not part of the API: the node and
// stream interfaces, the index-form helpers, the portable shuffle, and the streams that only select
// or reorder items (templates over Example and row numbers). A Dataset is a graph of immutable
// nodes; each iteration opens a chain of streams.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/framework/data/dataset.hpp"
#include "strata/framework/ops/array_ops.hpp"

namespace strata::data::detail {

using Index = std::int64_t;

template <class T>
class Stream {
 public:
  virtual ~Stream() = default;
  // The next item, or nullopt when the stream is exhausted (and on every later call).
  virtual std::optional<T> next() = 0;
};

// The tensors of from_tensor_slices; each has `length` rows.
struct Slices {
  Tensor x, y, sample_weight;
  std::vector<Tensor> xs, ys;  // several inputs / targets (x, y are then their first)
  std::int64_t length = 0;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual std::int64_t cardinality() const = 0;
  virtual std::unique_ptr<Stream<Example>> open() const = 0;
  // Index form: the slices whose rows this node selects, and a stream of those row numbers.
  virtual std::shared_ptr<const Slices> slices() const { return nullptr; }
  virtual std::unique_ptr<Stream<Index>> open_indices() const { return nullptr; }
};

// ---------------------------------------------------------------------------------------------
// Helpers

// Row i of t without its leading axis (shares storage).
inline Tensor row(const Tensor& t, Index i) {
  if (!t.defined()) return {};
  return reshape(slice(t, 0, i, i + 1), Shape(t.shape().begin() + 1, t.shape().end()));
}

// Rows `indices` of t stacked: a zero-copy slice when they are consecutive, else one gather.
inline Tensor rows(const Tensor& t, const std::vector<Index>& indices, bool consecutive, const Tensor& index_tensor) {
  if (!t.defined()) return {};
  if (consecutive) return slice(t, 0, indices.front(), indices.front() + static_cast<Index>(indices.size()));
  return gather(t, index_tensor, 0);
}

// The example made of f(component) for every component of the slices.
template <class F>
Example map_slices(const Slices& s, F&& f) {
  Example e;
  for (const auto& t : s.xs) e.xs.push_back(f(t));
  for (const auto& t : s.ys) e.ys.push_back(f(t));
  // x and y are xs[0] and ys[0] when there are lists: cut (or gather) them once.
  e.x = e.xs.empty() ? f(s.x) : e.xs[0];
  e.y = e.ys.empty() ? f(s.y) : e.ys[0];
  e.sample_weight = f(s.sample_weight);
  return e;
}

// Mixes a seed and an epoch number into the seed of that epoch (splitmix64 finaliser).
inline std::uint64_t mix(std::uint64_t seed, std::uint64_t epoch) {
  std::uint64_t z = seed ^ (epoch * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// mt19937_64 is specified exactly by the standard, and the bounded draw below is ours, so a seed
// gives the same order with every standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, n), n > 0, without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
    std::uint64_t r;
    do r = engine_();
    while (r >= limit);
    return r % n;
  }

 private:
  std::mt19937_64 engine_;
};

template <class T>
std::unique_ptr<Stream<T>> open_as(const Node& node) {
  if constexpr (std::is_same_v<T, Index>)
    return node.open_indices();
  else
    return node.open();
}

// ---------------------------------------------------------------------------------------------
// Streams

class EmptyStream : public Stream<Example> {
 public:
  std::optional<Example> next() override { return std::nullopt; }
};

class RangeStream : public Stream<Index> {
 public:
  explicit RangeStream(Index n) : n_(n) {}
  std::optional<Index> next() override {
    if (i_ >= n_) return std::nullopt;
    return i_++;
  }

 private:
  Index n_, i_ = 0;
};

// Rows of the slices, in the order of an index stream.
class IndexedElementStream : public Stream<Example> {
 public:
  IndexedElementStream(std::shared_ptr<const Slices> slices, std::unique_ptr<Stream<Index>> indices)
      : slices_(std::move(slices)), indices_(std::move(indices)) {}
  std::optional<Example> next() override {
    auto i = indices_->next();
    if (!i) return std::nullopt;
    return map_slices(*slices_, [&](const Tensor& t) { return row(t, *i); });
  }

 private:
  std::shared_ptr<const Slices> slices_;
  std::unique_ptr<Stream<Index>> indices_;
};

// tf.data's shuffle buffer: fill it, then repeatedly emit a random slot and refill that slot from
// upstream; once upstream is exhausted, the buffer drains in random order.
template <class T>
class ShuffleStream : public Stream<T> {
 public:
  ShuffleStream(std::unique_ptr<Stream<T>> upstream, std::int64_t buffer_size, std::uint64_t seed)
      : upstream_(std::move(upstream)), buffer_size_(static_cast<std::size_t>(buffer_size)), rng_(seed) {}

  std::optional<T> next() override {
    if (!filled_) {
      filled_ = true;
      while (upstream_ && buffer_.size() < buffer_size_) {
        auto item = upstream_->next();
        if (!item) {
          upstream_.reset();
          break;
        }
        buffer_.push_back(std::move(*item));
      }
    }
    if (buffer_.empty()) return std::nullopt;
    const auto k = static_cast<std::size_t>(rng_.below(buffer_.size()));
    T out = std::move(buffer_[k]);
    if (upstream_) {
      if (auto item = upstream_->next()) {
        buffer_[k] = std::move(*item);
        return out;
      }
      upstream_.reset();
    }
    if (k + 1 != buffer_.size()) buffer_[k] = std::move(buffer_.back());
    buffer_.pop_back();
    return out;
  }

 private:
  std::unique_ptr<Stream<T>> upstream_;  // null once exhausted
  std::size_t buffer_size_;
  Rng rng_;
  std::vector<T> buffer_;
  bool filled_ = false;
};

// `count` passes over a node (-1: forever); each pass opens the node again (a new epoch).
template <class T>
class RepeatStream : public Stream<T> {
 public:
  RepeatStream(std::shared_ptr<const Node> node, std::int64_t count) : node_(std::move(node)), count_(count) {}
  std::optional<T> next() override {
    while (true) {
      if (!current_) {
        if (count_ >= 0 && passes_ >= count_) return std::nullopt;
        current_ = open_as<T>(*node_);
        ++passes_;
        produced_in_pass_ = false;
      }
      if (auto item = current_->next()) {
        produced_in_pass_ = true;
        return item;
      }
      current_.reset();
      // An empty pass ends the repetition (as tf.data), so repeat() of an empty dataset terminates.
      if (!produced_in_pass_) {
        count_ = passes_;
        return std::nullopt;
      }
    }
  }

 private:
  std::shared_ptr<const Node> node_;
  std::int64_t count_;
  std::int64_t passes_ = 0;
  bool produced_in_pass_ = false;
  std::unique_ptr<Stream<T>> current_;
};

template <class T>
class TakeStream : public Stream<T> {
 public:
  TakeStream(std::unique_ptr<Stream<T>> upstream, std::int64_t count) : upstream_(std::move(upstream)), left_(count) {}
  std::optional<T> next() override {
    if (left_ == 0 || !upstream_) return std::nullopt;
    auto item = upstream_->next();
    if (!item) {
      upstream_.reset();
      return std::nullopt;
    }
    if (left_ > 0 && --left_ == 0) upstream_.reset();  // release upstream resources (threads) early
    return item;
  }

 private:
  std::unique_ptr<Stream<T>> upstream_;
  std::int64_t left_;  // -1: unlimited
};

template <class T>
class SkipStream : public Stream<T> {
 public:
  SkipStream(std::unique_ptr<Stream<T>> upstream, std::int64_t count) : upstream_(std::move(upstream)), skip_(count) {}
  std::optional<T> next() override {
    if (skip_ < 0) return std::nullopt;  // skip everything
    for (; skip_ > 0; --skip_)
      if (!upstream_->next()) {
        skip_ = -1;
        return std::nullopt;
      }
    return upstream_->next();
  }

 private:
  std::unique_ptr<Stream<T>> upstream_;
  std::int64_t skip_;
};

// The streams that make or transform elements (dataset_streams.cpp).
std::unique_ptr<Stream<Example>> gather_batch_stream(std::shared_ptr<const Slices> slices,
                                                     std::unique_ptr<Stream<Index>> indices, std::int64_t batch_size,
                                                     bool drop_remainder);
std::unique_ptr<Stream<Example>> stack_batch_stream(std::unique_ptr<Stream<Example>> upstream, std::int64_t batch_size,
                                                    bool drop_remainder);
std::unique_ptr<Stream<Example>> map_stream(std::unique_ptr<Stream<Example>> upstream,
                                            std::shared_ptr<const Dataset::MapFunction> fn);
std::unique_ptr<Stream<Example>> generator_stream(Dataset::Generator generator);
std::unique_ptr<Stream<Example>> prefetch_stream(std::unique_ptr<Stream<Example>> upstream, std::size_t capacity);

}  // namespace strata::data::detail
