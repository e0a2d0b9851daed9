// Functions whose meaning changed between Keras versions follow the keras_version of the file they
// were read from (layers/keras_version.hpp, docs/KERAS_VERSIONS.md): hard_sigmoid in every layer
// that takes an activation, UpSampling2D's bilinear, Bidirectional's masked steps, RMSprop and
// Adagrad's epsilon, BatchNormalization's moving variance; from a layer config in a version scope, from to_json + a weights-only file,
// from .h5 and .keras files; and saving keeps the meaning (the file records a version under which
// every layer reads back as it was).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/layers/keras_version.hpp"
#include "strata/layers/layers.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/saving.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/models/sequential.hpp"
#include "support/test_helpers.hpp"

using namespace strata;
using namespace strata::layers;
namespace kv = strata::keras_version;

namespace {

std::vector<double> vals(const Tensor& t) { return cast(t, float64).to_vector<double>(); }

double keras2_hs(double x) { return std::clamp(0.2 * x + 0.5, 0.0, 1.0); }
double keras3_hs(double x) { return std::clamp(x + 3.0, 0.0, 6.0) / 6.0; }

double max_diff(const Tensor& a, const Tensor& b) {
  const auto x = vals(a), y = vals(b);
  REQUIRE(x.size() == y.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) d = std::max(d, std::abs(x[i] - y[i]));
  return d;
}

// Values where the two hard_sigmoids differ (and one where they agree, 0).
const std::vector<double> kProbe = {-3.0, -2.0, -1.0, 0.0, 0.7, 2.0, 2.6};

void check_hard_sigmoid(const Tensor& out, bool keras2) {
  const auto got = vals(out);
  REQUIRE(got.size() == kProbe.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == doctest::Approx(keras2 ? keras2_hs(kProbe[i]) : keras3_hs(kProbe[i])).epsilon(1e-6));
}

LayerPtr from_config_as(const std::string& version, const Config& entry) {
  const kv::Scope scope(version);
  return layer_from_config(entry);
}

// Conv1D -> LSTM -> Dense -> Activation, every activation hard_sigmoid.
std::shared_ptr<Sequential> hard_sigmoid_model() {
  auto model = std::make_shared<Sequential>(std::vector<SequentialItem>{
      Input({5, 3}), Conv1D(4, 2, "hard_sigmoid"),
      LSTM(3, {.activation = "hard_sigmoid", .recurrent_activation = "hard_sigmoid", .return_sequences = true}),
      Flatten(), Dense(4, "hard_sigmoid"), Activation("hard_sigmoid")});
  return model;
}

Tensor probe_inputs() { return reshape(strata::testing::inputs(6, 15), Shape{6, 5, 3}) * 3.0; }

std::string with_version(const std::string& json, const std::string& version) {
  Config doc = Config::parse(json);
  doc["keras_version"] = version;
  return doc.dump();
}

// The version Strata writes for a model without older meanings.
std::string strata_version() {
  return Config::parse(strata::testing::small_mlp()->to_json())["keras_version"].get<std::string>();
}

std::string h5_keras_version(const std::string& path) {
  return saving::hdf5::File::open(path).read_string_attribute("keras_version");
}

std::string archive_keras_version(const std::string& path) {
  const auto archive = saving::zip::Reader::open(path);
  return Config::parse(archive.read("metadata.json", 1 << 20))["keras_version"].get<std::string>();
}

}  // namespace

