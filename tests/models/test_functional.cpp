// The Functional API: symbolic calls, graphs with branches, several inputs and outputs, shared
// layers, models used as layers, feature extraction, merge layers (values against Keras's goldens,
// float64 gradients), summary's "Connected to", and the errors raised when the graph is built.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "strata/strata.hpp"
#include "support/gradient_check.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;
using st::Shape;
using st::Tensor;

namespace {

using st::testing::message_of;

float max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  return st::max(st::abs(st::cast(a, st::float32) - st::cast(b, st::float32))).item<float>();
}

}  // namespace

TEST_CASE("functional: symbolic calls infer shapes and compute nothing") {
  auto x = Input({4}, {.name = "features"});
  auto dense = Dense(3, "relu");
  auto h = dense(x);
  CHECK(h.is_symbolic());
  CHECK(h.shape() == Shape{-1, 3});
  CHECK(dense->built());
  CHECK(dense->inbound_nodes().size() == 1);
  auto y = Concatenate()({h, x});
  CHECK(y.shape() == Shape{-1, 7});
}

TEST_CASE("functional: two inputs, branches and two outputs; predict through apply equals the layers by hand") {
  st::set_random_seed(3);
  auto image = Input({6}, {.name = "image"});
  auto meta = Input({2}, {.name = "meta"});
  auto trunk = Dense(4, "relu", {.name = "trunk"});
  auto side = Dense(3, "relu", {.name = "side"});
  auto h = Concatenate({.name = "join"})({trunk(image), side(meta)});
  auto cls = Dense(5, {.name = "class"})(h);
  auto score = Dense(1, {.name = "score"})(h);
  st::Model model({image, meta}, {cls, score}, {.name = "two_heads"});
  CHECK(model.class_name() == "Functional");
  CHECK(model.output_names() == std::vector<std::string>{"class", "score"});
  CHECK(model.layers().size() == 7);  // 2 InputLayers + trunk, side, join, class, score
  CHECK(model.trainable_weights().size() == 8);

  const Tensor xi = st::uniform({3, 6}, {.seed = 1}), xm = st::uniform({3, 2}, {.seed = 2});
  auto outs = model.apply({xi, xm});
  REQUIRE(outs.size() == 2);
  CHECK(outs[0].shape() == Shape{3, 5});
  CHECK(outs[1].shape() == Shape{3, 1});
  const Tensor joined = st::concat({(*trunk)(xi), (*side)(xm)}, -1);
  CHECK(max_abs_diff(outs[0], (*model.get_layer("class"))(joined)) < 1e-6f);
  CHECK(max_abs_diff(outs[1], (*model.get_layer("score"))(joined)) < 1e-6f);
  CHECK(message_of([&] { model(xi); }).find("expects 2 input(s)") != std::string::npos);
}

TEST_CASE("functional: a shared layer has one set of weights and gets the gradient of both uses") {
  auto a = Input({3});
  auto b = Input({3});
  auto shared = Dense(2, {.name = "shared"});
  auto out = Add()({shared(a), shared(b)});
  st::Model model({a, b}, out);
  CHECK(model.trainable_weights().size() == 2);
  CHECK(shared->inbound_nodes().size() == 2);
  const Tensor xa = st::uniform({4, 3}, {.seed = 5}), xb = st::uniform({4, 3}, {.seed = 6});
  st::GradientTape tape;
  auto y = st::sum(model({xa, xb}));
  auto grads = tape.gradient(y, model.trainable_weights());
  // d/dW sum((xa + xb) W + 2b) = (xa + xb)^T 1, and 2 per bias element.
  const Tensor want_w = st::matmul(xa + xb, st::ones({4, 2}), {.transpose_a = true});
  CHECK(max_abs_diff(grads[0], want_w) < 1e-5f);
  CHECK(max_abs_diff(grads[1], st::full({2}, 8.0)) < 1e-5f);
}

