// Embedding, Masking, the recurrent layers and their wrappers: the layer harness (shapes, weights,
// config, a training step, float64 gradient checks through time), masks, state handling, configs,
// weight files, and numbers from outside: PyTorch references (tests/data/recurrent, where Keras has
// no golden) and Keras's own outputs (rtneural goldens, the dl4j SimpleRNN model, the tf.keras 2.11
// GRU file). The keras-js goldens of these layers run in test_conv_pool_norm.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/saving.hpp"
#include "strata/models/sequential.hpp"
#include "support/gradient_check.hpp"
#include "support/layer_harness.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::check_gradients;
using strata::testing::InputValues;
using strata::testing::random_f32;
using strata::testing::random_f64;
using strata::testing::run_layer_test;

namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), "shape " << a.shape().to_string() << " vs " << b.shape().to_string());
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

Tensor json_tensor(const nlohmann::json& j, DType dtype = float64) {
  return cast(Tensor::from_vector(j["data"].get<std::vector<double>>(), Shape(j["shape"].get<std::vector<std::int64_t>>())),
              dtype);
}

Tensor bool_tensor(const std::vector<float>& values, const Shape& shape) {
  return cast(Tensor::from_vector(values, shape), bool_);
}

std::vector<float> as_floats(const Tensor& t) { return cast(t, float32).to_vector<float>(); }

std::filesystem::path fixtures() { return std::filesystem::path(STRATA_KERAS_FIXTURES_DIR); }

}  // namespace

// --- the layer harness ---

TEST_CASE("layer harness: Embedding") {
  run_layer_test({.name = "Embedding",
                  .make = [] { return Embedding(10, 3).ptr(); },
                  .make_f64 = [] { return Embedding(10, 3, {.dtype = float64}).ptr(); },
                  .input_shape = {2, 5},
                  .expected_output_shape = {2, 5, 3},
                  .trainable_weights = 1,
                  .expected_config = {{"input_dim", 10}, {"output_dim", 3}, {"mask_zero", false}},
                  .input_values = InputValues::indices,
                  .index_limit = 10});
}

TEST_CASE("layer harness: Masking") {
  run_layer_test({.name = "Masking",
                  .make = [] { return Masking(0.5).ptr(); },
                  .input_shape = {2, 4, 3},
                  .expected_output_shape = {2, 4, 3},
                  .expected_config = {{"mask_value", 0.5}},
                  .bad_input_shape = Shape{3}});
}

TEST_CASE("layer harness: SimpleRNN, LSTM, GRU (through time)") {
  run_layer_test({.name = "SimpleRNN",
                  .make = [] { return SimpleRNN(4).ptr(); },
                  .make_f64 = [] { return SimpleRNN(4, {.dtype = float64}).ptr(); },
                  .input_shape = {2, 5, 3},
                  .expected_output_shape = {2, 4},
                  .trainable_weights = 3,
                  .expected_config = {{"units", 4}, {"activation", "tanh"}, {"return_sequences", false}},
                  .bad_input_shape = Shape{2, 3}});
  run_layer_test({.name = "LSTM",
                  .make = [] { return LSTM(4, {.return_sequences = true}).ptr(); },
                  .make_f64 = [] { return LSTM(4, {.return_sequences = true, .dtype = float64}).ptr(); },
                  .input_shape = {2, 5, 3},
                  .expected_output_shape = {2, 5, 4},
                  .trainable_weights = 3,
                  .expected_config = {{"units", 4}, {"recurrent_activation", "sigmoid"}, {"unit_forget_bias", true},
                                      {"return_sequences", true}},
                  .bad_input_shape = Shape{2, 3}});
  for (bool reset_after : {true, false}) {
    INFO("reset_after=" << reset_after);
    run_layer_test({.name = "GRU",
                    .make = [=] { return GRU(3, {.reset_after = reset_after, .go_backwards = true}).ptr(); },
                    .make_f64 = [=] { return GRU(3, {.reset_after = reset_after, .go_backwards = true, .dtype = float64}).ptr(); },
                    .input_shape = {2, 4, 2},
                    .expected_output_shape = {2, 3},
                    .trainable_weights = 3,
                    .expected_config = {{"units", 3}, {"reset_after", reset_after}, {"go_backwards", true}}});
  }
}

