// The Dataset pipeline: a graph of immutable nodes; each iteration opens a chain of streams.
//
// Nodes over in-memory tensor slices can run in "index form": shuffle, repeat, take and skip then
// move row numbers (int64) instead of tensors, and batch turns a batch of row numbers into one
// gather (or one zero-copy slice when the rows are consecutive). Element-wise iteration of such a
// pipeline uses the same index streams, so batched and unbatched orders always agree.
#include "strata/framework/data/dataset.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "strata/framework/errors.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::data {
namespace detail {

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

namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

// Row i of t without its leading axis (shares storage).
Tensor row(const Tensor& t, Index i) {
  if (!t.defined()) return {};
  return reshape(slice(t, 0, i, i + 1), Shape(t.shape().begin() + 1, t.shape().end()));
}

// Rows `indices` of t stacked: a zero-copy slice when they are consecutive, else one gather.
Tensor rows(const Tensor& t, const std::vector<Index>& indices, bool consecutive, const Tensor& index_tensor) {
  if (!t.defined()) return {};
  if (consecutive) return slice(t, 0, indices.front(), indices.front() + static_cast<Index>(indices.size()));
  return gather(t, index_tensor, 0);
}

// The example made of f(component) for every component of the slices.
template <class F>
Example map_slices(const Slices& s, F&& f) {
  Example e{f(s.x), f(s.y), f(s.sample_weight)};
  for (const auto& t : s.xs) e.xs.push_back(f(t));
  for (const auto& t : s.ys) e.ys.push_back(f(t));
  return e;
}

// Mixes a seed and an epoch number into the seed of that epoch (splitmix64 finaliser).
std::uint64_t mix(std::uint64_t seed, std::uint64_t epoch) {
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

// Batches from slices: one gather (or slice) per component per batch.
class GatherBatchStream : public Stream<Example> {
 public:
  GatherBatchStream(std::shared_ptr<const Slices> slices, std::unique_ptr<Stream<Index>> indices,
                    std::int64_t batch_size, bool drop_remainder)
      : slices_(std::move(slices)), indices_(std::move(indices)), batch_size_(batch_size), drop_remainder_(drop_remainder) {
    batch_.reserve(static_cast<std::size_t>(std::min<std::int64_t>(batch_size_, 1 << 20)));
  }
  std::optional<Example> next() override {
    if (!indices_) return std::nullopt;
    batch_.clear();
    while (static_cast<std::int64_t>(batch_.size()) < batch_size_) {
      auto i = indices_->next();
      if (!i) {
        indices_.reset();
        break;
      }
      batch_.push_back(*i);
    }
    if (batch_.empty() || (drop_remainder_ && static_cast<std::int64_t>(batch_.size()) < batch_size_))
      return std::nullopt;
    bool consecutive = true;
    for (std::size_t j = 1; consecutive && j < batch_.size(); ++j) consecutive = batch_[j] == batch_[0] + static_cast<Index>(j);
    Tensor index_tensor;
    if (!consecutive) index_tensor = Tensor::from_vector(batch_, Shape{static_cast<std::int64_t>(batch_.size())});
    return map_slices(*slices_, [&](const Tensor& t) { return rows(t, batch_, consecutive, index_tensor); });
  }

 private:
  std::shared_ptr<const Slices> slices_;
  std::unique_ptr<Stream<Index>> indices_;  // null once exhausted
  std::int64_t batch_size_;
  bool drop_remainder_;
  std::vector<Index> batch_;
};

// Batches of arbitrary elements: stacks each component.
class StackBatchStream : public Stream<Example> {
 public:
  StackBatchStream(std::unique_ptr<Stream<Example>> upstream, std::int64_t batch_size, bool drop_remainder)
      : upstream_(std::move(upstream)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
  std::optional<Example> next() override {
    if (!upstream_) return std::nullopt;
    std::vector<Example> items;
    while (static_cast<std::int64_t>(items.size()) < batch_size_) {
      auto e = upstream_->next();
      if (!e) {
        upstream_.reset();
        break;
      }
      items.push_back(std::move(*e));
    }
    if (items.empty() || (drop_remainder_ && static_cast<std::int64_t>(items.size()) < batch_size_)) return std::nullopt;
    Example batch{stack_component(items, [](const Example& e) -> const Tensor& { return e.x; }, "x"),
                  stack_component(items, [](const Example& e) -> const Tensor& { return e.y; }, "y"),
                  stack_component(items, [](const Example& e) -> const Tensor& { return e.sample_weight; }, "sample_weight")};
    batch.xs = stack_list(items, &Example::xs, "xs");
    batch.ys = stack_list(items, &Example::ys, "ys");
    return batch;
  }

 private:
  // Component k of a list member (xs / ys) stacked, for every k; every element has as many.
  static std::vector<Tensor> stack_list(const std::vector<Example>& items, std::vector<Tensor> Example::*member,
                                        const char* name) {
    const std::size_t count = (items.front().*member).size();
    for (std::size_t i = 0; i < items.size(); ++i)
      if ((items[i].*member).size() != count)
        throw ValueError(std::string("batch: element ") + std::to_string(i) + " has " +
                         std::to_string((items[i].*member).size()) + " " + name + " but element 0 has " +
                         std::to_string(count));
    std::vector<Tensor> out;
    for (std::size_t k = 0; k < count; ++k) {
      const std::string label = std::string(name) + "[" + std::to_string(k) + "]";
      out.push_back(stack_component(items, [&](const Example& e) -> const Tensor& { return (e.*member)[k]; }, label.c_str()));
    }
    return out;
  }

  template <class Get>
  static Tensor stack_component(const std::vector<Example>& items, Get get, const char* name) {
    const Tensor& first = get(items.front());
    std::vector<Tensor> parts;
    parts.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Tensor& t = get(items[i]);
      if (t.defined() != first.defined())
        throw ValueError(std::string("batch: element ") + std::to_string(i) + " of a batch " +
                         (t.defined() ? "has" : "has no") + " " + name + " but element 0 " +
                         (first.defined() ? "has" : "has no") + " " + name);
      if (!t.defined()) continue;
      if (t.shape() != first.shape() || t.dtype() != first.dtype())
        throw ShapeError(std::string("batch: cannot stack elements of different shapes or dtypes: ") + name +
                         " of element 0 is " + first.shape().to_string() + " " + std::string(dtype_name(first.dtype())) +
                         " but " + name + " of element " + std::to_string(i) + " is " + t.shape().to_string() + " " +
                         std::string(dtype_name(t.dtype())) + " (map the elements to one shape before batching)");
      parts.push_back(t);
    }
    if (parts.empty()) return {};
    return stack(parts, 0);
  }

  std::unique_ptr<Stream<Example>> upstream_;
  std::int64_t batch_size_;
  bool drop_remainder_;
};

class MapStream : public Stream<Example> {
 public:
  MapStream(std::unique_ptr<Stream<Example>> upstream, std::shared_ptr<const Dataset::MapFunction> fn)
      : upstream_(std::move(upstream)), fn_(std::move(fn)) {}
  std::optional<Example> next() override {
    auto e = upstream_->next();
    if (!e) return std::nullopt;
    return (*fn_)(std::move(*e));
  }

 private:
  std::unique_ptr<Stream<Example>> upstream_;
  std::shared_ptr<const Dataset::MapFunction> fn_;
};

class GeneratorStream : public Stream<Example> {
 public:
  explicit GeneratorStream(Dataset::Generator generator) : generator_(std::move(generator)) {}
  std::optional<Example> next() override {
    if (done_) return std::nullopt;
    auto e = generator_();
    if (!e) done_ = true;
    return e;
  }

 private:
  Dataset::Generator generator_;
  bool done_ = false;
};

// Runs the upstream on a background thread, keeping up to `capacity` elements ready. The upstream
// stream is touched only by the worker; the queue and flags only under the mutex. Destroying the
// stream stops the worker (it finishes the element it is producing) and joins it.
class PrefetchStream : public Stream<Example> {
 public:
  PrefetchStream(std::unique_ptr<Stream<Example>> upstream, std::size_t capacity)
      : upstream_(std::move(upstream)), capacity_(capacity) {
    worker_ = std::thread([this] { produce(); });
  }
  ~PrefetchStream() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    not_full_.notify_all();
    worker_.join();
  }

  std::optional<Example> next() override {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [this] { return !queue_.empty() || done_; });
    if (!queue_.empty()) {
      Example e = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      not_full_.notify_one();
      return e;
    }
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));  // once; then the end
    return std::nullopt;
  }

 private:
  void produce() {
    try {
      while (true) {
        {
          std::unique_lock lock(mutex_);
          not_full_.wait(lock, [this] { return stop_ || queue_.size() < capacity_; });
          if (stop_) break;
        }
        auto e = upstream_->next();
        std::lock_guard lock(mutex_);
        if (!e) break;
        queue_.push_back(std::move(*e));
        not_empty_.notify_one();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    upstream_.reset();  // release upstream resources (e.g. a nested prefetch) on this thread
    std::lock_guard lock(mutex_);
    done_ = true;
    not_empty_.notify_all();
  }

  std::unique_ptr<Stream<Example>> upstream_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Example> queue_;
  bool stop_ = false, done_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

// ---------------------------------------------------------------------------------------------
// Nodes

class EmptyNode : public Node {
 public:
  std::int64_t cardinality() const override { return 0; }
  std::unique_ptr<Stream<Example>> open() const override { return std::make_unique<EmptyStream>(); }
};

class SlicesNode : public Node {
 public:
  explicit SlicesNode(std::shared_ptr<const Slices> s) : slices_(std::move(s)) {}
  std::int64_t cardinality() const override { return slices_->length; }
  std::shared_ptr<const Slices> slices() const override { return slices_; }
  std::unique_ptr<Stream<Index>> open_indices() const override { return std::make_unique<RangeStream>(slices_->length); }
  std::unique_ptr<Stream<Example>> open() const override {
    return std::make_unique<IndexedElementStream>(slices_, open_indices());
  }

 private:
  std::shared_ptr<const Slices> slices_;
};

class GeneratorNode : public Node {
 public:
  GeneratorNode(Dataset::GeneratorFactory factory, std::int64_t cardinality)
      : factory_(std::move(factory)), cardinality_(cardinality) {}
  std::int64_t cardinality() const override { return cardinality_; }
  std::unique_ptr<Stream<Example>> open() const override { return std::make_unique<GeneratorStream>(factory_()); }

 private:
  Dataset::GeneratorFactory factory_;
  std::int64_t cardinality_;
};

// A node that only selects or reorders upstream elements, so it works on row numbers when the
// upstream is in index form. Derived::make<T>() opens the stream for items of type T.
template <class Derived>
class ReorderNode : public Node {
 public:
  explicit ReorderNode(std::shared_ptr<const Node> upstream) : upstream_(std::move(upstream)), slices_(upstream_->slices()) {}
  std::shared_ptr<const Slices> slices() const override { return slices_; }
  std::unique_ptr<Stream<Index>> open_indices() const override {
    if (!slices_) return nullptr;
    return self().template make<Index>();
  }
  std::unique_ptr<Stream<Example>> open() const override {
    if (slices_) return std::make_unique<IndexedElementStream>(slices_, open_indices());
    return self().template make<Example>();
  }

 protected:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  std::shared_ptr<const Node> upstream_;
  std::shared_ptr<const Slices> slices_;
};

class ShuffleNode : public ReorderNode<ShuffleNode> {
 public:
  ShuffleNode(std::shared_ptr<const Node> upstream, std::int64_t buffer_size, std::uint64_t seed, bool reshuffle)
      : ReorderNode(std::move(upstream)), buffer_size_(buffer_size), seed_(seed), reshuffle_(reshuffle) {}
  std::int64_t cardinality() const override { return upstream_->cardinality(); }
  template <class T>
  std::unique_ptr<Stream<T>> make() const {
    const std::uint64_t epoch = reshuffle_ ? epochs_.fetch_add(1, std::memory_order_relaxed) : 0;
    return std::make_unique<ShuffleStream<T>>(open_as<T>(*upstream_), buffer_size_, mix(seed_, epoch));
  }

 private:
  std::int64_t buffer_size_;
  std::uint64_t seed_;
  bool reshuffle_;
  mutable std::atomic<std::uint64_t> epochs_{0};  // iterations opened so far (the pipeline is otherwise immutable)
};

class RepeatNode : public ReorderNode<RepeatNode> {
 public:
  RepeatNode(std::shared_ptr<const Node> upstream, std::int64_t count) : ReorderNode(std::move(upstream)), count_(count) {}
  std::int64_t cardinality() const override {
    const auto n = upstream_->cardinality();
    if (count_ == 0 || n == 0) return 0;
    if (n == INFINITE_CARDINALITY) return INFINITE_CARDINALITY;
    if (n == UNKNOWN_CARDINALITY) return UNKNOWN_CARDINALITY;
    if (count_ < 0) return INFINITE_CARDINALITY;
    return n * count_;
  }
  template <class T>
  std::unique_ptr<Stream<T>> make() const {
    return std::make_unique<RepeatStream<T>>(upstream_, count_);
  }

 private:
  std::int64_t count_;
};

class TakeNode : public ReorderNode<TakeNode> {
 public:
  TakeNode(std::shared_ptr<const Node> upstream, std::int64_t count) : ReorderNode(std::move(upstream)), count_(count) {}
  std::int64_t cardinality() const override {
    const auto n = upstream_->cardinality();
    if (count_ < 0) return n;
    if (count_ == 0) return 0;
    if (n == INFINITE_CARDINALITY) return count_;
    if (n == UNKNOWN_CARDINALITY) return UNKNOWN_CARDINALITY;
    return std::min(n, count_);
  }
  template <class T>
  std::unique_ptr<Stream<T>> make() const {
    return std::make_unique<TakeStream<T>>(open_as<T>(*upstream_), count_);
  }

 private:
  std::int64_t count_;
};

class SkipNode : public ReorderNode<SkipNode> {
 public:
  SkipNode(std::shared_ptr<const Node> upstream, std::int64_t count) : ReorderNode(std::move(upstream)), count_(count) {}
  std::int64_t cardinality() const override {
    const auto n = upstream_->cardinality();
    if (count_ < 0) return n == INFINITE_CARDINALITY ? INFINITE_CARDINALITY : 0;
    if (n == INFINITE_CARDINALITY || n == UNKNOWN_CARDINALITY) return n;
    return std::max<std::int64_t>(0, n - count_);
  }
  template <class T>
  std::unique_ptr<Stream<T>> make() const {
    return std::make_unique<SkipStream<T>>(open_as<T>(*upstream_), count_);
  }

 private:
  std::int64_t count_;
};

class BatchNode : public Node {
 public:
  BatchNode(std::shared_ptr<const Node> upstream, std::int64_t batch_size, bool drop_remainder)
      : upstream_(std::move(upstream)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
  std::int64_t cardinality() const override {
    const auto n = upstream_->cardinality();
    if (n < 0) return n;
    return drop_remainder_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
  }
  std::unique_ptr<Stream<Example>> open() const override {
    if (auto s = upstream_->slices())
      return std::make_unique<GatherBatchStream>(std::move(s), upstream_->open_indices(), batch_size_, drop_remainder_);
    return std::make_unique<StackBatchStream>(upstream_->open(), batch_size_, drop_remainder_);
  }

 private:
  std::shared_ptr<const Node> upstream_;
  std::int64_t batch_size_;
  bool drop_remainder_;
};

class MapNode : public Node {
 public:
  MapNode(std::shared_ptr<const Node> upstream, Dataset::MapFunction fn)
      : upstream_(std::move(upstream)), fn_(std::make_shared<const Dataset::MapFunction>(std::move(fn))) {}
  std::int64_t cardinality() const override { return upstream_->cardinality(); }
  std::unique_ptr<Stream<Example>> open() const override { return std::make_unique<MapStream>(upstream_->open(), fn_); }

 private:
  std::shared_ptr<const Node> upstream_;
  std::shared_ptr<const Dataset::MapFunction> fn_;
};

class PrefetchNode : public Node {
 public:
  PrefetchNode(std::shared_ptr<const Node> upstream, std::size_t capacity)
      : upstream_(std::move(upstream)), capacity_(capacity) {}
  std::int64_t cardinality() const override { return upstream_->cardinality(); }
  std::unique_ptr<Stream<Example>> open() const override {
    return std::make_unique<PrefetchStream>(upstream_->open(), capacity_);
  }

 private:
  std::shared_ptr<const Node> upstream_;
  std::size_t capacity_;
};

}  // namespace
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Iterator

Iterator::Iterator(std::unique_ptr<detail::Stream<Example>> source) : source_(std::move(source)) {}
Iterator::Iterator(Iterator&&) noexcept = default;
Iterator& Iterator::operator=(Iterator&&) noexcept = default;
Iterator::~Iterator() = default;

std::optional<Example> Iterator::next() {
  if (!source_) return std::nullopt;
  std::optional<Example> e;
  try {
    e = source_->next();
  } catch (...) {
    source_.reset();  // an error ends the iteration
    throw;
  }
  if (!e) source_.reset();  // the end: release the pipeline (and its threads) now
  return e;
}

Dataset::iterator::iterator(std::shared_ptr<Iterator> it) : it_(std::move(it)) { ++*this; }

Dataset::iterator& Dataset::iterator::operator++() {
  current_.reset();
  if (it_) {
    current_ = it_->next();
    if (!current_) it_.reset();
  }
  return *this;
}

// ---------------------------------------------------------------------------------------------
// Dataset

Dataset::Dataset() : node_(std::make_shared<detail::EmptyNode>()) {}

Dataset Dataset::from_tensor_slices(const Tensor& x) { return from_tensor_slices(x, Tensor{}, Tensor{}); }
Dataset Dataset::from_tensor_slices(const Tensor& x, const Tensor& y) { return from_tensor_slices(x, y, Tensor{}); }

Dataset Dataset::from_tensor_slices(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  if (!x.defined()) throw ValueError("from_tensor_slices: x is an undefined tensor");
  if (sample_weight.defined() && !y.defined())
    throw ValueError("from_tensor_slices: sample_weight was given without y (targets)");
  auto check_rank = [](const Tensor& t, const char* name) {
    if (t.defined() && t.rank() == 0)
      throw ShapeError(std::string("from_tensor_slices: ") + name +
                       " must have at least one dimension to slice along axis 0, got a scalar");
  };
  check_rank(x, "x");
  check_rank(y, "y");
  check_rank(sample_weight, "sample_weight");
  const std::int64_t n = x.shape()[0];
  auto check_length = [&](const Tensor& t, const char* name) {
    if (t.defined() && t.shape()[0] != n)
      throw ShapeError(std::string("from_tensor_slices: all tensors must have the same length along axis 0, got x "
                                   "of shape ") +
                       x.shape().to_string() + " (" + std::to_string(n) + " examples) and " + name + " of shape " +
                       t.shape().to_string() + " (" + std::to_string(t.shape()[0]) + " examples)");
  };
  check_length(y, "y");
  check_length(sample_weight, "sample_weight");
  auto slices = std::make_shared<detail::Slices>();
  slices->x = x;
  slices->y = y;
  slices->sample_weight = sample_weight;
  slices->length = n;
  return Dataset(std::make_shared<detail::SlicesNode>(std::move(slices)));
}

Dataset Dataset::from_tensor_slices(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                                    const Tensor& sample_weight) {
  if (xs.empty()) throw ValueError("from_tensor_slices: no input tensors were given");
  for (std::size_t k = 0; k < xs.size(); ++k)
    if (!xs[k].defined()) throw ValueError("from_tensor_slices: input " + std::to_string(k) + " is an undefined tensor");
  for (std::size_t k = 0; k < ys.size(); ++k)
    if (!ys[k].defined()) throw ValueError("from_tensor_slices: target " + std::to_string(k) + " is an undefined tensor");
  // The first input and target go through the single-tensor checks, the rest are checked alike.
  Dataset first = from_tensor_slices(xs[0], ys.empty() ? Tensor() : ys[0], sample_weight);
  auto slices = std::make_shared<detail::Slices>(*first.node_->slices());
  auto check = [&](const Tensor& t, const std::string& name) {
    if (t.rank() == 0 || t.shape()[0] != slices->length)
      throw ShapeError("from_tensor_slices: all tensors must have the same length along axis 0, got input 0 of shape " +
                       xs[0].shape().to_string() + " and " + name + " of shape " + t.shape().to_string());
  };
  for (std::size_t k = 0; k < xs.size(); ++k) check(xs[k], "input " + std::to_string(k));
  for (std::size_t k = 0; k < ys.size(); ++k) check(ys[k], "target " + std::to_string(k));
  slices->xs = xs;
  slices->ys = ys;
  return Dataset(std::make_shared<detail::SlicesNode>(std::move(slices)));
}

Dataset Dataset::from_generator(GeneratorFactory factory, std::int64_t cardinality) {
  if (!factory) throw ValueError("from_generator: the generator factory is empty");
  if (cardinality < UNKNOWN_CARDINALITY)
    throw ValueError("from_generator: cardinality must be >= 0, INFINITE_CARDINALITY (-1) or UNKNOWN_CARDINALITY (-2), got " +
                     std::to_string(cardinality));
  return Dataset(std::make_shared<detail::GeneratorNode>(std::move(factory), cardinality));
}

Dataset Dataset::from_arrays(const Tensor& x, const Tensor& y, const Tensor& sample_weight, const ArrayOptions& options) {
  auto ds = from_tensor_slices(x, y, sample_weight);
  if (options.shuffle) ds = ds.shuffle(std::max<std::int64_t>(ds.cardinality(), 1), options.seed);
  return ds.batch(options.batch_size, options.drop_remainder);
}

Dataset Dataset::shuffle(std::int64_t buffer_size, std::optional<std::uint64_t> seed, bool reshuffle_each_iteration) const {
  if (buffer_size <= 0) throw ValueError("shuffle: buffer_size must be positive, got " + std::to_string(buffer_size));
  const std::uint64_t s = seed ? *seed : next_random_seed();
  return Dataset(std::make_shared<detail::ShuffleNode>(node_, buffer_size, s, reshuffle_each_iteration));
}

Dataset Dataset::batch(std::int64_t batch_size, bool drop_remainder) const {
  if (batch_size <= 0) throw ValueError("batch: batch_size must be positive, got " + std::to_string(batch_size));
  return Dataset(std::make_shared<detail::BatchNode>(node_, batch_size, drop_remainder));
}

Dataset Dataset::map(MapFunction fn) const {
  if (!fn) throw ValueError("map: the function is empty");
  return Dataset(std::make_shared<detail::MapNode>(node_, std::move(fn)));
}

Dataset Dataset::prefetch(std::int64_t buffer_size) const {
  if (buffer_size < AUTOTUNE)
    throw ValueError("prefetch: buffer_size must be >= 0 or AUTOTUNE (-1), got " + std::to_string(buffer_size));
  if (buffer_size == 0) return *this;
  const std::size_t capacity = buffer_size == AUTOTUNE ? 2 : static_cast<std::size_t>(buffer_size);
  return Dataset(std::make_shared<detail::PrefetchNode>(node_, capacity));
}

Dataset Dataset::repeat(std::int64_t count) const {
  if (count < -1) throw ValueError("repeat: count must be >= 0, or -1 to repeat forever, got " + std::to_string(count));
  return Dataset(std::make_shared<detail::RepeatNode>(node_, count));
}

Dataset Dataset::take(std::int64_t count) const {
  if (count < -1) throw ValueError("take: count must be >= 0, or -1 to take everything, got " + std::to_string(count));
  return Dataset(std::make_shared<detail::TakeNode>(node_, count));
}

Dataset Dataset::skip(std::int64_t count) const {
  if (count < -1) throw ValueError("skip: count must be >= 0, or -1 to skip everything, got " + std::to_string(count));
  return Dataset(std::make_shared<detail::SkipNode>(node_, count));
}

std::int64_t Dataset::cardinality() const { return node_->cardinality(); }

Iterator Dataset::iter() const { return Iterator(node_->open()); }

std::vector<Example> Dataset::elements() const {
  if (cardinality() == INFINITE_CARDINALITY)
    throw ValueError("elements: the dataset is infinite (use take(n) first)");
  std::vector<Example> out;
  auto it = iter();
  while (auto e = it.next()) out.push_back(std::move(*e));
  return out;
}

Dataset::iterator Dataset::begin() const { return iterator(std::make_shared<Iterator>(iter())); }

}  // namespace strata::data
