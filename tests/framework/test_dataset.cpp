// strata::Dataset: slicing, shuffle (tf.data buffer semantics, seeds, epochs), batch, map,
// prefetch on a background thread (same sequence, early destruction, exceptions), repeat, take,
// skip, cardinality, and the in-memory fast path.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "strata/framework/data/dataset.hpp"
#include "strata/strata.hpp"

namespace st = strata;
using st::Dataset;
using st::Example;
using st::Shape;
using st::Tensor;

namespace {

// x[i] = [i, i + 0.5] (float32), y[i] = 10 i (int64): every row says where it came from.
Tensor row_ids_x(std::int64_t n) {
  std::vector<float> v;
  for (std::int64_t i = 0; i < n; ++i) {
    v.push_back(static_cast<float>(i));
    v.push_back(static_cast<float>(i) + 0.5f);
  }
  return Tensor::from_vector(v, Shape{n, 2});
}
Tensor row_ids_y(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = 10 * i;
  return Tensor::from_vector(v, Shape{n});
}

// The row ids of one epoch of an element-wise dataset of row_ids_x rows.
std::vector<std::int64_t> ids(const Dataset& ds) {
  std::vector<std::int64_t> out;
  for (const Example& e : ds) {
    if (e.x.rank() == 1) {
      out.push_back(static_cast<std::int64_t>(e.x.to_vector<float>()[0]));
    } else {  // a batch
      auto v = e.x.to_vector<float>();
      for (std::size_t i = 0; i < v.size(); i += 2) out.push_back(static_cast<std::int64_t>(v[i]));
    }
  }
  return out;
}

std::vector<std::int64_t> range(std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(end - begin));
  std::iota(v.begin(), v.end(), begin);
  return v;
}

bool is_permutation_of_range(std::vector<std::int64_t> v, std::int64_t n) {
  std::sort(v.begin(), v.end());
  return v == range(0, n);
}

// A generator dataset of scalars 0..n-1 that throws when it reaches `throw_at` (-1: never).
Dataset counting(std::int64_t n, std::int64_t throw_at = -1) {
  return Dataset::from_generator(
      [n, throw_at] {
        return [i = std::int64_t{0}, n, throw_at]() mutable -> std::optional<Example> {
          if (i == throw_at) throw std::runtime_error("generator failed at " + std::to_string(i));
          if (i >= n) return std::nullopt;
          const auto v = static_cast<float>(i++);
          return Example{Tensor::from_vector(std::vector<float>{v, v + 0.5f}, Shape{2})};
        };
      },
      n);
}

}  // namespace

TEST_CASE("Dataset: from_tensor_slices slices along axis 0") {
  auto ds = Dataset::from_tensor_slices(row_ids_x(5), row_ids_y(5));
  CHECK(ds.cardinality() == 5);
  auto elements = ds.elements();
  REQUIRE(elements.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(elements[i].x.shape() == Shape{2});
    CHECK(elements[i].x.dtype() == st::float32);
    CHECK(elements[i].x.to_vector<float>() == std::vector<float>{float(i), float(i) + 0.5f});
    CHECK(elements[i].y.shape() == Shape{});
    CHECK(elements[i].y.dtype() == st::int64);
    CHECK(elements[i].y.item<std::int64_t>() == 10 * static_cast<std::int64_t>(i));
    CHECK_FALSE(elements[i].has_sample_weight());
  }
  // x only, and with sample weights.
  auto x_only = Dataset::from_tensor_slices(row_ids_x(3)).elements();
  CHECK(x_only.size() == 3);
  CHECK_FALSE(x_only[0].has_y());
  auto weighted = Dataset::from_tensor_slices(row_ids_x(3), row_ids_y(3), Tensor({0.5, 1.0, 2.0})).elements();
  CHECK(weighted[2].sample_weight.item<float>() == 2.0f);
  // strata::Dataset is the same type.
  static_assert(std::is_same_v<st::Dataset, st::data::Dataset>);
}