TEST_CASE("layer harness: Bidirectional, TimeDistributed, RNN over a user cell") {
  run_layer_test({.name = "Bidirectional",
                  .make = [] { return Bidirectional(LSTM(3, {.return_sequences = true})).ptr(); },
                  .make_f64 = [] { return Bidirectional(LSTM(3, {.return_sequences = true, .dtype = float64}), {.dtype = float64}).ptr(); },
                  .input_shape = {2, 4, 2},
                  .expected_output_shape = {2, 4, 6},
                  .trainable_weights = 6,
                  .expected_config = {{"merge_mode", "concat"}}});
  run_layer_test({.name = "Bidirectional",
                  .make = [] { return Bidirectional(GRU(3), {.merge_mode = "ave"}).ptr(); },
                  .make_f64 = [] { return Bidirectional(GRU(3, {.dtype = float64}), {.merge_mode = "ave", .dtype = float64}).ptr(); },
                  .input_shape = {2, 4, 2},
                  .expected_output_shape = {2, 3},
                  .trainable_weights = 6,
                  .expected_config = {{"merge_mode", "ave"}}});
  run_layer_test({.name = "TimeDistributed",
                  .make = [] { return TimeDistributed(Dense(2, "tanh")).ptr(); },
                  .make_f64 = [] { return TimeDistributed(Dense(2, "tanh", {.dtype = float64}), {.dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 2},
                  .trainable_weights = 2,
                  .bad_input_shape = Shape{2, 4}});
  run_layer_test({.name = "RNN",
                  .make = [] { return RNN(SimpleRNNCell(3), {.return_sequences = true}).ptr(); },
                  .make_f64 = [] { return RNN(SimpleRNNCell(3, {.dtype = float64}), {.return_sequences = true, .dtype = float64}).ptr(); },
                  .input_shape = {2, 4, 2},
                  .expected_output_shape = {2, 4, 3},
                  .trainable_weights = 3,
                  .expected_config = {{"return_sequences", true}}});
}

namespace {
// A user cell written only with step(): h = tanh(x W + h U), a second state counting steps.
class CountingCell : public RNNCell {
 public:
  explicit CountingCell(std::int64_t units, DType dtype = float32) : RNNCell("", dtype), units_(units) {}
  std::vector<std::int64_t> state_size() const override { return {units_, 1}; }
  void build(const Shape& in) override {
    w_ = add_weight("kernel", {in.back(), units_});
    u_ = add_weight("recurrent_kernel", {units_, units_}, "orthogonal");
  }
  using RNNCell::build;
  std::vector<Tensor> step(const Tensor& x, const std::vector<Tensor>& s, bool) override {
    Tensor h = tanh(matmul(x, w_) + matmul(s[0], u_));
    return {h, h, s[1] + 1.0};
  }
  std::string class_name() const override { return "CountingCell"; }

 private:
  std::int64_t units_;
  Variable w_, u_;
};
}  // namespace

TEST_CASE("RNN over a user cell: steps, states, gradients through time") {
  auto layer = RNN(make_layer<CountingCell>(3, float64), {.return_state = true, .dtype = float64});
  const Tensor x = random_f64({2, 5, 2}, -1, 1, 3);
  auto out = layer->apply({x});
  REQUIRE(out.size() == 3);
  CHECK(out[0].shape() == Shape{2, 3});
  CHECK(out[2].to_vector<double>() == std::vector<double>{5, 5});  // five steps counted
  // The output is the last step of an explicit loop over the cell.
  auto cell = layer->cell();
  std::vector<Tensor> states = cell->get_initial_state(2);
  Tensor h;
  for (int t = 0; t < 5; ++t) {
    auto r = cell->step(reshape(slice(x, 1, t, t + 1), {2, 2}), states, false);
    h = r[0];
    states = {r[1], r[2]};
  }
  CHECK(max_abs_diff(h, out[0]) < 1e-12);
  auto weights = layer->trainable_weights();
  REQUIRE(weights.size() == 2);
  check_gradients(
      [&](const std::vector<Tensor>& in) {
        weights[0].assign(in[1]);
        weights[1].assign(in[2]);
        return (*layer).apply({in[0]})[0];
      },
      {x, weights[0].value(), weights[1].value()});
}

TEST_CASE("cells called on one step, with and without states") {
  auto cell = LSTMCell(3);
  const Tensor x = random_f32({2, 4});
  auto out = cell->apply({x});
  REQUIRE(out.size() == 3);  // output, h, c
  CHECK(out[0].shape() == Shape{2, 3});
  CHECK(max_abs_diff(out[0], out[1]) == 0);
  auto next = cell->apply({x, out[1], out[2]});
  CHECK(next[0].shape() == Shape{2, 3});
  CHECK(cell->get_config()["unit_forget_bias"] == true);
  // unit_forget_bias: the forget gate's bias starts at one, the rest at zero.
  const auto b = cell->bias().value().to_vector<float>();
  for (int i = 0; i < 12; ++i) CHECK(b[static_cast<std::size_t>(i)] == (i >= 3 && i < 6 ? 1.0f : 0.0f));
  CHECK_THROWS_AS(cell->apply({x, out[1]}), ValueError);  // an LSTM cell has two states
  CHECK(GRUCell(2)->apply({x})[0].shape() == Shape{2, 2});
  CHECK(GRUCell(2, {.reset_after = true})->apply({x}).size() == 2);
  auto gru = GRUCell(2);
  (void)gru->apply({x});
  CHECK(gru->bias().shape() == Shape{2, 6});
  auto gru_v1 = GRUCell(2, {.reset_after = false});
  (void)gru_v1->apply({x});
  CHECK(gru_v1->bias().shape() == Shape{6});
  CHECK(SimpleRNNCell(2)->apply({x}).size() == 2);
}

// --- numbers from PyTorch (where Keras has no golden) ---

TEST_CASE("recurrent layers match PyTorch references (GRU reset_after false/true, go_backwards, masks, initial states)") {
  std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/recurrent/reference.json");
  REQUIRE(in.good());
  const auto cases = nlohmann::json::parse(in);
  int ran = 0;
  double worst = 0;
  for (const auto& [key, c] : cases.items()) {
    INFO(key);
    const std::string kind = c["layer"];
    const auto& o = c["options"];
    const std::int64_t units = c["units"];
    std::vector<Tensor> weights;
    for (const auto& w : c["weights"]) weights.push_back(json_tensor(w));
    const Tensor x = json_tensor(c["input"]);
    std::vector<Tensor> outputs;
    if (kind == "LSTM" || kind == "GRU" || kind == "SimpleRNN") {
      RecurrentOptions opts{.reset_after = o.value("reset_after", true),
                            .return_sequences = o.value("return_sequences", false),
                            .return_state = o.value("return_state", false),
                            .go_backwards = o.value("go_backwards", false),
                            .dtype = float64};
      auto layer = kind == "LSTM" ? LSTM(units, opts) : kind == "GRU" ? GRU(units, opts) : SimpleRNN(units, opts);
      std::vector<Tensor> inputs{x};
      if (c.contains("initial_state"))
        for (const auto& s : c["initial_state"]) inputs.push_back(json_tensor(s));
      layer->ensure_built(x.shape());
      layer->set_weights(weights);
      const Tensor mask = c.contains("mask") ? cast(json_tensor(c["mask"]), bool_) : Tensor();
      outputs = layer->apply_masked(inputs, mask).outputs;
    } else if (kind == "Embedding+LSTM") {
      // Through a Sequential: the mask of Embedding(mask_zero) reaches the LSTM.
      Sequential model({Input({5}), Embedding(7, 3, {.mask_zero = true, .dtype = float64}), LSTM(units, {.dtype = float64})});
      model.set_weights(weights);
      outputs = {model(x)};
    } else if (kind == "Masking+Bidirectional(LSTM)") {
      // Through a Functional model: Masking's mask reaches Bidirectional.
      auto input = Input({5, 3}, {.dtype = float64});
      auto y = Bidirectional(LSTM(units, {.return_sequences = true, .dtype = float64}), {.dtype = float64})(
          Masking(0.0, {.dtype = float64})(input));
      Model model({input}, {y});
      model.set_weights(weights);
      // model.call, not model(x): a Model (float32) would cast the float64 inputs to its dtype.
      outputs = {model.call(std::vector<Tensor>{x}, false).at(0)};
    } else {
      FAIL("unknown case kind " << kind);
    }
    REQUIRE(outputs.size() == c["expected"].size());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const double err = max_abs_diff(outputs[i], json_tensor(c["expected"][i]));
      CHECK_MESSAGE(err < 1e-10, key << " output " << i << ": error " << err);
      worst = std::max(worst, err);
    }
    ++ran;
  }
  MESSAGE("PyTorch references: " << ran << " cases, worst abs error " << worst);
  CHECK(ran == 13);
}

// --- masks ---

TEST_CASE("masks: Embedding(mask_zero), Masking, gradients with masks, pass-through layers") {
  auto emb = Embedding(5, 2, {.mask_zero = true});
  const Tensor tokens = Tensor::from_vector(std::vector<std::int64_t>{1, 0, 3, 0, 0, 4}, {2, 3});
  auto out = emb->apply_masked({tokens}, Tensor());
  REQUIRE(out.mask.defined());
  CHECK(as_floats(out.mask) == std::vector<float>{1, 0, 1, 0, 0, 1});
  CHECK_FALSE(Embedding(5, 2)->apply_masked({tokens}, Tensor()).mask.defined());
  CHECK_THROWS_AS((void)Embedding(3, 2)(tokens), ValueError);  // index 4 >= input_dim

  auto masking = Masking(0.0);
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 0, 0, 3, 0, 0, 0}, {1, 4, 2});
  auto m = masking->apply_masked({x}, Tensor());
  CHECK(as_floats(m.mask) == std::vector<float>{1, 0, 1, 0});
  CHECK(m.outputs[0].to_vector<float>() == x.to_vector<float>());

  // Dense / Dropout pass the mask on; Flatten drops it; an RNN without sequences drops it.
  CHECK(Dense(3)->apply_masked({x}, m.mask).mask.defined());
  CHECK(Dropout(0.5)->apply_masked({x}, m.mask).mask.defined());
  CHECK_FALSE(Flatten()->apply_masked({x}, m.mask).mask.defined());
  CHECK(LSTM(2, {.return_sequences = true})->apply_masked({x}, m.mask).mask.defined());
  CHECK_FALSE(LSTM(2)->apply_masked({x}, m.mask).mask.defined());
  CHECK_THROWS_AS(LSTM(2)->apply_masked({x}, bool_tensor({1, 0}, {1, 2})), ShapeError);

  // A masked step changes nothing: the same sequence with garbage in the masked steps.
  auto lstm = LSTM(3, {.return_sequences = true, .return_state = true});
  Tensor clean = random_f32({1, 4, 2}), dirty = clean;
  dirty = where(reshape(m.mask, {1, 4, 1}), clean, full({1, 4, 2}, 9.0f));
  auto a = lstm->apply_masked({clean}, m.mask).outputs;
  auto b = lstm->apply_masked({dirty}, m.mask).outputs;
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(max_abs_diff(a[i], b[i]) == 0);
  // The output at a masked step repeats the previous one.
  const auto seq = a[0].to_vector<float>();
  for (int k = 0; k < 3; ++k) CHECK(seq[3 + k] == seq[0 + k]);

  // Float64 gradients through time with a mask, for the three layers.
  const Tensor mask = bool_tensor({1, 1, 0, 1, 0, 1, 1, 0}, {2, 4});
  for (const char* kind : {"SimpleRNN", "LSTM", "GRU"}) {
    INFO(kind);
    RecurrentOptions o{.return_sequences = true, .dtype = float64};
    auto layer = std::string(kind) == "LSTM" ? LSTM(3, o) : std::string(kind) == "GRU" ? GRU(3, o) : SimpleRNN(3, o);
    const Tensor in = random_f64({2, 4, 2}, -1, 1, 5);
    layer->ensure_built(in.shape());
    auto weights = layer->trainable_weights();
    check_gradients(
        [&](const std::vector<Tensor>& v) {
          for (std::size_t i = 0; i < weights.size(); ++i) weights[i].assign(v[i + 1]);
          return layer->apply_masked({v[0]}, mask).outputs[0];
        },
        {in, weights[0].value(), weights[1].value(), weights[2].value()});
  }
}

