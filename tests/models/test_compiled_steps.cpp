// fit / evaluate / predict through traced steps (the default) against run_eagerly: the same bits.
#include <doctest/doctest.h>

#include "strata/backend/backend.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

struct Run {
  std::vector<std::vector<float>> weights;
  std::vector<double> losses;
  st::Logs scores;
  std::vector<float> predictions;
  int train_traces = 0;
};

// The main job's model with Dropout and a loss per epoch: trained eagerly or compiled.
Run train(bool eager, int steps_per_execution = 1) {
  st::set_random_seed(3);
  const auto data = st::testing::blobs(90, 5);
  st::Sequential model({Input({data.x.shape()[1]}), Dense(16, "relu"), Dropout(0.25, {.seed = 4}), Dense(8, "relu"),
                        Dense(2)});
  model.compile({.optimizer = st::optimizers::Adam(1e-2),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"},
                 .run_eagerly = eager,
                 .steps_per_execution = steps_per_execution});
  Run run;
  auto history = model.fit(data.x, data.y, {.epochs = 3, .batch_size = 16, .verbose = 0});
  run.losses = history.history["loss"];
  run.scores = model.evaluate(data.x, data.y, {.batch_size = 32, .verbose = 0});
  run.predictions = model.predict(data.x, {.batch_size = 32, .verbose = 0}).to_vector<float>();
  for (const auto& w : model.get_weights()) run.weights.push_back(w.to_vector<float>());
  run.train_traces = model.step_trace_count("train");
  return run;
}

}  // namespace

TEST_CASE("compiled steps: fit, evaluate and predict give eager's bits (no fusion reorders these sums)") {
  const Run eager = train(true), compiled = train(false);
  CHECK(eager.train_traces == 0);
  CHECK(compiled.train_traces == 2);  // batches of 16, and the last one of 10
  CHECK(compiled.losses == eager.losses);
  CHECK(compiled.weights == eager.weights);
  CHECK(compiled.scores == eager.scores);
  CHECK(compiled.predictions == eager.predictions);
}

TEST_CASE("compiled steps: steps_per_execution runs several batches per graph call, as the same training") {
  const Run one = train(false, 1), three = train(false, 3);
  CHECK(three.weights == one.weights);
  CHECK(three.losses == one.losses);
  CHECK(three.scores.at("accuracy") == one.scores.at("accuracy"));
  CHECK_THROWS_AS(st::Sequential({Dense(1)}).compile({.optimizer = "sgd", .loss = "mse", .steps_per_execution = 0}),
                  st::ValueError);
}

TEST_CASE("compiled steps: a replayed training step allocates no system memory") {
  st::set_random_seed(5);
  const auto data = st::testing::blobs(64, 5);
  st::Sequential model({Input({data.x.shape()[1]}), Dense(32, "relu"), Dense(2)});
  st::testing::compile_classifier(model);
  auto& cpu = st::backend::get_backend(st::Device("cpu"));
  model.train_on_batch(st::slice(data.x, 0, 0, 16), st::slice(data.y, 0, 0, 16));  // the trace
  model.train_on_batch(st::slice(data.x, 0, 0, 16), st::slice(data.y, 0, 0, 16));  // warm
  const auto before = cpu.memory_stats().system_allocations;
  for (int i = 0; i < 20; ++i) model.train_on_batch(st::slice(data.x, 0, 16, 32), st::slice(data.y, 0, 16, 32));
  CHECK(cpu.memory_stats().system_allocations == before);
  CHECK(model.step_trace_count("train") == 1);
}

TEST_CASE("compiled steps: a user's train_step override is traced too") {
  struct Custom : st::Sequential {
    using st::Sequential::Sequential;
    int calls = 0;
    st::Logs train_step(const st::Batch& batch) override {
      ++calls;  // C++ runs once per trace, not per batch
      return st::Sequential::train_step(batch);
    }
  };
  st::set_random_seed(6);
  const auto data = st::testing::blobs(48, 5);
  Custom model(std::vector<st::SequentialItem>{Input({data.x.shape()[1]}), Dense(2)});
  st::testing::compile_classifier(model);
  model.fit(data.x, data.y, {.epochs = 2, .batch_size = 16, .verbose = 0});
  CHECK(model.calls == 1);
  model.set_run_eagerly(true);
  model.fit(data.x, data.y, {.epochs = 1, .batch_size = 16, .verbose = 0});
  CHECK(model.calls == 4);
}