TEST_CASE("Dataset: from_tensor_slices rejects mismatched lengths and scalars") {
  try {
    (void)Dataset::from_tensor_slices(row_ids_x(100), row_ids_y(99));
    FAIL("expected a ShapeError");
  } catch (const st::ShapeError& e) {
    const std::string what = e.what();
    CHECK(what.find("same length") != std::string::npos);
    CHECK(what.find("(100, 2)") != std::string::npos);
    CHECK(what.find("(99,)") != std::string::npos);
  }
  CHECK_THROWS_AS((void)Dataset::from_tensor_slices(row_ids_x(4), row_ids_y(4), Tensor({1.0, 2.0})), st::ShapeError);
  CHECK_THROWS_AS((void)Dataset::from_tensor_slices(Tensor(3.0f)), st::ValueError);
  CHECK_THROWS_AS((void)Dataset::from_tensor_slices(row_ids_x(2), Tensor{}, Tensor({1.0, 2.0})), st::ValueError);
  CHECK_THROWS_AS((void)Dataset::from_tensor_slices(Tensor{}), st::ValueError);
}

TEST_CASE("Dataset: empty datasets iterate zero times") {
  int count = 0;
  for (const Example& e : Dataset()) {
    (void)e;
    ++count;
  }
  CHECK(count == 0);
  CHECK(Dataset().cardinality() == 0);
  auto empty = Dataset::from_tensor_slices(st::zeros({0, 3}), st::zeros({0}));
  CHECK(empty.cardinality() == 0);
  CHECK(empty.elements().empty());
  CHECK(empty.batch(4).cardinality() == 0);
  CHECK(empty.batch(4).elements().empty());
  CHECK(empty.shuffle(10, 1).batch(4).elements().empty());
  CHECK(empty.repeat().elements().empty());  // repeating nothing forever terminates (as tf.data)
  CHECK(empty.repeat().cardinality() == 0);
  auto it = empty.iter();
  CHECK_FALSE(it.next().has_value());
  CHECK_FALSE(it.next().has_value());
}

TEST_CASE("Dataset: batch stacks elements; drop_remainder drops the short last batch") {
  auto ds = Dataset::from_tensor_slices(row_ids_x(10), row_ids_y(10));
  auto batches = ds.batch(3).elements();
  CHECK(ds.batch(3).cardinality() == 4);
  REQUIRE(batches.size() == 4);
  CHECK(batches[0].x.shape() == Shape{3, 2});
  CHECK(batches[0].y.shape() == Shape{3});
  CHECK(batches[3].x.shape() == Shape{1, 2});
  CHECK(batches[1].y.to_vector<std::int64_t>() == std::vector<std::int64_t>{30, 40, 50});
  CHECK(batches[3].x.to_vector<float>() == std::vector<float>{9.0f, 9.5f});

  auto dropped = ds.batch(3, /*drop_remainder=*/true);
  CHECK(dropped.cardinality() == 3);
  auto kept = dropped.elements();
  REQUIRE(kept.size() == 3);
  for (const auto& b : kept) CHECK(b.x.shape() == Shape{3, 2});

  CHECK(ds.batch(10).elements().size() == 1);
  CHECK(ds.batch(64).elements()[0].x.shape() == Shape{10, 2});
  CHECK(ds.batch(64, true).elements().empty());
  CHECK(ds.batch(64, true).cardinality() == 0);
  CHECK_THROWS_AS((void)ds.batch(0), st::ValueError);
}

TEST_CASE("Dataset: batch of arbitrary elements stacks them (generator, map, nested batch)") {
  auto batches = counting(7).batch(3).elements();
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].x.shape() == Shape{3, 2});
  CHECK(batches[2].x.to_vector<float>() == std::vector<float>{6.0f, 6.5f});
  CHECK_FALSE(batches[0].has_y());

  // Batches of batches: (3 batches of 2) -> (3, 2, 2).
  auto nested = Dataset::from_tensor_slices(row_ids_x(12), row_ids_y(12)).batch(2).batch(3).elements();
  REQUIRE(nested.size() == 2);
  CHECK(nested[0].x.shape() == Shape{3, 2, 2});
  CHECK(nested[1].y.to_vector<std::int64_t>() == std::vector<std::int64_t>{60, 70, 80, 90, 100, 110});

  // Elements of different shapes cannot be stacked.
  auto ragged = Dataset::from_tensor_slices(row_ids_x(4)).map([](Example e) {
    if (e.x.to_vector<float>()[0] == 1.0f) e.x = st::concat({e.x, e.x});
    return e;
  });
  try {
    (void)ragged.batch(4).elements();
    FAIL("expected a ShapeError");
  } catch (const st::ShapeError& e) {
    CHECK(std::string(e.what()).find("batch") != std::string::npos);
  }
}

