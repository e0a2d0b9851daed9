// Losses and metrics honour the model output's mask (Embedding(mask_zero) -> SimpleRNN ->
// Dense) in fit / evaluate / train_on_batch / test_on_batch, as Keras 3 does. Reference numbers
// come from tests/data/masked_training/make_reference.py (PyTorch, Keras's formulas written out).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "strata/strata.hpp"
#include "support/masked_reference.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

const nlohmann::json& reference() { return st::testing::masked_reference(); }
using st::testing::reference_tensor;

std::vector<st::Tensor> reference_weights(const char* key = "weights") {
  std::vector<st::Tensor> weights;
  for (const auto& w : reference()[key]) weights.push_back(reference_tensor(w));
  return weights;
}

st::Tensor tokens() { return reference_tensor(reference()["x"], st::int64); }
st::Tensor labels(const char* key = "y") { return reference_tensor(reference()[key], st::int64); }

void compile(st::Model& model) {
  model.compile({.optimizer = st::optimizers::SGD({.learning_rate = reference()["sgd_step"]["learning_rate"].get<double>()}),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
}

// Embedding(6, 3, mask_zero) -> SimpleRNN(4, return_sequences) -> Dense(3) on 3-D input, float64,
// with the reference weights.
std::shared_ptr<st::Sequential> sequence_model() {
  auto model = std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{Input({5}), Embedding(6, 3, {.mask_zero = true, .dtype = st::float64}),
                        SimpleRNN(4, {.return_sequences = true, .dtype = st::float64}), Dense(3, {.dtype = st::float64})});
  model->set_weights(reference_weights());
  compile(*model);
  return model;
}

void check_logs(const st::Logs& logs, const nlohmann::json& expected, const std::string& prefix = "") {
  CHECK(logs.at(prefix + "loss") == doctest::Approx(expected["loss"].get<double>()).epsilon(1e-12));
  // Accuracy values are float32 (Keras's floatx), as Keras's.
  CHECK(logs.at(prefix + "accuracy") == doctest::Approx(expected["accuracy"].get<double>()).epsilon(1e-6));
}

std::vector<std::vector<double>> values_of(const std::vector<st::Tensor>& tensors) {
  std::vector<std::vector<double>> out;
  for (const auto& t : tensors) out.push_back(st::cast(t, st::float64).to_vector<double>());
  return out;
}

}  // namespace

TEST_CASE("masked training: evaluate and test_on_batch weight the loss and accuracy by the output mask") {
  const auto& ref = reference();
  auto model_ptr = sequence_model();
  auto& model = *model_ptr;
  const st::Tensor x = tokens(), y = labels();

  const auto logs = model.evaluate(x, y, {.batch_size = 3, .verbose = 0});
  check_logs(logs, ref["evaluate_batch_3"]);
  // The masked numbers are not the plain means over every step.
  CHECK(std::abs(logs.at("loss") - ref["unmasked"]["loss"].get<double>()) > 1e-3);
  CHECK(std::abs(logs.at("accuracy") - ref["unmasked"]["accuracy"].get<double>()) > 1e-3);
  // Two batches: the loss is the batch-size-weighted mean of the batches' masked losses, the
  // accuracy the mean over every unmasked step.
  check_logs(model.evaluate(x, y, {.batch_size = 2, .verbose = 0}), ref["evaluate_batch_2"]);
  check_logs(model.test_on_batch(x, y), ref["evaluate_batch_3"]);

  // The forward pass yields the mask of the output: Embedding's, through SimpleRNN and Dense (an
  // eager pass: a traced step's tensors exist only inside its graph).
  model.set_run_eagerly(true);
  check_logs(model.test_on_batch(x, y), ref["evaluate_batch_3"]);
  REQUIRE(model.output_masks().size() == 1);
  CHECK(st::cast(model.output_masks()[0], st::float64).to_vector<double>() ==
        reference_tensor(ref["mask"]).to_vector<double>());

  // predict is unaffected: the logits everywhere, padded steps included (so the unmasked loss of
  // the same predictions is the plain mean).
  const st::Tensor logits = model.predict(x, {.batch_size = 3});
  const auto expected = reference_tensor(ref["logits"]).to_vector<double>();
  const auto got = logits.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-12));
  auto loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  CHECK((*loss)(y, logits).item<double>() == doctest::Approx(ref["unmasked"]["loss"].get<double>()).epsilon(1e-12));
}

TEST_CASE("masked training: sample_weight per sample (batch, 1) or per step is multiplied by the mask") {
  const auto& ref = reference();
  auto model_ptr = sequence_model();
  auto& model = *model_ptr;
  const st::Tensor x = tokens(), y = labels();
  check_logs(model.evaluate(x, y, {.batch_size = 3, .sample_weight = reference_tensor(ref["sample_weight_per_sample"]), .verbose = 0}),
             ref["evaluate_per_sample_weight"]);
  check_logs(model.evaluate(x, y, {.batch_size = 2, .sample_weight = reference_tensor(ref["sample_weight_per_step"]), .verbose = 0}),
             ref["evaluate_per_step_weight_batch_2"]);
  // As in Keras, a weight of shape (batch,) does not broadcast against a (batch, timesteps) mask.
  const st::Tensor flat = st::reshape(reference_tensor(ref["sample_weight_per_sample"]), st::Shape{3});
  std::string message;
  try {
    model.evaluate(x, y, {.batch_size = 3, .sample_weight = flat, .verbose = 0});
  } catch (const st::ShapeError& e) {
    message = e.what();
  }
  CHECK(message.find("sample_weight of shape (3,)") != std::string::npos);
  CHECK(message.find("output mask of shape (3, 5)") != std::string::npos);
}

