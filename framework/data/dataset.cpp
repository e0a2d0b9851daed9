// The Dataset API and the nodes of its pipeline (dataset_impl.hpp has the streams' interface).
//
// Nodes over in-memory tensor slices can run in "index form": shuffle, repeat, take and skip then
// move row numbers (int64) instead of tensors, and batch turns a batch of row numbers into one
// gather (or one zero-copy slice when the rows are consecutive). Element-wise iteration of such a
// pipeline uses the same index streams, so batched and unbatched orders always agree.
#include "strata/framework/data/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <string>

#include "strata/framework/data/dataset_impl.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::data {
namespace detail {
namespace {

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
  std::unique_ptr<Stream<Example>> open() const override { return generator_stream(factory_()); }

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
      return gather_batch_stream(std::move(s), upstream_->open_indices(), batch_size_, drop_remainder_);
    return stack_batch_stream(upstream_->open(), batch_size_, drop_remainder_);
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
  std::unique_ptr<Stream<Example>> open() const override { return map_stream(upstream_->open(), fn_); }

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
    return prefetch_stream(upstream_->open(), capacity_);
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