// --- states ---

TEST_CASE("stateful layers continue from the previous call; return_state; initial_state") {
  const Tensor x = random_f32({2, 6, 3}, -1, 1, 21);
  auto full_seq = LSTM(4, {.return_state = true});
  auto stateful = LSTM(4, {.stateful = true});
  full_seq->ensure_built(x.shape());
  stateful->ensure_built(x.shape());
  stateful->set_weights(full_seq->get_weights());
  auto whole = full_seq->apply({x});
  (void)(*stateful)(slice(x, 1, 0, 3));
  const Tensor second = (*stateful)(slice(x, 1, 3, 6));
  CHECK(max_abs_diff(second, whole[0]) < 1e-6);
  CHECK(max_abs_diff(stateful->states()[1], whole[2]) < 1e-6);
  stateful->reset_states();
  CHECK(max_abs_diff((*stateful)(x), whole[0]) < 1e-6);
  CHECK_THROWS_AS((void)(*stateful)(random_f32({3, 6, 3})), ValueError);  // another batch size

  // Initial states given as extra inputs continue a sequence too.
  auto plain = LSTM(4, {.return_state = true});
  plain->ensure_built(x.shape());
  plain->set_weights(full_seq->get_weights());
  auto first = plain->apply({slice(x, 1, 0, 3)});
  auto rest = plain->apply({slice(x, 1, 3, 6), first[1], first[2]});
  CHECK(max_abs_diff(rest[0], whole[0]) < 1e-6);
  CHECK_THROWS_AS(plain->apply({x, first[1]}), ValueError);  // two states needed
  CHECK_THROWS_AS(plain->apply({x, first[1], zeros({2, 5})}), ShapeError);
  CHECK_THROWS_AS((void)(*plain)(x), ValueError);  // three outputs: apply() is needed

  // Symbolic: return_state gives three symbolic outputs of the right shapes.
  auto input = Input({6, 3});
  auto outs = LSTM(4, {.return_sequences = true, .return_state = true})->apply({input});
  REQUIRE(outs.size() == 3);
  CHECK(outs[0].shape() == Shape{-1, 6, 4});
  CHECK(outs[2].shape() == Shape{-1, 4});
}