TEST_CASE("functional: a model used as a layer inside another model, and feature extraction") {
  auto x = Input({5});
  auto hidden = Dense(4, "tanh", {.name = "hidden"})(x);
  auto out = Dense(2, {.name = "out"})(hidden);
  st::Model inner(x, out, {.name = "inner"});

  auto outer_in = Input({5});
  auto outer_out = Dense(1, {.name = "head"})(inner(outer_in));
  st::Model outer(outer_in, outer_out);
  CHECK(outer.trainable_weights().size() == 6);
  CHECK(outer_out.shape() == Shape{-1, 1});

  const Tensor data = st::uniform({3, 5}, {.seed = 9});
  const Tensor by_hand = (*outer.get_layer("head"))(inner(data));
  CHECK(max_abs_diff(outer(data), by_hand) < 1e-6f);

  st::Model features(x, hidden);  // the same layers: trained weights carry over
  CHECK(max_abs_diff(features(data), (*inner.get_layer("hidden"))(data)) < 1e-6f);
  CHECK(features.trainable_weights()[0].id() == inner.trainable_weights()[0].id());
}

TEST_CASE("functional: fit trains a Functional model") {
  st::set_random_seed(11);
  auto x = Input({2});
  auto h = Dense(8, "relu")(x);
  auto y = Dense(2)(Add()({h, Dense(8, "relu")(x)}));
  st::Model model(x, y);
  model.compile({.optimizer = st::optimizers::Adam(1e-2),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  // Two separable blobs.
  const Tensor noise = st::normal({200, 2}, {.stddev = 0.3, .seed = 4});
  std::vector<float> centers(400);
  std::vector<std::int64_t> labels(200);
  for (int i = 0; i < 200; ++i) {
    labels[i] = i % 2;
    centers[2 * i] = i % 2 ? 2.0f : -2.0f;
    centers[2 * i + 1] = i % 2 ? -2.0f : 2.0f;
  }
  const Tensor xs = noise + Tensor::from_vector(centers, {200, 2});
  const Tensor ys = Tensor::from_vector(labels, {200});
  model.fit(xs, ys, {.epochs = 20, .batch_size = 20, .verbose = 0});
  CHECK(model.evaluate(xs, ys, {.verbose = 0}).at("accuracy") == 1.0);
}

TEST_CASE("functional: summary has Keras's Connected to column") {
  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto out = Add({.name = "sum"})({Dense(2, {.name = "da"})(a), Dense(2, {.name = "db"})(b)});
  st::Model model({a, b}, out, {.name = "summed"});
  std::ostringstream text;
  model.summary(text);
  const std::string s = text.str();
  CHECK(s.find("Model: \"summed\"") != std::string::npos);
  CHECK(s.find("Connected to") != std::string::npos);
  CHECK(s.find("left (InputLayer)") != std::string::npos);
  CHECK(s.find("(None, 3)") != std::string::npos);
  CHECK(s.find("da[0][0]") != std::string::npos);
  CHECK(s.find("db[0][0]") != std::string::npos);
  CHECK(s.find("left[0][0]") != std::string::npos);
  CHECK(s.find("Total params: 16") != std::string::npos);
}

TEST_CASE("functional: graph errors are raised when the model is made, naming the layers") {
  auto a = Input({3}, {.name = "used"});
  auto b = Input({3}, {.name = "forgotten"});
  auto out = Add({.name = "plus"})({Dense(2)(a), Dense(2)(b)});
  auto msg = message_of([&] { st::Model model(a, out); });
  CHECK(msg.find("graph disconnected") != std::string::npos);
  CHECK(msg.find("'forgotten'") != std::string::npos);
  CHECK(msg.find("'plus'") != std::string::npos);

  msg = message_of([&] { st::Model model({a, a}, Dense(1)(a)); });
  CHECK(msg.find("'used' is given more than once") != std::string::npos);

  auto h = Dense(2, {.name = "not_an_input"})(a);
  msg = message_of([&] { st::Model model(h, Dense(1)(h)); });
  CHECK(msg.find("must be tensors returned by Input()") != std::string::npos);
  CHECK(msg.find("'not_an_input'") != std::string::npos);

  msg = message_of([&] { st::Model model(a, st::ones({2, 3})); });
  CHECK(msg.find("not a symbolic tensor") != std::string::npos);
}

TEST_CASE("merge layers: shape checks name the layer and the shapes") {
  auto a = Input({3});
  auto b = Input({4});
  auto msg = message_of([&] { Add({.name = "adder"})({a, b}); });
  CHECK(msg == "Layer 'adder' (Add) needs inputs whose shapes are equal or broadcastable; got inputs of shapes (None, 3), (None, 4)");
  msg = message_of([&] { Subtract({.name = "minus"})({a, a, a}); });
  CHECK(msg.find("Layer 'minus' (Subtract) needs exactly 2 inputs, got 3") != std::string::npos);
  msg = message_of([&] { Concatenate({.axis = 1, .name = "cat"})({RepeatVector(2)(a), RepeatVector(3)(b)}); });
  CHECK(msg.find("Layer 'cat' (Concatenate) needs matching shapes except along the concatenation axis 1") !=
        std::string::npos);
  msg = message_of([&] { Dot(1, {.name = "dotty"})({a, b}); });
  CHECK(msg.find("Layer 'dotty' (Dot) needs the dot axes to have the same size, got 3 and 4") != std::string::npos);
  msg = message_of([&] { Add()(st::ones({2, 3})); });
  CHECK(msg.find("takes one input") == std::string::npos);  // a single tensor is not a merge input list
}

TEST_CASE("merge layers: values and float64 gradients") {
  using st::testing::check_gradients;
  using st::testing::distinct_f64;
  using st::testing::random_f64;
  const Tensor a = distinct_f64({2, 3}, -1, 1, 1), b = distinct_f64({2, 3}, -0.9, 0.95, 2), c = random_f64({2, 3}, -1, 1, 3);
  auto apply = [](st::LayerHandle<st::Layer> layer, const std::vector<Tensor>& in) { return (*layer)(in); };
  CHECK(max_abs_diff(apply(Add({.dtype = st::float64}), {a, b, c}), a + b + c) < 1e-12f);
  CHECK(max_abs_diff(apply(Subtract({.dtype = st::float64}), {a, b}), a - b) < 1e-12f);
  CHECK(max_abs_diff(apply(Multiply({.dtype = st::float64}), {a, b, c}), a * b * c) < 1e-12f);
  CHECK(max_abs_diff(apply(Average({.dtype = st::float64}), {a, b, c}), (a + b + c) / 3.0) < 1e-12f);
  CHECK(max_abs_diff(apply(Maximum({.dtype = st::float64}), {a, b}), st::maximum(a, b)) < 1e-12f);
  CHECK(max_abs_diff(apply(Minimum({.dtype = st::float64}), {a, b}), st::minimum(a, b)) < 1e-12f);
  const std::vector<std::function<st::LayerHandle<st::Layer>()>> makers{
      [] { return Add({.dtype = st::float64}); },      [] { return Subtract({.dtype = st::float64}); },
      [] { return Multiply({.dtype = st::float64}); }, [] { return Average({.dtype = st::float64}); },
      [] { return Maximum({.dtype = st::float64}); },  [] { return Minimum({.dtype = st::float64}); },
      [] { return Concatenate({.axis = 0, .dtype = st::float64}); },
      [] { return Dot(1, {.normalize = true, .dtype = st::float64}); }};
  for (const auto& make : makers) {
    auto layer = make();
    INFO(layer->class_name());
    check_gradients([layer](const std::vector<Tensor>& in) { return (*layer)(in); }, {a, b});
  }
  auto dot3 = Dot(std::array<int, 2>{1, 2}, {.dtype = st::float64});
  check_gradients([dot3](const std::vector<Tensor>& in) { return (*dot3)(in); },
                  {random_f64({2, 3, 4}, -1, 1, 5), random_f64({2, 5, 3}, -1, 1, 6)});
  CHECK((*dot3)({random_f64({2, 3, 4}), random_f64({2, 5, 3})}).shape() == Shape{2, 4, 5});
}

TEST_CASE("merge layers: Keras's outputs (kerasjs goldens, Keras 2.0, Functional graphs)") {
  const auto dir = std::filesystem::path(STRATA_KERAS_FIXTURES_DIR) / "kerasjs_layer_goldens_k2.0";
  if (!std::filesystem::exists(dir / "definitions_index.json")) {
    MESSAGE("skipped: the shared fixtures are not at " << dir.string());
    return;
  }
  const auto index = nlohmann::json::parse(std::ifstream(dir / "definitions_index.json"));
  int ran = 0;
  double worst = 0;
  for (const char* kind : {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"}) {
    const auto cases = nlohmann::json::parse(std::ifstream(dir / "data/layers/merge" / (std::string(kind) + ".json")));
    for (const auto& [key, c] : cases.items()) {
      INFO(key);
      const std::string def = index.at(key).at("definition");
      const auto& weights = c.at("weights");
      const std::size_t branches = weights.size() / 2;
      const bool repeat = def.find("RepeatVector(3)") != std::string::npos;
      std::vector<std::int64_t> in_dims;
      for (auto d : c.at("input").at("shape")) in_dims.push_back(d.get<std::int64_t>());
      auto x = Input(Shape(in_dims));
      std::vector<Tensor> parts;
      for (std::size_t i = 0; i < branches; ++i) {
        const auto& w = weights[2 * i];
        Tensor h = Dense(w.at("shape")[1].get<std::int64_t>())(x);
        parts.push_back(repeat ? RepeatVector(3)(h) : h);
      }
      std::smatch m;
      st::LayerHandle<st::Layer> merge;
      const std::string kind_s = kind;
      if (kind_s == "Concatenate") {
        REQUIRE(std::regex_search(def, m, std::regex(R"(Concatenate\(axis=(-?\d+)\))")));
        merge = Concatenate({.axis = std::stoi(m[1])});
      } else if (kind_s == "Dot") {
        REQUIRE(std::regex_search(def, m, std::regex(R"(Dot\(axes=\(?(\d)(?:,\s*(\d))?\)?,\s*normalize=(True|False)\))")));
        const int a0 = std::stoi(m[1]), a1 = m[2].matched ? std::stoi(m[2]) : a0;
        merge = Dot(std::array<int, 2>{a0, a1}, {.normalize = m[3] == "True"});
      } else {
        merge = kind_s == "Add" ? Add() : kind_s == "Subtract" ? Subtract() : kind_s == "Multiply" ? Multiply()
              : kind_s == "Average" ? Average() : kind_s == "Maximum" ? Maximum() : Minimum();
      }
      st::Model model(x, (*merge)(parts));
      std::vector<Tensor> values;
      for (const auto& w : weights) {
        std::vector<std::int64_t> dims;
        for (auto d : w.at("shape")) dims.push_back(d.get<std::int64_t>());
        values.push_back(Tensor::from_vector(w.at("data").get<std::vector<float>>(), Shape(dims)));
      }
      model.set_weights(values);
      std::vector<std::int64_t> batch_dims{1};
      batch_dims.insert(batch_dims.end(), in_dims.begin(), in_dims.end());
      const Tensor input = Tensor::from_vector(c.at("input").at("data").get<std::vector<float>>(), Shape(batch_dims));
      const auto got = model.predict(input).to_vector<float>();
      const auto want = c.at("expected").at("data").get<std::vector<float>>();
      REQUIRE(got.size() == want.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        const double err = std::abs(static_cast<double>(got[i]) - want[i]);
        worst = std::max(worst, err);
        CHECK(err <= 1e-5 + 1e-4 * std::abs(want[i]));
      }
      ++ran;
    }
  }
  MESSAGE("merge goldens: " << ran << " cases ran, worst error " << worst);
  CHECK(ran >= 20);
}

TEST_CASE("functional: two inputs and two outputs train with a loss per output; logs named like Keras") {
  st::set_random_seed(21);
  const std::int64_t n = 256;
  // Class = sign pattern of the image features; score = sum of the metadata.
  const Tensor image = st::normal({n, 4}, {.seed = 1});
  const Tensor meta = st::uniform({n, 2}, {.seed = 2});
  const Tensor cls = st::cast(st::greater(st::sum(image, {1}), 0.0f), st::int64);
  const Tensor score = st::sum(meta, {1}, true);

  auto in_image = Input({4}, {.name = "image"});
  auto in_meta = Input({2}, {.name = "meta"});
  auto h = Concatenate()({Dense(16, "relu")(in_image), Dense(8, "relu")(in_meta)});
  st::Model model({in_image, in_meta}, {Dense(2, {.name = "class"})(h), Dense(1, {.name = "score"})(h)});
  model.compile({.optimizer = st::optimizers::Adam(1e-2),
                 .loss = st::NamedLosses{{"class", st::losses::SparseCategoricalCrossentropy({.from_logits = true})}, {"score", "mse"}},
                 .output_metrics = {{"class", {"accuracy"}}, {"score", {"mae"}}},
                 .loss_weights = {1.0, 0.5}});
  const auto before = model.evaluate({image, meta}, {cls, score}, {.verbose = 0});
  auto history = model.fit(st::NamedTensors{{"image", image}, {"meta", meta}}, st::NamedTensors{{"class", cls}, {"score", score}},
                           {.epochs = 30, .batch_size = 32, .verbose = 0});
  const auto after = model.evaluate({image, meta}, {cls, score}, {.verbose = 0});
  for (const char* key : {"loss", "class_loss", "score_loss", "class_accuracy", "score_mae"}) {
    INFO(key);
    CHECK(after.count(key) == 1);
    CHECK(history.history.count(key) == 1);
  }
  CHECK(after.at("class_accuracy") >= 0.95);
  CHECK(after.at("score_mae") < 0.1);
  CHECK(after.at("score_mae") < before.at("score_mae"));
  // The total is the weighted sum of the outputs' losses (no regularization here).
  CHECK(after.at("loss") == doctest::Approx(after.at("class_loss") + 0.5 * after.at("score_loss")).epsilon(1e-4));

  CHECK(message_of([&] { model.fit({image}, {cls, score}, {.verbose = 0}); }).find("has 2 inputs, got 1") !=
        std::string::npos);
  CHECK(message_of([&] { model.fit(st::NamedTensors{{"image", image}, {"metadata", meta}}, {cls, score}, {.verbose = 0}); })
            .find("'metadata' is not one of the model's inputs") != std::string::npos);
  CHECK(message_of([&] {
          model.compile({.loss = st::NamedLosses{{"klass", "mse"}}});
        }).find("'klass', which is not one of its outputs") != std::string::npos);
}

TEST_CASE("plot_model: a Functional model as Graphviz DOT, with shapes, one edge per connection") {
  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto shared = Dense(2, {.name = "shared"});
  auto out = Add({.name = "sum"})({shared(a), shared(b)});
  st::Model model({a, b}, out, {.name = "plotted"});
  const std::string dot = st::utils::model_to_dot(model, {.show_shapes = true});
  CHECK(dot.find("digraph \"plotted\"") != std::string::npos);
  CHECK(dot.find("left (InputLayer)") != std::string::npos);
  CHECK(dot.find("sum (Add)|{input: [(None, 2), (None, 2)]|output: (None, 2)}") != std::string::npos);
  // left -> shared, right -> shared, shared -> sum (drawn once although the layer is used twice).
  int arrows = 0;
  for (std::size_t at = dot.find("->"); at != std::string::npos; at = dot.find("->", at + 2)) ++arrows;
  CHECK(arrows == 3);
  const auto path = std::filesystem::temp_directory_path() / "strata_plot_model_test.dot";
  st::utils::plot_model(model, path.string());
  std::ifstream in(path);
  CHECK(std::string((std::istreambuf_iterator<char>(in)), {}) == st::utils::model_to_dot(model));
  std::filesystem::remove(path);

  st::Sequential seq({Input({4}), Dense(3, "relu", {.name = "hidden"}), Dense(1, {.name = "out"})});
  const std::string chain = st::utils::model_to_dot(seq, {.show_shapes = true, .rankdir = "LR"});
  CHECK(chain.find("rankdir=LR") != std::string::npos);
  CHECK(chain.find("hidden (Dense)|{input: (None, 4)|output: (None, 3)}") != std::string::npos);
}

TEST_CASE("subclassed models: summary shows the output shape of each built layer") {
  struct Tiny : st::Model {
    st::LayerHandle<DenseLayer> dense = track(Dense(3, {.name = "tiny_dense"}));
    st::Tensor call(const st::Tensor& x) override { return dense(x); }
  };
  auto model = std::make_shared<Tiny>();
  std::ostringstream before;
  model->summary(before);
  CHECK(before.str().find("│ ?") != std::string::npos);
  (*model)(st::ones({2, 5}));
  std::ostringstream after;
  model->summary(after);
  CHECK(after.str().find("tiny_dense (Dense)") != std::string::npos);
  CHECK(after.str().find("(None, 3)") != std::string::npos);
  CHECK(after.str().find("Total params: 18") != std::string::npos);
}