TEST_CASE("keras_version: parse and the behaviours of each version") {
  const auto v = kv::parse("2.2.4-tf");
  CHECK(v.known());
  CHECK(v.major == 2);
  CHECK(v.minor == 2);
  CHECK(v.patch == 4);
  CHECK(v.tf_keras);
  CHECK_FALSE(kv::parse("").known());
  CHECK_FALSE(kv::parse("keras").known());
  CHECK(kv::parse("3.3.3").major == 3);
  CHECK_FALSE(kv::current().known());  // outside a scope
  {
    const kv::Scope outer("2.3.1");
    CHECK(kv::current().text == "2.3.1");
    {
      const kv::Scope inner("");  // an unknown version leaves the outer one
      CHECK(kv::current().text == "2.3.1");
      const kv::Scope k3("3.1.0");
      CHECK(kv::current().text == "3.1.0");
    }
    CHECK(kv::current().text == "2.3.1");
  }
  CHECK_FALSE(kv::current().known());

  struct Row {
    const char* version;
    bool hard_sigmoid, corner_bilinear, repeats_masked, eps_outside, zero_accumulator;
  };
  const Row rows[] = {
      {"1.2.2", true, true, true, true, true},        {"2.0.8", true, true, true, true, true},
      {"2.3.1", true, true, true, true, true},        {"2.1.6-tf", true, true, false, true, true},
      {"2.2.4-tf", true, false, false, true, true},   {"2.4.0", true, false, false, true, true},
      {"2.10.0", true, false, false, true, true},     {"2.11.0", true, false, false, false, true},
      {"2.15.0", true, false, false, false, true},    {"3.0.0", false, false, false, false, false},
      {"3.3.3", false, false, false, false, false},   {"", false, false, false, false, false},
  };
  for (const auto& r : rows) {
    INFO(r.version);
    const auto p = kv::parse(r.version);
    CHECK(kv::keras2_hard_sigmoid(p) == r.hard_sigmoid);
    CHECK(kv::corner_aligned_bilinear(p) == r.corner_bilinear);
    CHECK(kv::bidirectional_repeats_masked(p) == r.repeats_masked);
    CHECK(kv::epsilon_outside_sqrt(p) == r.eps_outside);
    CHECK(kv::adagrad_zero_accumulator(p) == r.zero_accumulator);
  }
}

TEST_CASE("keras_version: hard_sigmoid follows the version in Activation, Dense, Conv1D and LSTM") {
  const Tensor x = Tensor::from_vector(kProbe, Shape{1, 7}, float32);
  for (const char* version : {"1.2.2", "2.3.1", "2.2.4-tf", "2.15.0", "3.0.0", "3.3.3", ""}) {
    INFO(version);
    const bool keras2 = kv::keras2_hard_sigmoid(kv::parse(version));
    // Activation
    auto act = from_config_as(version, serialize_layer(*Activation("hard_sigmoid")));
    check_hard_sigmoid((*act)(x), keras2);
    // Dense with an identity kernel
    auto dense = from_config_as(version, serialize_layer(*Dense(7, "hard_sigmoid")));
    dense->ensure_built(Shape{1, 7});
    dense->set_weights({eye(7, 7, float32), zeros({7}, float32)});
    check_hard_sigmoid((*dense)(x), keras2);
    // Conv1D with a 1-wide identity kernel over 7 channels
    auto conv = from_config_as(version, serialize_layer(*Conv1D(7, 1, "hard_sigmoid")));
    conv->ensure_built(Shape{1, 1, 7});
    conv->set_weights({reshape(eye(7, 7, float32), Shape{1, 7, 7}), zeros({7}, float32)});
    check_hard_sigmoid((*conv)(reshape(x, Shape{1, 1, 7})), keras2);
    // LSTM: both activations, against one built with the formula itself. Its config has "seed"
    // (Keras 3's form): the version decides, not the guess.
    auto lstm = from_config_as(version, serialize_layer(*LSTM(3, {.activation = "hard_sigmoid",
                                                                  .recurrent_activation = "hard_sigmoid",
                                                                  .return_sequences = true})));
    const activations::Activation formula{
        "hard_sigmoid", [keras2](const Tensor& v) { return keras2 ? clip(v * 0.2 + 0.5, 0.0, 1.0) : relu6(v + 3.0) / 6.0; }};
    auto reference = LSTM(3, {.activation = formula, .recurrent_activation = formula, .return_sequences = true});
    const Tensor seq = probe_inputs();
    lstm->ensure_built(seq.shape());
    reference->ensure_built(seq.shape());
    reference->set_weights(lstm->get_weights());
    CHECK(max_diff((*lstm)(seq), (*reference)(seq)) < 1e-6);
  }
}