TEST_CASE("dropout and recurrent_dropout: training only, one mask per sequence") {
  const Tensor x = random_f32({3, 5, 4});
  auto layer = GRU(6, {.dropout = 0.5, .recurrent_dropout = 0.3, .seed = 7});
  const Tensor a = (*layer)(x, false), b = (*layer)(x, false);
  CHECK(max_abs_diff(a, b) == 0);
  const Tensor t = (*layer)(x, true);
  CHECK(max_abs_diff(a, t) > 1e-4);
  CHECK(layer->get_config()["dropout"] == 0.5);
  // Gradients flow in training mode.
  GradientTape tape;
  Tensor loss = sum(square((*layer)(x, true)));
  auto grads = tape.gradient(loss, layer->trainable_weights());
  for (const auto& g : grads) CHECK(g.defined());
  CHECK_THROWS_AS(LSTM(2, {.dropout = 1.0}), ValueError);
}

// --- configs ---

TEST_CASE("configs: round trip through the registry, Keras 1/2/3 spellings") {
  std::vector<LayerPtr> layers = {
      Embedding(7, 3, {.mask_zero = true}).ptr(),
      Masking(-1.0).ptr(),
      SimpleRNN(2, {.activation = "relu", .return_sequences = true}).ptr(),
      LSTM(3, {.recurrent_activation = "hard_sigmoid", .unit_forget_bias = false, .go_backwards = true}).ptr(),
      GRU(4, {.reset_after = false, .dropout = 0.25, .stateful = true}).ptr(),
      GRU(4, {.use_bias = false}).ptr(),
      Bidirectional(LSTM(2, {.return_sequences = true}), {.merge_mode = "sum"}).ptr(),
      Bidirectional(GRU(2), {.merge_mode = "None"}).ptr(),
      Bidirectional(LSTM(2), {.backward_layer = LSTM(2, {.go_backwards = true}).ptr()}).ptr(),
      TimeDistributed(Dense(3, "relu")).ptr(),
      RNN(GRUCell(3), {.return_state = true}).ptr(),
  };
  for (const auto& layer : layers) {
    INFO(layer->class_name());
    const Config entry = serialize_layer(*layer);
    LayerPtr copy = layer_from_config(Config::parse(entry.dump()));
    CHECK(copy->class_name() == layer->class_name());
    CHECK(serialize_layer(*copy) == entry);
  }
  // Keras 2.1 (dl4j fixture) and Keras 1 spellings.
  auto k2 = layer_from_config(Config::parse(R"({"class_name": "GRU", "config": {"name": "g", "units": 5,
      "activation": "tanh", "recurrent_activation": "hard_sigmoid", "use_bias": true, "implementation": 1,
      "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}},
      "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}},
      "bias_initializer": {"class_name": "Zeros", "config": {}}, "return_sequences": true, "dropout": 0.0}})"));
  auto gru = std::dynamic_pointer_cast<KerasRecurrentLayer>(k2);
  REQUIRE(gru);
  CHECK(k2->get_config()["reset_after"] == false);  // no reset_after before Keras 2.1.4
  CHECK(k2->get_config()["recurrent_activation"] == "hard_sigmoid");
  // Keras 2's hard_sigmoid (no "seed" in the config) is clip(0.2 x + 0.5, 0, 1); Keras 3's is relu6(x + 3) / 6.
  {
    const Tensor x = random_f32({2, 3, 5}, -3, 3, 8);
    auto keras3_config = serialize_layer(*k2);
    keras3_config["config"]["seed"] = nullptr;
    auto k3_gru = layer_from_config(keras3_config);
    k3_gru->ensure_built(x.shape());
    k2->ensure_built(x.shape());
    k3_gru->set_weights(k2->get_weights());
    auto reference = GRU(5, {.recurrent_activation = activations::Activation{"hard_sigmoid", [](const Tensor& v) {
                                                           return clip(v * 0.2f + 0.5f, 0.0, 1.0);
                                                         }},
                             .reset_after = false,
                             .return_sequences = true});
    reference->ensure_built(x.shape());
    reference->set_weights(k2->get_weights());
    CHECK(max_abs_diff((*k2)(x), (*reference)(x)) == 0);
    CHECK(max_abs_diff((*k3_gru)(x), (*reference)(x)) > 1e-4);
  }
  auto k1 = layer_from_config(Config::parse(R"({"class_name": "LSTM", "config": {"name": "l1", "output_dim": 6,
      "init": "glorot_uniform", "inner_init": "orthogonal", "forget_bias_init": "one", "activation": "tanh",
      "inner_activation": "hard_sigmoid", "W_regularizer": null, "dropout_W": 0.1, "dropout_U": 0.2, "return_sequences": false}})"));
  CHECK(k1->get_config()["units"] == 6);
  CHECK(k1->get_config()["recurrent_dropout"] == 0.2);
  auto k3 = layer_from_config(Config::parse(R"({"module": "keras.layers", "class_name": "Bidirectional", "config": {
      "name": "bi", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}},
      "merge_mode": "concat", "layer": {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm",
      "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "return_sequences": true, "seed": null}}}})"));
  CHECK(k3->compute_output_shape({-1, 7, 2}) == Shape{-1, 7, 8});
  CHECK_THROWS_AS(Bidirectional(LSTM(2), {.merge_mode = "max"}), ValueError);
  CHECK_THROWS_AS(layer_from_config(Config::parse(R"({"class_name": "RNN", "config": {"cell": [
      {"class_name": "LSTMCell", "config": {"units": 2}}, {"class_name": "LSTMCell", "config": {"units": 2}}]}})")),
                  NotImplementedError);
  CHECK_THROWS_AS(layer_from_config(Config::parse(R"({"class_name": "LSTM", "config": {"name": "x"}})")), ValueError);
}

