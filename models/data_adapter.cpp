#include "strata/models/data_adapter.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "strata/framework/errors.hpp"

namespace strata::models {
namespace {

// A dataset's element as a batch: xs / ys hold every input / target (just x and y for a dataset
// of one input and one target).
Batch to_batch(data::Example e) {
  if (e.xs.empty()) e.xs = {e.x};
  if (e.ys.empty() && e.y.defined()) e.ys = {e.y};
  return Batch(std::move(e.xs), std::move(e.ys), std::move(e.sample_weight));
}

BatchStream batches_of(std::shared_ptr<data::Iterator> it, std::function<void(const Batch&)> check) {
  return [it = std::move(it), check = std::move(check)]() -> std::optional<Batch> {
    auto example = it->next();
    if (!example) return std::nullopt;
    Batch batch = to_batch(std::move(*example));
    if (check) check(batch);
    return batch;
  };
}

// Steps of one pass over a dataset: steps when given, else its cardinality (-1 when unknown).
std::int64_t dataset_steps(const char* what, const Dataset& data, std::optional<std::int64_t> steps) {
  const std::int64_t cardinality = data.cardinality();
  if (cardinality == 0) throw ValueError(std::string(what) + ": the dataset is empty (cardinality 0)");
  if (steps) {
    if (*steps <= 0) throw ValueError(std::string(what) + ": steps must be positive, got " + std::to_string(*steps));
    return *steps;
  }
  if (cardinality == Dataset::INFINITE)
    throw ValueError(std::string(what) + ": the dataset is infinite (repeat() without a count); pass " +
                     (std::string(what) == "fit" ? "steps_per_epoch" : "steps") + " to say how many batches to take");
  return cardinality >= 0 ? cardinality : -1;
}

}  // namespace

DataAdapter DataAdapter::from_tensors(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                                      const Tensor& sample_weight, std::int64_t batch_size,
                                      std::optional<std::uint64_t> shuffle_seed, std::optional<std::int64_t> steps) {
  const Dataset slices = Dataset::from_tensor_slices(xs, ys, sample_weight);
  const std::int64_t n = slices.cardinality();
  DataAdapter adapter;
  adapter.steps_ = (n + batch_size - 1) / batch_size;
  if (steps) adapter.steps_ = std::min(adapter.steps_, *steps);
  adapter.epochs_ = [slices, n, batch_size, shuffle_seed](int epoch) {
    Dataset data = slices;
    if (shuffle_seed)
      data = data.shuffle(std::max<std::int64_t>(n, 1),
                          *shuffle_seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(epoch),
                          /*reshuffle_each_iteration=*/false);
    return batches_of(std::make_shared<data::Iterator>(data.batch(batch_size).iter()), {});
  };
  return adapter;
}

DataAdapter DataAdapter::from_dataset(const Dataset& dataset, const char* what, std::optional<std::int64_t> steps,
                                      std::function<void(const Batch&)> check, bool for_fit) {
  DataAdapter adapter;
  adapter.steps_ = dataset_steps(what, dataset, steps);
  if (!for_fit) {
    adapter.epochs_ = [dataset, check](int) { return batches_of(std::make_shared<data::Iterator>(dataset.iter()), check); };
    return adapter;
  }
  auto iterator = std::make_shared<data::Iterator>(dataset.iter());
  auto first = iterator->next();
  if (!first) throw ValueError(std::string(what) + ": the dataset yielded no batch");
  auto pending = std::make_shared<std::optional<Batch>>(to_batch(std::move(*first)));
  if (check) check(**pending);
  const bool restart = !steps;
  adapter.epochs_ = [dataset, iterator, pending, check, restart](int) {
    if (!*pending && restart) *iterator = dataset.iter();
    auto rest = batches_of(iterator, check);
    return BatchStream([pending, rest]() -> std::optional<Batch> {
      if (*pending) return std::exchange(*pending, std::nullopt);
      return rest();
    });
  };
  return adapter;
}

}  // namespace strata::models