TEST_CASE("Dataset: shuffle with a full buffer is a permutation, reproducible for a seed") {
  const std::int64_t n = 100;
  auto ds = Dataset::from_tensor_slices(row_ids_x(n), row_ids_y(n)).shuffle(n, 42);
  CHECK(ds.cardinality() == n);
  const auto epoch1 = ids(ds);
  const auto epoch2 = ids(ds);
  CHECK(is_permutation_of_range(epoch1, n));
  CHECK(is_permutation_of_range(epoch2, n));
  CHECK(epoch1 != range(0, n));
  CHECK(epoch1 != epoch2);  // reshuffled each iteration

  // A new pipeline with the same seed replays the same sequence of epochs.
  auto again = Dataset::from_tensor_slices(row_ids_x(n), row_ids_y(n)).shuffle(n, 42);
  CHECK(ids(again) == epoch1);
  CHECK(ids(again) == epoch2);
  // Another seed gives another order.
  CHECK(ids(Dataset::from_tensor_slices(row_ids_x(n)).shuffle(n, 43)) != epoch1);

  // Without reshuffling every epoch has the same order.
  auto fixed = Dataset::from_tensor_slices(row_ids_x(n)).shuffle(n, 7, /*reshuffle_each_iteration=*/false);
  const auto f1 = ids(fixed);
  CHECK(ids(fixed) == f1);
  CHECK(is_permutation_of_range(f1, n));

  // x and y stay together.
  for (const Example& e : ds) CHECK(e.y.item<std::int64_t>() == 10 * static_cast<std::int64_t>(e.x.to_vector<float>()[0]));

  // The global seed makes an unseeded shuffle reproducible.
  st::set_random_seed(5);
  auto a = ids(Dataset::from_tensor_slices(row_ids_x(n)).shuffle(n));
  st::set_random_seed(5);
  auto b = ids(Dataset::from_tensor_slices(row_ids_x(n)).shuffle(n));
  CHECK(a == b);
  CHECK_THROWS_AS((void)Dataset::from_tensor_slices(row_ids_x(n)).shuffle(0), st::ValueError);
}

TEST_CASE("Dataset: shuffle is uniform over positions") {
  // Where does element 0 land? Over many epochs every position is about equally likely.
  const std::int64_t n = 8;
  const int epochs = 4000;
  auto ds = Dataset::from_tensor_slices(row_ids_x(n)).shuffle(n, 3).batch(n);
  std::vector<int> position_of_zero(n, 0);
  auto it_ds = ds.repeat(epochs);
  for (const Example& b : it_ds) {
    auto v = b.x.to_vector<float>();
    for (std::int64_t p = 0; p < n; ++p)
      if (v[static_cast<std::size_t>(2 * p)] == 0.0f) ++position_of_zero[static_cast<std::size_t>(p)];
  }
  for (int count : position_of_zero) {
    CHECK(count > epochs / n * 0.8);
    CHECK(count < epochs / n * 1.2);
  }
}

TEST_CASE("Dataset: a small shuffle buffer only mixes nearby elements (tf.data semantics)") {
  const std::int64_t n = 200, buffer = 10;
  auto order = ids(Dataset::from_tensor_slices(row_ids_x(n)).shuffle(buffer, 11));
  REQUIRE(is_permutation_of_range(order, n));
  // The element at position p was among the first p + buffer elements of the input.
  for (std::size_t p = 0; p < order.size(); ++p) CHECK(order[p] < static_cast<std::int64_t>(p) + buffer);
  CHECK(order != range(0, n));
  // A buffer of one is no shuffle at all.
  CHECK(ids(Dataset::from_tensor_slices(row_ids_x(n)).shuffle(1, 11)) == range(0, n));
}

TEST_CASE("Dataset: batched and unbatched, in-memory and generic orders agree") {
  const std::int64_t n = 50;
  auto base = Dataset::from_tensor_slices(row_ids_x(n), row_ids_y(n));
  const auto elementwise = ids(base.shuffle(n, 9));
  // The in-memory fast path (a gather per batch) yields the same order.
  auto batched = base.shuffle(n, 9).batch(7);
  CHECK(ids(batched) == elementwise);
  // The generic path (elements through map, stacked by batch) too.
  auto generic = base.map([](Example e) { return e; }).shuffle(n, 9).batch(7);
  CHECK(ids(generic) == elementwise);
  // And y stays with x in gathered batches.
  for (const Example& b : batched) {
    auto xs = b.x.to_vector<float>();
    auto ys = b.y.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < ys.size(); ++i) CHECK(ys[i] == 10 * static_cast<std::int64_t>(xs[2 * i]));
  }
  // Small buffers agree as well.
  CHECK(ids(base.shuffle(5, 2).batch(4)) == ids(base.map([](Example e) { return e; }).shuffle(5, 2)));
}