// --- weight files ---

TEST_CASE("weight files: legacy .h5 and Keras 3 .weights.h5 with RNN weights under the cell") {
  const auto dir = std::filesystem::temp_directory_path() / "strata_recurrent_test";
  std::filesystem::create_directories(dir);
  auto make = [] {
    return std::make_shared<Sequential>(std::vector<SequentialItem>{
        Input({5, 3}), LSTM(4, {.return_sequences = true}), Bidirectional(GRU(2)), Dense(1)});
  };
  auto model = make();
  const Tensor x = random_f32({2, 5, 3});
  const Tensor y = (*model)(x);
  for (const char* name : {"w.h5", "w.weights.h5"}) {
    INFO(name);
    const std::string path = (dir / name).string();
    model->save_weights(path);
    auto other = make();
    CHECK(max_abs_diff((*other)(x), y) > 1e-6);
    other->load_weights(path);
    CHECK(max_abs_diff((*other)(x), y) == 0);
  }
  // Keras 3's layout: /layers/lstm/cell/vars/0..2, the Bidirectional's forward_layer/cell/vars.
  auto file = saving::hdf5::File::open((dir / "w.weights.h5").string());
  CHECK(file.open_group("layers/lstm/cell/vars").dataset_shape("0") == Shape{3, 16});
  CHECK(file.open_group("layers/lstm/cell/vars").dataset_shape("2") == Shape{16});
  CHECK(file.open_group("layers/bidirectional/forward_layer/cell/vars").dataset_shape("2") == Shape{2, 6});
  CHECK(file.open_group("layers/bidirectional/backward_layer/cell/vars").dataset_shape("1") == Shape{2, 6});
  std::filesystem::remove_all(dir);
}