TEST_CASE("keras_version: the recurrent layers' guess stays only where no version is known") {
  Config entry = serialize_layer(*GRU(2, {.recurrent_activation = "hard_sigmoid"}));
  entry["config"].erase("seed");  // a Keras 1/2 layer config
  auto guessed = layer_from_config(entry);
  auto as_keras3 = from_config_as("3.3.3", entry);
  const Tensor seq = probe_inputs();
  guessed->ensure_built(seq.shape());
  as_keras3->ensure_built(seq.shape());
  as_keras3->set_weights(guessed->get_weights());
  auto keras2 = from_config_as("2.3.1", entry);
  keras2->ensure_built(seq.shape());
  keras2->set_weights(guessed->get_weights());
  CHECK(max_diff((*guessed)(seq), (*keras2)(seq)) == 0);
  CHECK(max_diff((*guessed)(seq), (*as_keras3)(seq)) > 1e-4);
}

TEST_CASE("keras_version: to_json + weights-only, .h5 and .keras files read and keep the version's formula") {
  strata::testing::ScopedTempDir dir("keras_versions");
  auto original = hard_sigmoid_model();
  const Tensor x = probe_inputs();
  const std::string weights = (dir / "w.weights.h5").string();
  original->save_weights(weights);
  const Tensor keras3_out = original->predict(x);

  // A Keras 2 to_json() document and a weights-only file.
  auto keras2 = models::model_from_json(with_version(original->to_json(), "2.3.1"));
  keras2->load_weights(weights);
  const Tensor keras2_out = keras2->predict(x);
  CHECK(max_diff(keras2_out, keras3_out) > 1e-3);
  // The same layers built by hand under Keras 2's meaning.
  std::shared_ptr<Sequential> by_hand;
  {
    const kv::Scope scope("2.3.1");
    by_hand = hard_sigmoid_model();
  }
  by_hand->load_weights(weights);
  CHECK(max_diff(by_hand->predict(x), keras2_out) == 0);
  // A Keras 3 document keeps Keras 3's formula.
  auto keras3 = models::model_from_json(with_version(original->to_json(), "3.1.0"));
  keras3->load_weights(weights);
  CHECK(max_diff(keras3->predict(x), keras3_out) == 0);

  // Saving a model read from Keras 2 records a version under which it reads back the same.
  const std::string h5 = (dir / "m.h5").string(), archive = (dir / "m.keras").string();
  keras2->save(h5);
  keras2->save(archive);
  CHECK(h5_keras_version(h5) == "2.3.1");
  CHECK(archive_keras_version(archive) == "2.3.1");
  CHECK(Config::parse(keras2->to_json())["keras_version"] == "2.3.1");
  CHECK(max_diff(models::load_model(h5)->predict(x), keras2_out) == 0);
  CHECK(max_diff(models::load_model(archive)->predict(x), keras2_out) == 0);
  auto again = models::model_from_json(keras2->to_json());
  again->load_weights(weights);
  CHECK(max_diff(again->predict(x), keras2_out) == 0);
  // A Keras 3 model still writes Strata's own version.
  original->save(h5);
  CHECK(h5_keras_version(h5) == strata_version());
  CHECK(max_diff(models::load_model(h5)->predict(x), keras3_out) == 0);
}

TEST_CASE("keras_version: UpSampling2D bilinear without half-pixel centres before TensorFlow 2") {
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, Shape{1, 2, 2, 1});
  const Config entry = serialize_layer(*UpSampling2D(2, {.interpolation = "bilinear"}));
  // TensorFlow 1's resize_bilinear: source = i / 2, the last row and column repeat.
  const std::vector<double> tf1 = {1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4};
  // Half-pixel centres: source = (i + 0.5) / 2 - 0.5, clamped.
  const std::vector<double> half = {1,   1.25, 1.75, 2,   1.5, 1.75, 2.25, 2.5,
                                    2.5, 2.75, 3.25, 3.5, 3,   3.25, 3.75, 4};
  for (const char* version : {"2.2.5", "2.3.1", "2.1.6-tf", "2.2.4-tf", "2.15.0", "3.3.3", ""}) {
    INFO(version);
    auto layer = from_config_as(version, entry);
    const auto got = vals((*layer)(x));
    const auto& want = kv::corner_aligned_bilinear(kv::parse(version)) ? tf1 : half;
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]));
  }
  // Saved, it records a version that reads back the same way.
  auto model = std::make_shared<Sequential>(std::vector<SequentialItem>{Input({2, 2, 1}), UpSampling2D(2, {.interpolation = "bilinear"})});
  auto old = models::model_from_json(with_version(model->to_json(), "2.2.5"));
  CHECK(Config::parse(old->to_json())["keras_version"] == "2.2.5");
  CHECK(Config::parse(model->to_json())["keras_version"] != "2.2.5");
}

