// Subclassed models and custom layers: weight tracking (members, nested models, std::vector
// members, shared layers: every weight exactly once), the training API and weights files on a
// subclassed model, custom layers with several inputs / outputs, a training argument and
// non-trainable state in Sequential, Functional and subclassed models, and a hand-written
// GradientTape loop equal to train_on_batch.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;
using st::Tensor;

namespace {

using st::testing::max_diff;
using st::testing::blobs;

using WeightValues = std::vector<std::vector<float>>;
WeightValues values_of(const std::vector<st::Variable>& variables) {
  WeightValues out;
  for (const auto& v : variables) out.push_back(v.to_vector<float>());
  return out;
}

// A residual block: x + Dense(Dense(x)).
class Block : public st::Model {
 public:
  explicit Block(std::int64_t width) : inner_(track(Dense(width, "relu"))), outer_(track(Dense(width))) {}
  Tensor call(const Tensor& x) override { return x + outer_(inner_(x)); }

 private:
  st::LayerHandle<DenseLayer> inner_, outer_;
};

// Members, a nested subclassed model, blocks in a std::vector, and one layer used twice and
// tracked twice (directly and through `shared_holder_`).
class Tower : public st::Model {
 public:
  explicit Tower(std::int64_t blocks)
      : stem_(track(Dense(4))),
        blocks_(track(make_blocks(blocks))),
        shared_(track(Dense(4, {.name = "shared"}))),
        shared_holder_(track(std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{shared_}))),
        head_(track(Dense(2))) {}

  Tensor call(const Tensor& x) override {
    Tensor h = stem_(x);
    for (const auto& block : blocks_) h = block(h);
    h = shared_(h);
    h = (*shared_holder_)(h);  // the same Dense again
    return head_(h);
  }

 private:
  static std::vector<st::LayerHandle<Block>> make_blocks(std::int64_t n) {
    std::vector<st::LayerHandle<Block>> out;
    for (std::int64_t i = 0; i < n; ++i) out.push_back(st::make_layer<Block>(4));
    return out;
  }
  st::LayerHandle<DenseLayer> stem_;
  std::vector<st::LayerHandle<Block>> blocks_;
  st::LayerHandle<DenseLayer> shared_;
  std::shared_ptr<st::Sequential> shared_holder_;
  st::LayerHandle<DenseLayer> head_;
};

}  // namespace

TEST_CASE("subclassed models: every weight is tracked exactly once") {
  st::set_random_seed(1);
  Tower tower(3);
  CHECK(tower.trainable_weights().empty());  // built lazily
  tower(st::uniform({5, 2}, {.seed = 1}));
  // stem 2*4+4, three blocks of 2*(4*4+4), shared 4*4+4 (once), head 4*2+2.
  const std::int64_t expected = (2 * 4 + 4) + 3 * 2 * (4 * 4 + 4) + (4 * 4 + 4) + (4 * 2 + 2);
  CHECK(tower.count_params() == expected);
  const auto weights = tower.trainable_weights();
  CHECK(weights.size() == 2 + 3 * 4 + 2 + 2);
  std::set<std::uint64_t> ids;
  for (const auto& w : weights) ids.insert(w.id());
  CHECK(ids.size() == weights.size());
  CHECK(tower.non_trainable_weights().empty());
  // Freezing the nested Sequential freezes the shared Dense everywhere it is reached.
  tower.sublayers().at(5)->set_trainable(false);
  CHECK(tower.trainable_weights().size() == weights.size() - 2);
  CHECK(tower.non_trainable_weights().size() == 2);
}