// --- Keras's own outputs ---

TEST_CASE("Keras fixture: dl4j SimpleRNN model (Keras 2.1.3) predicts as Keras") {
  const auto root = fixtures() / "dl4j_simple_rnn_k2.1.3";
  if (!std::filesystem::exists(root)) {
    MESSAGE("skipped: " << root.string() << " is absent");
    return;
  }
  auto model = models::load_model((root / "simple_rnn_tf_keras_2_model.h5").string(), false);
  auto io = saving::hdf5::File::open((root / "simple_rnn_tf_keras_2_inputs_and_outputs.h5").string());
  const Tensor x = io.read_dataset("inputs/simple_rnn_1_input");
  const Tensor expected = io.read_dataset("predictions/dense_1");
  const double err = max_abs_diff((*model)(x), expected);
  MESSAGE("dl4j SimpleRNN: 25 predictions, worst abs error " << err);
  CHECK(err < 1e-5);
  // The intermediate SimpleRNN activations too.
  auto rnn = model->get_layer("simple_rnn_1");
  CHECK(max_abs_diff((*rnn)(x), io.read_dataset("activations/simple_rnn_1")) < 1e-5);
  // The weights-only file loads into the same model.
  auto copy = models::load_model((root / "simple_rnn_tf_keras_2_model.h5").string(), false);
  copy->load_weights((root / "simple_rnn_tf_keras_2_weights.h5").string());
  CHECK(max_abs_diff((*copy)(x), expected) < 1e-5);
}