TEST_CASE("keras_version: Bidirectional over a masked sequence repeats the last output in multi-backend Keras") {
  // Steps 2 and 3 are padding (all zeros): masked.
  const Tensor x = Tensor::from_vector(std::vector<float>{0.5f, -1.0f, 1.0f, 0.25f, 0, 0, 0, 0}, Shape{1, 4, 2});
  auto model = std::make_shared<Sequential>(std::vector<SequentialItem>{
      Input({4, 2}), Masking(0.0), Bidirectional(SimpleRNN(3, {.return_sequences = true}))});
  const std::string json = model->to_json();
  for (const char* version : {"2.3.1", "2.2.4-tf", "3.3.3"}) {
    INFO(version);
    auto loaded = models::model_from_json(with_version(json, version));
    loaded->set_weights(model->get_weights());
    const auto y = vals(loaded->predict(x));  // (1, 4, 6): forward 0..2, backward 3..5
    const bool repeats = kv::bidirectional_repeats_masked(kv::parse(version));
    for (int step = 2; step < 4; ++step)
      for (int u = 0; u < 3; ++u) {
        CHECK(y[static_cast<std::size_t>(step * 6 + u)] == doctest::Approx(repeats ? y[static_cast<std::size_t>(6 + u)] : 0.0));
        CHECK(y[static_cast<std::size_t>(step * 6 + 3 + u)] == 0.0);  // the backward pass starts there
      }
    CHECK(y[6] != 0.0);
    CHECK(Config::parse(loaded->to_json())["keras_version"] == (repeats ? "2.3.1" : strata_version()));
  }
}

TEST_CASE("keras_version: RMSprop and Adagrad divide by sqrt(a) + epsilon before tf.keras 2.11") {
  const double lr = 0.1, eps = 0.5, g = 0.4;
  auto step = [&](const std::string& version, const Config& config) {
    std::shared_ptr<optimizers::Optimizer> opt;
    {
      const kv::Scope scope(version);
      opt = optimizers::get(config);
    }
    Variable v(Tensor::from_vector(std::vector<double>{1.0}, Shape{1}));
    opt->apply_gradients({Tensor::from_vector(std::vector<double>{g}, Shape{1})}, {v});
    return vals(v.value())[0];
  };
  const Config rmsprop{{"class_name", "RMSprop"}, {"config", {{"learning_rate", lr}, {"rho", 0.9}, {"epsilon", eps}}}};
  const double a = 0.1 * g * g;
  CHECK(step("2.3.1", rmsprop) == doctest::Approx(1 - lr * g / (std::sqrt(a) + eps)));
  CHECK(step("2.10.0", rmsprop) == doctest::Approx(1 - lr * g / (std::sqrt(a) + eps)));
  CHECK(step("2.11.0", rmsprop) == doctest::Approx(1 - lr * g / std::sqrt(a + eps)));
  CHECK(step("", rmsprop) == doctest::Approx(1 - lr * g / std::sqrt(a + eps)));
  // With momentum tf.keras 2 ran TensorFlow's fused ApplyRMSProp: sqrt(a + epsilon).
  Config with_momentum = rmsprop;
  with_momentum["config"]["momentum"] = 0.5;
  CHECK(step("2.10.0", with_momentum) == doctest::Approx(1 - lr * g / std::sqrt(a + eps)));

  // Multi-backend Keras's Adagrad has no initial_accumulator_value: it starts at 0.
  const Config keras2_adagrad{{"class_name", "Adagrad"}, {"config", {{"learning_rate", lr}, {"epsilon", eps}}}};
  CHECK(step("2.3.1", keras2_adagrad) == doctest::Approx(1 - lr * g / (std::sqrt(g * g) + eps)));
  Config adagrad = keras2_adagrad;
  adagrad["config"]["initial_accumulator_value"] = 0.1;
  CHECK(step("2.6.0", adagrad) == doctest::Approx(1 - lr * g / (std::sqrt(0.1 + g * g) + eps)));
  CHECK(step("3.3.3", adagrad) == doctest::Approx(1 - lr * g / std::sqrt(0.1 + g * g + eps)));
  CHECK(step("3.3.3", keras2_adagrad) == doctest::Approx(1 - lr * g / std::sqrt(0.1 + g * g + eps)));
}