TEST_CASE("Dataset: repeat, take, skip and cardinality") {
  auto ds = Dataset::from_tensor_slices(row_ids_x(5), row_ids_y(5));
  CHECK(ds.repeat(3).cardinality() == 15);
  CHECK(ids(ds.repeat(3)) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4});
  CHECK(ds.repeat(0).cardinality() == 0);
  CHECK(ids(ds.repeat(0)).empty());
  CHECK(ds.repeat().cardinality() == st::data::INFINITE_CARDINALITY);
  CHECK(ds.repeat().cardinality() == Dataset::INFINITE);
  CHECK(ds.repeat().take(12).cardinality() == 12);
  CHECK(ids(ds.repeat().take(12)) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1});
  CHECK(ds.repeat().batch(2).cardinality() == Dataset::INFINITE);
  CHECK(ds.repeat().skip(3).cardinality() == Dataset::INFINITE);

  CHECK(ds.take(3).cardinality() == 3);
  CHECK(ids(ds.take(3)) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(ds.take(10).cardinality() == 5);
  CHECK(ids(ds.take(10)).size() == 5);
  CHECK(ds.take(-1).cardinality() == 5);
  CHECK(ds.take(0).cardinality() == 0);
  CHECK(ids(ds.take(0)).empty());

  CHECK(ds.skip(2).cardinality() == 3);
  CHECK(ids(ds.skip(2)) == std::vector<std::int64_t>{2, 3, 4});
  CHECK(ds.skip(7).cardinality() == 0);
  CHECK(ids(ds.skip(7)).empty());
  CHECK(ds.skip(-1).cardinality() == 0);
  CHECK(ids(ds.skip(-1)).empty());
  CHECK(ds.skip(0).cardinality() == 5);

  CHECK(ids(ds.skip(1).take(3)) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(ds.skip(1).take(3).batch(2).cardinality() == 2);
  CHECK(ids(ds.skip(1).take(3).batch(2)) == std::vector<std::int64_t>{1, 2, 3});
  // Batches cross repetition boundaries, as in tf.data.
  auto rb = ds.repeat(2).batch(4).elements();
  REQUIRE(rb.size() == 3);
  CHECK(rb[1].y.to_vector<std::int64_t>() == std::vector<std::int64_t>{40, 0, 10, 20});
  CHECK(rb[2].x.shape() == Shape{2, 2});

  // Generators have unknown cardinality unless told.
  auto gen = Dataset::from_generator([] { return [] { return std::optional<Example>{}; }; });
  CHECK(gen.cardinality() == Dataset::UNKNOWN);
  CHECK(gen.cardinality() == st::data::UNKNOWN_CARDINALITY);
  CHECK(gen.batch(3).cardinality() == Dataset::UNKNOWN);
  CHECK(gen.take(3).cardinality() == Dataset::UNKNOWN);
  CHECK(gen.repeat(2).cardinality() == Dataset::UNKNOWN);
  CHECK(gen.skip(2).cardinality() == Dataset::UNKNOWN);
  CHECK(gen.take(0).cardinality() == 0);
  CHECK(counting(4).cardinality() == 4);
  CHECK(counting(4).map([](Example e) { return e; }).prefetch(2).cardinality() == 4);

  CHECK_THROWS_AS((void)ds.repeat(-2), st::ValueError);
  CHECK_THROWS_AS((void)ds.take(-2), st::ValueError);
  CHECK_THROWS_AS((void)ds.skip(-5), st::ValueError);
  CHECK_THROWS_AS((void)ds.repeat().elements(), st::ValueError);
}

TEST_CASE("Dataset: each repetition of a shuffled dataset is a new epoch") {
  const std::int64_t n = 30;
  auto order = ids(Dataset::from_tensor_slices(row_ids_x(n)).shuffle(n, 1).repeat(2));
  REQUIRE(order.size() == 60);
  std::vector<std::int64_t> first(order.begin(), order.begin() + n), second(order.begin() + n, order.end());
  CHECK(is_permutation_of_range(first, n));
  CHECK(is_permutation_of_range(second, n));
  CHECK(first != second);
}

TEST_CASE("Dataset: map transforms every element") {
  auto ds = Dataset::from_tensor_slices(row_ids_x(4), row_ids_y(4)).map([](Example e) {
    e.x = e.x * 2.0f;
    e.sample_weight = st::ones({});
    return e;
  });
  auto elements = ds.elements();
  REQUIRE(elements.size() == 4);
  CHECK(elements[3].x.to_vector<float>() == std::vector<float>{6.0f, 7.0f});
  CHECK(elements[3].y.item<std::int64_t>() == 30);
  CHECK(elements[3].has_sample_weight());
  auto batches = ds.batch(4).elements();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].sample_weight.shape() == Shape{4});
  // map after batch sees whole batches.
  auto normalised = Dataset::from_tensor_slices(row_ids_x(6)).batch(3).map([](Example e) {
    e.x = st::cast(e.x, st::float64) / 2.0;
    return e;
  });
  auto nb = normalised.elements();
  CHECK(nb[1].x.dtype() == st::float64);
  CHECK(nb[1].x.to_vector<double>() == std::vector<double>{1.5, 1.75, 2.0, 2.25, 2.5, 2.75});
  // An exception in the function reaches the caller.
  auto failing = Dataset::from_tensor_slices(row_ids_x(3)).map([](Example) -> Example { throw st::ValueError("boom"); });
  CHECK_THROWS_WITH_AS((void)failing.elements(), "boom", st::ValueError);
  CHECK_THROWS_AS((void)Dataset().map(nullptr), st::ValueError);
}