TEST_CASE("subclassed models: compile, fit, evaluate, predict, summary and weights files") {
  st::set_random_seed(2);
  const auto data = blobs(200, 3);
  Tower model(2);
  model.compile({.optimizer = st::optimizers::Adam(1e-2),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  auto history = model.fit(data.x, data.y, {.epochs = 15, .batch_size = 16, .verbose = 0});
  CHECK(history.history.at("loss").back() < history.history.at("loss").front());
  CHECK(model.evaluate(data.x, data.y, {.verbose = 0}).at("accuracy") == 1.0);
  const Tensor predictions = model.predict(data.x, {.batch_size = 64});
  CHECK(predictions.shape() == st::Shape{200, 2});

  std::ostringstream summary;
  model.summary(summary);
  CHECK(summary.str().find("Total params: " + std::to_string(model.count_params())) != std::string::npos);

  for (const char* file : {"strata_tower.weights.h5", "strata_tower_legacy.h5"}) {
    INFO(file);
    const auto path = (std::filesystem::temp_directory_path() / file).string();
    model.save_weights(path);
    Tower fresh(2);
    fresh(st::zeros({1, 2}));  // build, then overwrite every weight from the file
    fresh.load_weights(path);
    CHECK(max_diff(fresh.predict(data.x, {.batch_size = 64}), predictions) == 0.0);
    std::filesystem::remove(path);
  }
}

namespace {

// A custom layer of two inputs and two outputs with a training argument and non-trainable state:
// outputs (a * w + b, a - b); in training it counts its calls in a non-trainable weight and adds
// noise-free "dropout" scaling so that training and inference differ.
class PairLayer : public st::Layer {
 public:
  using Layer::build;
  using Layer::call;
  void build(const std::vector<st::Shape>& shapes) override {
    if (shapes.size() != 2 || shapes[0] != shapes[1])
      throw st::ValueError("PairLayer '" + name() + "' needs two inputs of one shape");
    w_ = add_weight("w", {shapes[0].back()}, "ones");
    calls_ = add_weight("calls", {}, "zeros", {.trainable = false});
  }
  std::vector<Tensor> call(const std::vector<Tensor>& in, bool training) override {
    if (in.size() != 2) throw st::ValueError("PairLayer '" + name() + "' needs two inputs, got " + std::to_string(in.size()));
    if (training) calls_.assign_add(st::ones({}));
    Tensor first = in[0] * w_ + in[1];
    if (training) first = first * 0.5f;
    return {first, in[0] - in[1]};
  }
  std::vector<st::Shape> compute_output_shapes(const std::vector<st::Shape>& shapes) override { return {shapes[0], shapes[0]}; }
  double calls() const { return calls_.item<float>(); }

 private:
  st::Variable w_, calls_;
};

class PairModel : public st::Model {
 public:
  PairModel() : left_(track(Dense(3))), right_(track(Dense(3))), pair_(track(st::make_layer<PairLayer>())), head_(track(Dense(1))) {}
  Tensor call(const Tensor& x, bool training) override {
    auto outs = pair_->apply({left_(x), right_(x)}, training);
    return head_(st::concat({outs[0], outs[1]}, 1));
  }
  const PairLayer& pair() const { return *pair_; }

 private:
  st::LayerHandle<DenseLayer> left_, right_;
  st::LayerHandle<PairLayer> pair_;
  st::LayerHandle<DenseLayer> head_;
};

}  // namespace

TEST_CASE("custom layers: several inputs and outputs, a training argument and a non-trainable counter") {
  st::set_random_seed(4);
  const Tensor x = st::uniform({64, 2}, {.seed = 5});
  const Tensor y = st::sum(x, {1}, true) * 2.0f;

  // Subclassed: fit counts the training calls, predict does not.
  PairModel model;
  model.compile({.optimizer = st::optimizers::Adam(1e-2), .loss = "mse"});
  model.fit(x, y, {.epochs = 2, .batch_size = 16, .verbose = 0});
  CHECK(model.pair().calls() == 8.0);
  model.predict(x);
  CHECK(model.pair().calls() == 8.0);
  CHECK(model.non_trainable_weights().size() == 1);
  CHECK(model.trainable_weights().size() == 2 + 2 + 1 + 2);

  // Functional: the same layer between two inputs, its two outputs to two heads.
  auto a = Input({3}, {.name = "a"});
  auto b = Input({3}, {.name = "b"});
  auto pair = st::make_layer<PairLayer>();
  auto outs = pair->apply({a, b});
  REQUIRE(outs.size() == 2);
  CHECK(outs[0].shape() == st::Shape{-1, 3});
  st::Model functional({a, b}, {Dense(1, {.name = "sum_head"})(outs[0]), Dense(1, {.name = "diff_head"})(outs[1])});
  const Tensor xa = st::uniform({8, 3}, {.seed = 6}), xb = st::uniform({8, 3}, {.seed = 7});
  const auto got = functional.apply({xa, xb});
  const auto by_hand = pair->apply({xa, xb}, false);
  CHECK(max_diff(by_hand[1], xa - xb) == 0.0);
  CHECK(max_diff(by_hand[0], xa + xb) == 0.0);  // w starts at ones, inference: no scaling
  CHECK(got[0].shape() == st::Shape{8, 1});
  CHECK(pair->calls() == 0.0);
  functional.compile({.optimizer = "sgd", .loss = "mse"});
  functional.fit({xa, xb}, {st::zeros({8, 1}), st::zeros({8, 1})}, {.epochs = 1, .batch_size = 4, .verbose = 0});
  CHECK(pair->calls() == 2.0);

  // Bad input counts name the layer.
  CHECK_THROWS_WITH_AS(st::make_layer<PairLayer>()->apply({xa, xb, xa}), doctest::Contains("needs two inputs"), st::ValueError);
  CHECK_THROWS_WITH_AS(st::make_layer<PairLayer>()->apply({xa}), doctest::Contains("PairLayer"), st::Error);
}

TEST_CASE("custom training loop: GradientTape + apply_gradients equals train_on_batch, metrics by hand") {
  auto make = [] {
    st::set_random_seed(11);
    auto model = std::make_shared<Tower>(1);
    (*model)(st::zeros({1, 2}));  // built now: both models draw the same initial weights
    model->compile({.optimizer = st::optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9}),
                    .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    return model;
  };
  const auto data = blobs(32, 9);
  auto by_fit = make();
  auto by_hand = make();
  auto loss_fn = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  auto accuracy = st::metrics::SparseCategoricalAccuracy();
  auto mean_loss = st::metrics::Mean();
  for (int step = 0; step < 3; ++step) {
    const Tensor xb = st::slice(data.x, 0, step * 8, step * 8 + 8), yb = st::slice(data.y, 0, step * 8, step * 8 + 8);
    by_fit->train_on_batch(xb, yb);
    std::vector<Tensor> grads;
    Tensor logits, loss;
    std::vector<st::Variable> variables;
    {
      st::GradientTape tape;
      logits = (*by_hand)(xb, true);
      loss = (*loss_fn)(yb, logits);
      variables = by_hand->trainable_weights();
      grads = tape.gradient(loss, variables);
    }
    by_hand->optimizer()->apply_gradients(grads, variables);
    accuracy->update_state(yb, logits);
    mean_loss->update_state(loss);
  }
  CHECK(values_of(by_hand->trainable_weights()) == values_of(by_fit->trainable_weights()));
  CHECK(mean_loss->result() > 0.0);
  CHECK(accuracy->result() >= 0.0);
  CHECK(accuracy->result() <= 1.0);
}
