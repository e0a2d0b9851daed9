// fit / evaluate / predict on a Dataset of batches.
#include <doctest/doctest.h>

#include <string>

#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

using st::testing::blob_classifier;
using st::testing::blobs;
using st::testing::compile_classifier;

template <class F>
std::string value_error_of(F&& f) {
  try {
    f();
  } catch (const st::ValueError& e) {
    return e.what();
  }
  return "<no exception>";
}

bool same_values(const std::vector<st::Tensor>& a, const std::vector<st::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].to_vector<float>() != b[i].to_vector<float>()) return false;
  return true;
}

}  // namespace

TEST_CASE("fit(Dataset): a shuffled, batched, prefetched dataset trains to accuracy 1.0 with dataset validation") {
  st::set_random_seed(11);
  auto [x, y] = blobs(200, 2);
  auto [x_val, y_val] = blobs(60, 3);
  auto train = st::Dataset::from_tensor_slices(x, y).shuffle(200, 5).batch(16).prefetch(2);
  auto model = blob_classifier();
  compile_classifier(model);
  auto history = model.fit(train, {.epochs = 12, .validation_data = st::Dataset::from_tensor_slices(x_val, y_val).batch(32),
                                   .verbose = 0});
  REQUIRE(history.history.at("loss").size() == 12);
  REQUIRE(history.history.at("val_accuracy").size() == 12);
  CHECK(history.history.at("loss").back() < history.history.at("loss").front());
  CHECK(history.history.at("accuracy").back() == doctest::Approx(1.0));
  CHECK(history.history.at("val_accuracy").back() == doctest::Approx(1.0));
}

TEST_CASE("evaluate(Dataset) and predict(Dataset) equal the tensor versions with the same batches") {
  st::set_random_seed(12);
  auto [x, y] = blobs(50, 4);
  auto model = blob_classifier();
  compile_classifier(model);
  model.fit(x, y, {.epochs = 2, .batch_size = 10, .verbose = 0});
  auto from_tensors = model.evaluate(x, y, {.batch_size = 10, .verbose = 0});
  auto from_dataset = model.evaluate(st::Dataset::from_tensor_slices(x, y).batch(10), {.verbose = 0});
  CHECK(from_dataset.at("loss") == doctest::Approx(from_tensors.at("loss")).epsilon(1e-6));
  CHECK(from_dataset.at("accuracy") == doctest::Approx(from_tensors.at("accuracy")));
  auto p1 = model.predict(x, {.batch_size = 10});
  auto p2 = model.predict(st::Dataset::from_tensor_slices(x).batch(10));
  CHECK(p2.shape() == p1.shape());
  CHECK(p2.to_vector<float>() == p1.to_vector<float>());
}

TEST_CASE("fit(Dataset): steps_per_epoch continues one iterator over a repeated dataset, as Keras") {
  st::set_random_seed(13);
  auto [x, y] = blobs(40, 5);
  auto model = blob_classifier();
  compile_classifier(model);
  int batches = 0;
  auto counter = st::callbacks::LambdaCallback({.on_train_batch_end = [&](std::int64_t, const st::callbacks::Logs&) { ++batches; }});
  auto history = model.fit(st::Dataset::from_tensor_slices(x, y).batch(8).repeat(),
                           {.epochs = 3, .steps_per_epoch = 7, .callbacks = {counter}, .verbose = 0});
  CHECK(batches == 21);
  CHECK(history.history.at("loss").size() == 3);
  CHECK(model.optimizer()->iterations() == 21);
}

TEST_CASE("fit(Dataset): a dataset that runs dry before steps_per_epoch * epochs stops training") {
  st::set_random_seed(14);
  auto [x, y] = blobs(16, 6);
  auto model = blob_classifier();
  compile_classifier(model);
  st::CaptureWarnings warnings;
  auto history = model.fit(st::Dataset::from_tensor_slices(x, y).batch(8), {.epochs = 5, .steps_per_epoch = 3, .verbose = 0});
  CHECK(model.optimizer()->iterations() == 2);
  CHECK(history.history.at("loss").size() == 1);
  // Said through strata::warn (redirectable), in Keras's words.
  REQUIRE(warnings.messages().size() == 1);
  CHECK(warnings.messages()[0].find("Your input ran out of data; interrupting training.") == 0);
}

TEST_CASE("fit(Dataset): bad datasets raise a clear error before any training") {
  st::set_random_seed(15);
  auto [x, y] = blobs(20, 7);
  auto model = blob_classifier();
  compile_classifier(model);
  model.build({-1, 2});
  const auto before = model.get_weights();

  auto empty = st::Dataset::from_tensor_slices(x, y).batch(4).take(0);
  CHECK(value_error_of([&] { model.fit(empty, {.verbose = 0}); }).find("empty") != std::string::npos);

  auto infinite = st::Dataset::from_tensor_slices(x, y).batch(4).repeat();
  CHECK(value_error_of([&] { model.fit(infinite, {.verbose = 0}); }).find("steps_per_epoch") != std::string::npos);

  auto bad_labels = st::Dataset::from_tensor_slices(x, y + std::int64_t{5}).batch(4);
  CHECK(value_error_of([&] { model.fit(bad_labels, {.verbose = 0}); }).find("out of range") != std::string::npos);

  auto no_split = st::Dataset::from_tensor_slices(x, y).batch(4);
  CHECK(value_error_of([&] { model.fit(no_split, {.validation_split = 0.2, .verbose = 0}); }).find("validation_split") !=
        std::string::npos);

  auto generator_empty = st::Dataset::from_generator([] { return [] { return std::optional<st::data::Example>(); }; });
  CHECK(value_error_of([&] { model.fit(generator_empty, {.verbose = 0}); }).find("no batch") != std::string::npos);

  CHECK(model.optimizer()->iterations() == 0);
  CHECK(same_values(model.get_weights(), before));
}