TEST_CASE("Dataset: prefetch yields the same sequence as without it") {
  auto ds = Dataset::from_tensor_slices(row_ids_x(40), row_ids_y(40)).shuffle(40, 5).batch(6);
  auto plain = Dataset::from_tensor_slices(row_ids_x(40), row_ids_y(40)).shuffle(40, 5).batch(6);
  for (int epoch = 0; epoch < 3; ++epoch) CHECK(ids(ds.prefetch(2)) == ids(plain));
  CHECK(ids(counting(25).prefetch(1)) == range(0, 25));
  CHECK(ids(counting(25).prefetch(st::data::AUTOTUNE)) == range(0, 25));
  CHECK(ids(counting(25).prefetch(0)) == range(0, 25));
  // Prefetch under prefetch, with maps on both threads.
  auto twice = counting(25).map([](Example e) { return e; }).prefetch(3).batch(4).prefetch(2);
  CHECK(ids(twice) == range(0, 25));
  CHECK(ids(Dataset().prefetch(4)).empty());
  CHECK_THROWS_AS((void)counting(3).prefetch(-2), st::ValueError);
}

TEST_CASE("Dataset: prefetch produces on another thread") {
  const auto main_id = std::this_thread::get_id();
  std::atomic<int> on_other_thread{0};
  auto ds = counting(10).map([&](Example e) {
                          if (std::this_thread::get_id() != main_id) ++on_other_thread;
                          return e;
                        })
                .prefetch(2);
  CHECK(ids(ds).size() == 10);
  CHECK(on_other_thread.load() == 10);
}

TEST_CASE("Dataset: destroying a prefetching iterator early does not hang") {
  std::atomic<int> produced{0};
  auto infinite = Dataset::from_tensor_slices(row_ids_x(5))
                      .repeat()
                      .map([&](Example e) {
                        ++produced;
                        return e;
                      })
                      .prefetch(4);
  for (int trial = 0; trial < 20; ++trial) {
    auto it = infinite.iter();
    auto first = it.next();
    REQUIRE(first.has_value());
    // `it` goes out of scope with the producer blocked on a full queue.
  }
  {
    // Break out of a range-for.
    int seen = 0;
    for (const Example& e : infinite) {
      (void)e;
      if (++seen == 3) break;
    }
    CHECK(seen == 3);
  }
  {
    // Never consumed at all; and a slow producer in the middle of an element.
    auto it = infinite.iter();
    auto slow = counting(100)
                    .map([](Example e) {
                      std::this_thread::sleep_for(std::chrono::milliseconds(2));
                      return e;
                    })
                    .prefetch(2)
                    .iter();
    CHECK(slow.next().has_value());
  }
  CHECK(produced.load() > 0);
  // take() on a prefetched infinite dataset ends.
  CHECK(ids(infinite.take(17)).size() == 17);
}

