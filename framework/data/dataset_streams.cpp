// The Dataset streams that make or transform elements: batching (a gather over slices, or a stack
// of arbitrary elements), map, generators, and the prefetch thread.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "strata/framework/data/dataset_impl.hpp"
#include "strata/framework/errors.hpp"

namespace strata::data::detail {
namespace {

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

}  // namespace

std::unique_ptr<Stream<Example>> gather_batch_stream(std::shared_ptr<const Slices> slices,
                                                     std::unique_ptr<Stream<Index>> indices, std::int64_t batch_size,
                                                     bool drop_remainder) {
  return std::make_unique<GatherBatchStream>(std::move(slices), std::move(indices), batch_size, drop_remainder);
}

std::unique_ptr<Stream<Example>> stack_batch_stream(std::unique_ptr<Stream<Example>> upstream, std::int64_t batch_size,
                                                    bool drop_remainder) {
  return std::make_unique<StackBatchStream>(std::move(upstream), batch_size, drop_remainder);
}

std::unique_ptr<Stream<Example>> map_stream(std::unique_ptr<Stream<Example>> upstream,
                                            std::shared_ptr<const Dataset::MapFunction> fn) {
  return std::make_unique<MapStream>(std::move(upstream), std::move(fn));
}

std::unique_ptr<Stream<Example>> generator_stream(Dataset::Generator generator) {
  return std::make_unique<GeneratorStream>(std::move(generator));
}

std::unique_ptr<Stream<Example>> prefetch_stream(std::unique_ptr<Stream<Example>> upstream, std::size_t capacity) {
  return std::make_unique<PrefetchStream>(std::move(upstream), capacity);
}

}  // namespace strata::data::detail