TEST_CASE("masked training: one SGD step matches PyTorch, and targets at padded steps change nothing") {
  const auto& ref = reference();
  const auto& step = ref["sgd_step"];
  const st::Tensor x = tokens();

  auto model_ptr = sequence_model();
  auto& model = *model_ptr;
  const auto logs = model.train_on_batch(x, labels());
  CHECK(logs.at("loss") == doctest::Approx(step["loss"].get<double>()).epsilon(1e-12));
  const auto after = values_of(model.get_weights());
  REQUIRE(after.size() == step["weights_after"].size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    const auto expected = reference_tensor(step["weights_after"][i]).to_vector<double>();
    REQUIRE(after[i].size() == expected.size());
    for (std::size_t j = 0; j < expected.size(); ++j) CHECK(after[i][j] == doctest::Approx(expected[j]).epsilon(1e-12));
  }

  // fit (one epoch, one batch) on labels that differ at every padded step: the same loss and the
  // same weights, bit for bit.
  auto other = sequence_model();
  auto history = other->fit(x, labels("y_padded_changed"), {.epochs = 1, .batch_size = 3, .shuffle = false, .verbose = 0});
  CHECK(history.history["loss"].at(0) == logs.at("loss"));
  CHECK(history.history["accuracy"].at(0) == logs.at("accuracy"));
  CHECK(values_of(other->get_weights()) == after);
  // Without the mask the padded labels would matter: the unmasked loss differs.
  auto loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  const st::Tensor logits = sequence_model()->predict(x, {.batch_size = 3});
  CHECK((*loss)(labels(), logits).item<double>() != (*loss)(labels("y_padded_changed"), logits).item<double>());
}

TEST_CASE("masked training: Functional models (TimeDistributed, two outputs, a model inside a model) pass the mask") {
  const auto& ref = reference();
  const st::Tensor x = tokens(), y = labels();
  auto embedding = [] { return Embedding(6, 3, {.mask_zero = true, .dtype = st::float64}); };
  auto rnn = [] { return SimpleRNN(4, {.return_sequences = true, .dtype = st::float64}); };

  SUBCASE("TimeDistributed(Dense)") {
    auto input = Input({5});
    auto out = TimeDistributed(Dense(3, {.dtype = st::float64}), {.dtype = st::float64})(rnn()(embedding()(input)));
    st::Model model({input}, {out});
    model.set_weights(reference_weights());
    compile(model);
    check_logs(model.evaluate(x, y, {.batch_size = 2, .verbose = 0}), ref["evaluate_batch_2"]);
    // predict's inference plan carries the mask to SimpleRNN too.
    const auto expected = reference_tensor(ref["logits"]).to_vector<double>();
    const auto got = model.predict(x, {.batch_size = 3}).to_vector<double>();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-12));
  }
  SUBCASE("two outputs: each output's loss and metrics use its mask") {
    auto input = Input({5});
    auto h = rnn()(embedding()(input));
    auto a = Dense(3, {.name = "head_a", .dtype = st::float64})(h);
    auto b = TimeDistributed(Dense(3, {.dtype = st::float64}), {.name = "head_b", .dtype = st::float64})(h);
    st::Model model({input}, {a, b});
    auto weights = reference_weights();
    weights.push_back(weights[4]);
    weights.push_back(weights[5]);
    model.set_weights(weights);
    compile(model);
    const auto logs = model.evaluate(st::ModelData{x}, st::ModelData{y, y}, {.batch_size = 3, .verbose = 0});
    const auto& expected = ref["evaluate_batch_3"];
    check_logs(logs, expected, "head_a_");
    check_logs(logs, expected, "head_b_");
    CHECK(logs.at("loss") == doctest::Approx(2 * expected["loss"].get<double>()).epsilon(1e-12));
    REQUIRE(model.output_masks().size() == 2);
    CHECK(model.output_masks()[1].defined());
  }
  SUBCASE("a Sequential inside a Sequential gives its output mask to the next layer") {
    auto inner = std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{Input({5}), embedding(), rnn()});
    st::Sequential model({Input({5}), st::LayerPtr(inner), Dense(3, {.dtype = st::float64})});
    model.set_weights(reference_weights());
    compile(model);
    check_logs(model.evaluate(x, y, {.batch_size = 3, .verbose = 0}), ref["evaluate_batch_3"]);
  }
}

TEST_CASE("masked training: without a mask nothing changes (a return_sequences=False output has none)") {
  st::Sequential model({Input({5}), Embedding(6, 3, {.mask_zero = true}), SimpleRNN(4), Dense(3)});
  compile(model);
  const st::Tensor x = tokens();
  const st::Tensor y = st::Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2}, {3});
  const auto logs = model.test_on_batch(x, y);
  REQUIRE(model.output_masks().size() == 1);
  CHECK_FALSE(model.output_masks()[0].defined());
  auto loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  CHECK(logs.at("loss") == doctest::Approx((*loss)(y, model.predict(x)).item<double>()).epsilon(1e-6));
}