TEST_CASE("keras_version: a resumed Keras 2 RMSprop is saved with its version") {
  strata::testing::ScopedTempDir dir("keras_versions_opt");
  auto model = strata::testing::small_mlp();
  model->compile({.optimizer = optimizers::RMSprop(0.01), .loss = losses::MeanSquaredError()});
  const std::string h5 = (dir / "m.h5").string();
  model->save(h5);
  CHECK(h5_keras_version(h5) == strata_version());
  std::shared_ptr<Model> resumed;
  {
    const kv::Scope scope("2.2.4");  // as load_model does for a file written by Keras 2.2.4
    resumed = models::model_from_json(model->to_json());
    resumed->compile({.optimizer = optimizers::get(Config{{"class_name", "RMSprop"}, {"config", {{"learning_rate", 0.01}}}}),
                      .loss = losses::MeanSquaredError()});
  }
  resumed->save(h5);
  CHECK(h5_keras_version(h5) == "2.2.4");
}

TEST_CASE("keras_version: a Recorder picks a version every note holds under, or warns") {
  {
    kv::Recorder recorder;
    CHECK(recorder.version("3.3.3") == "3.3.3");  // nothing noted
  }
  {
    kv::Recorder recorder;
    kv::note("hard_sigmoid", kv::keras2_hard_sigmoid, true, "2");  // the recurrent guess: no full version
    CHECK(recorder.version("3.3.3") == "2.15.0");
  }
  {
    kv::Recorder recorder;
    kv::note("hard_sigmoid", kv::keras2_hard_sigmoid, true, "2.11.0");
    kv::note("UpSampling2D bilinear", kv::corner_aligned_bilinear, true, "2.2.0");
    CHECK(recorder.version("3.3.3") == "2.2.0");
  }
  {
    kv::Recorder recorder;
    kv::note("hard_sigmoid", kv::keras2_hard_sigmoid, true, "2.3.1");
    kv::note("hard_sigmoid", kv::keras2_hard_sigmoid, false, "");
    CaptureWarnings warnings;
    CHECK(recorder.version("3.3.3") == "3.3.3");
    REQUIRE(warnings.messages().size() == 1);
    CHECK(strata::testing::contains(warnings.messages()[0], "hard_sigmoid"));
  }
  kv::note("hard_sigmoid", kv::keras2_hard_sigmoid, true, "2.3.1");  // no Recorder: nothing happens
}