TEST_CASE("Dataset: an exception in the producer thread is rethrown in the consumer") {
  auto ds = counting(10, /*throw_at=*/4).prefetch(2);
  auto it = ds.iter();
  for (int i = 0; i < 4; ++i) {
    auto e = it.next();
    REQUIRE(e.has_value());
    CHECK(e->x.to_vector<float>()[0] == static_cast<float>(i));
  }
  CHECK_THROWS_WITH_AS(it.next(), "generator failed at 4", std::runtime_error);
  CHECK_FALSE(it.next().has_value());  // after the error, the iteration is over
  // The same through batch and a nested prefetch.
  CHECK_THROWS_AS((void)counting(10, 7).prefetch(3).batch(3).prefetch(1).elements(), std::runtime_error);
  // And without prefetch; the error ends the epoch, the next one starts afresh.
  auto direct = counting(10, 7).batch(3);
  CHECK_THROWS_AS((void)direct.elements(), std::runtime_error);
  auto it2 = direct.iter();
  CHECK(it2.next()->x.shape() == Shape{3, 2});
  CHECK(it2.next().has_value());
  CHECK_THROWS_AS(it2.next(), std::runtime_error);
  CHECK_FALSE(it2.next().has_value());
}

TEST_CASE("Dataset: the handle is cheap to copy and iterations are independent") {
  auto ds = Dataset::from_tensor_slices(row_ids_x(6)).batch(2);
  Dataset copy = ds;
  auto a = ds.iter();
  auto b = copy.iter();
  auto a1 = a.next(), a2 = a.next(), b1 = b.next();
  CHECK(a1->x.to_vector<float>() == b1->x.to_vector<float>());
  CHECK(a2->x.to_vector<float>()[0] == 2.0f);
  // An iterator outlives its dataset handle.
  auto orphan = Dataset::from_tensor_slices(row_ids_x(3)).shuffle(3, 1).batch(2).prefetch(1).iter();
  CHECK(orphan.next()->x.shape() == Shape{2, 2});
  CHECK(orphan.next()->x.shape() == Shape{1, 2});
  CHECK_FALSE(orphan.next().has_value());
}

TEST_CASE("Dataset: from_arrays batches in-memory arrays for fit") {
  const std::int64_t n = 1000;
  auto ds = Dataset::from_arrays(row_ids_x(n), row_ids_y(n), {}, {.batch_size = 128, .shuffle = true, .seed = 1});
  CHECK(ds.cardinality() == 8);
  auto batches = ds.elements();
  REQUIRE(batches.size() == 8);
  CHECK(batches[0].x.shape() == Shape{128, 2});
  CHECK(batches[7].x.shape() == Shape{1000 - 7 * 128, 2});
  CHECK(is_permutation_of_range(ids(ds), n));
  for (const auto& b : batches) {
    auto xs = b.x.to_vector<float>();
    auto ys = b.y.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < ys.size(); ++i) CHECK(ys[i] == 10 * static_cast<std::int64_t>(xs[2 * i]));
  }
  // Unshuffled: in order (consecutive rows are sliced without a copy).
  auto ordered = Dataset::from_arrays(row_ids_x(n), row_ids_y(n), Tensor{}, {.batch_size = 100});
  CHECK(ids(ordered) == range(0, n));
  auto weighted = Dataset::from_arrays(row_ids_x(10), row_ids_y(10), st::ones({10}), {.batch_size = 4, .drop_remainder = true});
  CHECK(weighted.cardinality() == 2);
  CHECK(weighted.elements()[1].sample_weight.shape() == Shape{4});
}

TEST_CASE("Dataset: an in-memory shuffled epoch covers every row once" * doctest::timeout(60)) {
  // The fast path at the size of Fashion-MNIST: 60000 x 784 float32, batch 128.
  const std::int64_t n = 60000, d = 784;
  auto x = st::broadcast_to(st::reshape(st::cast(st::arange(n, st::int64), st::float32), {n, 1}), {n, d});
  auto y = st::arange(n, st::int64);
  auto ds = Dataset::from_tensor_slices(x, y).shuffle(n, 123).batch(128);
  CHECK(ds.cardinality() == 469);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t batches = 0, rows = 0;
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (const Example& b : ds) {
    ++batches;
    rows += b.x.shape()[0];
    CHECK(b.x.shape()[1] == d);
    for (auto id : b.y.to_vector<std::int64_t>()) seen[static_cast<std::size_t>(id)] = 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(batches == 469);
  CHECK(rows == n);
  CHECK(std::count(seen.begin(), seen.end(), 1) == n);
  MESSAGE("in-memory epoch (60000 x 784 float32, shuffled, batch 128): " << seconds * 1000 << " ms");
  // A row of x still matches its label after the gather.
  auto first = ds.iter().next();
  const auto label = first->y.to_vector<std::int64_t>()[5];
  CHECK(first->x.to_vector<float>()[5 * d + 17] == static_cast<float>(label));
}