TEST_CASE("Keras fixture: tf.keras 2.11 Conv1D + GRU(reset_after) file loads with its (2, 3u) bias") {
  const auto path = fixtures() / "tfkeras2.11_conv1d_gru_reset_after/hostpipe_parallel_keras_model.keras.h5";
  if (!std::filesystem::exists(path)) {
    MESSAGE("skipped: " << path.string() << " is absent");
    return;
  }
  auto model = models::load_model(path.string(), false);
  auto gru = std::dynamic_pointer_cast<KerasRecurrentLayer>(model->get_layer("gru"));
  REQUIRE(gru);
  CHECK(gru->get_config()["reset_after"] == true);
  auto file = saving::hdf5::File::open(path.string());
  const auto weights = gru->get_weights();
  REQUIRE(weights.size() == 3);
  CHECK(weights[2].shape() == Shape{2, 48});
  CHECK(max_abs_diff(weights[0], file.read_dataset("model_weights/gru/gru/gru_cell/kernel:0")) == 0);
  CHECK(max_abs_diff(weights[2], file.read_dataset("model_weights/gru/gru/gru_cell/bias:0")) == 0);
  const Tensor y = (*model)(random_f32({2, 32, 3}));
  CHECK(y.shape() == Shape{2, 16});
  // The file has no outputs; Keras's GRU(reset_after) numbers are checked on the rtneural goldens.
}