TEST_CASE("keras_version: a .keras archive's metadata.json gives the version, with the optimizer's") {
  strata::testing::ScopedTempDir dir("keras_versions_archive");
  auto model = std::make_shared<Sequential>(std::vector<SequentialItem>{Input({3}), Dense(2, "hard_sigmoid")});
  model->compile({.optimizer = optimizers::RMSprop(0.1), .loss = losses::MeanSquaredError()});
  const std::string ours = (dir / "ours.keras").string(), theirs = (dir / "theirs.keras").string();
  model->save(ours);
  // The same archive as tf.keras 2.13 writes it: its version, a legacy RMSprop with Keras 2's decay.
  {
    const auto in = saving::zip::Reader::open(ours);
    Config config = Config::parse(in.read("config.json"));
    Config& opt = config["compile_config"]["optimizer"]["config"];
    opt["is_legacy_optimizer"] = true;
    opt["decay"] = 0.5;
    opt["epsilon"] = 0.25;
    saving::zip::Writer out(theirs);
    out.add("metadata.json", R"({"keras_version": "2.13.1", "date_saved": "2023-07-01@00:00:00"})");
    out.add("config.json", config.dump());
    out.add("model.weights.h5", in.read("model.weights.h5"));
    out.commit();
  }
  const Tensor probe = Tensor::from_vector(std::vector<float>{-2.0f, 0.7f}, Shape{1, 2});
  std::shared_ptr<Model> loaded;
  {
    CaptureWarnings warnings;  // the forged archive's optimizer variables no longer fit: expected
    loaded = models::load_model(theirs);
  }
  auto* dense = dynamic_cast<DenseLayer*>(loaded->layers().back().get());
  REQUIRE(dense);
  CHECK(vals(dense->activation()(probe))[0] == doctest::Approx(keras2_hs(-2.0)));
  CHECK(vals(dynamic_cast<DenseLayer*>(models::load_model(ours)->layers().back().get())->activation()(probe))[0] ==
        doctest::Approx(keras3_hs(-2.0)));
  REQUIRE(loaded->compiled());
  // decay 0.5: lr / (1 + 0.5 * iterations), Keras 3's InverseTimeDecay.
  REQUIRE(loaded->optimizer()->learning_rate_schedule() != nullptr);
  CHECK(loaded->optimizer()->learning_rate_schedule()->get_config()["decay_rate"] == 0.5);
  // Saved again: a version under which both the layer and the optimizer keep their meaning.
  const std::string again = (dir / "again.keras").string();
  loaded->save(again);
  const auto version = kv::parse(archive_keras_version(again));
  CHECK(kv::keras2_hard_sigmoid(version));
  CHECK(kv::epsilon_outside_sqrt(version));
}

TEST_CASE("keras_version: BatchNormalization's moving variance in training follows the version") {
  const Config entry = serialize_layer(*BatchNormalization({.momentum = 0.5}));
  // The moving variance after one training step from 1: 0.5 + 0.5 * var * correction.
  auto moved = [&](const std::string& version, const Tensor& x) {
    auto bn = from_config_as(version, entry);
    bn->ensure_built(x.shape());
    (void)bn->call(x, true);
    return vals(bn->get_weights()[3])[0];
  };
  // One feature, n = 4 values 0, 1, 2, 3: biased variance 1.25.
  const Tensor flat = Tensor::from_vector(std::vector<float>{0, 1, 2, 3}, Shape{4, 1});
  const Tensor image = reshape(flat, Shape{1, 2, 2, 1});
  const Tensor volume = reshape(flat, Shape{1, 2, 2, 1, 1});
  const double biased = 0.5 + 0.5 * 1.25, bessel = 0.5 + 0.5 * 1.25 * 4 / 3;
  const double multi = 0.5 + 0.5 * 1.25 * 4 / (4 - 1.001);
  CHECK(moved("3.3.3", flat) == doctest::Approx(biased));
  CHECK(moved("3.3.3", image) == doctest::Approx(biased));
  CHECK(moved("", image) == doctest::Approx(biased));
  CHECK(moved("2.1.3", flat) == doctest::Approx(biased));
  CHECK(moved("2.2.4", flat) == doctest::Approx(multi));
  CHECK(moved("2.3.1", image) == doctest::Approx(multi));
  CHECK(moved("2.15.0", flat) == doctest::Approx(biased));  // not fused: 2-D
  CHECK(moved("2.15.0", image) == doctest::Approx(bessel));
  CHECK(moved("2.3.0-tf", image) == doctest::Approx(bessel));
  CHECK(moved("2.15.0", volume) == doctest::Approx(bessel));
  CHECK(moved("2.6.0", volume) == doctest::Approx(biased));  // 5-D fused from 2.9
  // Saved from a model read from tf.keras 2.15, the version keeps the update.
  auto model = std::make_shared<Sequential>(std::vector<SequentialItem>{Input({2, 2, 1}), BatchNormalization()});
  auto old = models::model_from_json(with_version(model->to_json(), "2.15.0"));
  CHECK(kv::bn_fused_unbiased(kv::parse(Config::parse(old->to_json())["keras_version"].get<std::string>())));
  CHECK(Config::parse(model->to_json())["keras_version"] == strata_version());
}
