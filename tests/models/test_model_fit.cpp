#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

using st::testing::blob_classifier;
using st::testing::blobs;
using st::testing::compile_classifier;
using st::testing::message_of;

}  // namespace

TEST_CASE("fit: a separable problem reaches accuracy 1.0, and History records every epoch") {
  st::set_random_seed(7);
  auto data = blobs(200, 1);
  auto model = blob_classifier();
  compile_classifier(model);
  auto history = model.fit(data.x, data.y, {.epochs = 15, .batch_size = 16, .verbose = 0});
  REQUIRE(history.history.count("loss"));
  CHECK(history.history["loss"].size() == 15);
  CHECK(history.history["loss"].back() < history.history["loss"].front());
  auto scores = model.evaluate(data.x, data.y, {.verbose = 0});
  CHECK(scores["accuracy"] == 1.0);
  auto probabilities = st::softmax(model.predict(data.x, {.batch_size = 64}));
  CHECK(probabilities.shape() == st::Shape{200, 2});
}

TEST_CASE("fit: the same seed gives bitwise-identical weights after two epochs") {
  auto run = [] {
    st::set_random_seed(123);
    auto data = blobs(96, 3);
    auto model = blob_classifier();
    compile_classifier(model);
    model.fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .verbose = 0});
    std::vector<float> all;
    for (const auto& w : model.get_weights()) {
      auto v = w.to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  CHECK(run() == run());
}

// Records the rows of x that every training batch holds (x holds row numbers).
class RecordingModel : public st::Model {
 public:
  std::vector<std::vector<float>> batches;
  st::Logs train_step(const st::Batch& batch) override {
    batches.push_back(batch.x.to_vector<float>());
    return {};
  }
};

TEST_CASE("fit: shuffled epochs take their order from Dataset::shuffle, the same with every standard library") {
  const std::int64_t n = 10;
  std::vector<float> ids(n);
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = static_cast<float>(i);
  const st::Tensor x = st::Tensor::from_vector(ids, {n, 1});
  RecordingModel model;
  // Its train_step reads values to the host, which a traced step cannot: it runs eagerly.
  model.compile({.optimizer = "sgd", .loss = "mse", .run_eagerly = true});
  st::set_random_seed(21);
  model.fit(x, x, {.epochs = 2, .batch_size = 4, .verbose = 0});
  REQUIRE(model.batches.size() == 6);
  // Epoch e is the Dataset's full-buffer shuffle seeded by fit's seed and e.
  st::set_random_seed(21);
  const std::uint64_t seed = st::next_random_seed();
  std::vector<float> seen, expected;
  for (const auto& b : model.batches) seen.insert(seen.end(), b.begin(), b.end());
  for (std::uint64_t epoch = 0; epoch < 2; ++epoch)
    for (const auto& e : st::Dataset::from_tensor_slices(x).shuffle(n, seed + 0x9E3779B97F4A7C15ULL * epoch, false)) {
      expected.push_back(e.x.to_vector<float>()[0]);
    }
  CHECK(seen == expected);
  CHECK(model.batches[0].size() == 4);
  CHECK(model.batches[2].size() == 2);
  // Pinned: std::shuffle's order differed between standard libraries; this one must not.
  CHECK(std::vector<float>(seen.begin(), seen.begin() + n) == std::vector<float>{0, 6, 4, 5, 9, 8, 2, 7, 1, 3});
}

TEST_CASE("fit: validation_split reports val_ metrics for every epoch") {
  st::set_random_seed(5);
  auto data = blobs(100, 2);
  auto model = blob_classifier();
  compile_classifier(model);
  auto history = model.fit(data.x, data.y, {.epochs = 2, .batch_size = 20, .validation_split = 0.2, .verbose = 0});
  REQUIRE(history.history.count("val_loss"));
  CHECK(history.history["val_loss"].size() == 2);
  CHECK(history.history.count("val_accuracy"));
}

TEST_CASE("fit: bad input raises a clear error before any training") {
  auto data = blobs(20, 4);
  auto model = blob_classifier();
  CHECK(message_of([&] { model.fit(data.x, data.y, {.verbose = 0}); }).find("compile()") != std::string::npos);
  compile_classifier(model);
  const auto before = model.get_weights()[0].to_vector<float>();
  CHECK(message_of([&] { model.fit(data.x, st::slice(data.y, 0, 0, 19), {.verbose = 0}); })
            .find("different numbers of samples: 20") != std::string::npos);
  st::Tensor bad_labels = st::cast(st::full({20}, 5.0), st::int64);
  const auto label_error = message_of([&] { model.fit(data.x, bad_labels, {.verbose = 0}); });
  CHECK(label_error.find("label 5") != std::string::npos);
  CHECK(label_error.find("2 output classes") != std::string::npos);
  CHECK(message_of([&] { model.fit(st::zeros({0, 2}), st::zeros({0}, st::int64), {.verbose = 0}); })
            .find("empty") != std::string::npos);
  CHECK(model.get_weights()[0].to_vector<float>() == before);  // nothing was trained
}

TEST_CASE("Sequential: layers, get_layer, pop, nesting and summary") {
  auto inner = std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{Dense(4, "relu"), Dense(3)});
  st::Sequential outer({Input({5}), st::SequentialItem(inner), Dense(2, {.name = "head"})});
  CHECK(outer.layers().size() == 2);
  CHECK(outer.get_layer("head")->name() == "head");
  CHECK(outer.get_layer(0) == inner);
  CHECK(outer.count_params() == (5 * 4 + 4) + (4 * 3 + 3) + (3 * 2 + 2));
  CHECK(outer.predict(st::ones({7, 5})).shape() == st::Shape{7, 2});
  std::ostringstream table;
  outer.summary(table);
  CHECK(table.str().find("head (Dense)") != std::string::npos);
  CHECK(table.str().find("(None, 2)") != std::string::npos);
  CHECK(table.str().find("Total params: 47 (188.00 B)") != std::string::npos);
  outer.pop();
  CHECK(outer.layers().size() == 1);
  CHECK_THROWS_AS(outer.get_layer("head"), st::ValueError);
}