TEST_CASE("Keras goldens: rtneural GRU (reset_after) and LSTM models (tf.keras 2)") {
  const auto root = fixtures() / "rtneural_tfkeras2_goldens";
  if (!std::filesystem::exists(root)) {
    MESSAGE("skipped: " << root.string() << " is absent");
    return;
  }
  auto csv = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<float> v;
    for (double d; in >> d;) v.push_back(static_cast<float>(d));
    return v;
  };
  auto tensor = [](const nlohmann::json& j) {
    std::vector<float> flat;
    std::vector<std::int64_t> dims{static_cast<std::int64_t>(j.size())};
    if (j[0].is_array()) {
      dims.push_back(static_cast<std::int64_t>(j[0].size()));
      for (const auto& row : j)
        for (const auto& v : row) flat.push_back(v.get<float>());
    } else {
      for (const auto& v : j) flat.push_back(v.get<float>());
    }
    return Tensor::from_vector(flat, Shape(dims));
  };
  double worst = 0;
  for (const char* name : {"gru", "lstm"}) {
    INFO(name);
    std::ifstream in(root / (std::string(name) + ".json"));
    const auto spec = nlohmann::json::parse(in);
    Sequential model({Input({100, 1})});
    std::vector<Tensor> weights;
    for (const auto& l : spec["layers"]) {
      const std::string type = l["type"], act = l["activation"];
      const std::int64_t units = l["shape"].back();
      if (type == "time-distributed-dense") model.add(TimeDistributed(Dense(units, act.c_str())));
      else if (type == "gru") model.add(GRU(units, {.return_sequences = true}));
      else if (type == "lstm") model.add(LSTM(units, {.return_sequences = true}));
      else model.add(Dense(units, act.empty() ? "linear" : act.c_str()));
      for (const auto& w : l["weights"]) weights.push_back(tensor(w));
    }
    model.set_weights(weights);
    const Tensor x = Tensor::from_vector(csv(root / (std::string(name) + "_x_python.csv")), {1, 100, 1});
    const Tensor expected = Tensor::from_vector(csv(root / (std::string(name) + "_y_python.csv")), {1, 100, 1});
    const double err = max_abs_diff(model(x), expected);
    worst = std::max(worst, err);
    CHECK(err < 1e-5);
  }
  MESSAGE("rtneural goldens: 2 models x 100 steps, worst abs error " << worst);
}
