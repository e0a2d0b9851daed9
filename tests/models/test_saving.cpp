// Saving and restoring models: round trips, Keras fixtures, bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unistd.h>

#include "strata/models/saving/hdf5.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;

namespace {

using st::testing::compile_classifier;
using st::testing::inputs;
using st::testing::labels;
using st::testing::max_diff;
using st::testing::message_of;
using st::testing::small_mlp;
using st::testing::weight_values;

const st::testing::TempDir temp_dir("saving");
std::string temp(const std::string& name) { return temp_dir.file(name); }

fs::path fixtures() { return fs::path(STRATA_KERAS_FIXTURES_DIR); }
bool have_fixtures() {
  if (fs::exists(fixtures())) return true;
  MESSAGE("Keras fixtures not found at " << fixtures().string() << "; skipping");
  return false;
}

void copy_prefix(const std::string& from, const std::string& to, std::size_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  std::ofstream out(to, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(std::min(bytes, data.size())));
}

}  // namespace

TEST_CASE("saving: full model round trip keeps predictions, weights and optimizer state") {
  st::set_random_seed(7);
  auto model = small_mlp();
  compile_classifier(*model);
  auto x = inputs(32, 4);
  auto y = labels(32, 3);
  model->fit(x, y, {.epochs = 2, .batch_size = 8, .shuffle = false, .verbose = 0});
  const std::string path = temp("roundtrip.h5");
  model->save(path);

  auto restored = st::models::load_model(path);
  REQUIRE(restored->compiled());
  CHECK(restored->class_name() == "Sequential");
  CHECK(restored->name() == model->name());
  CHECK(weight_values(*restored) == weight_values(*model));
  CHECK(max_diff(restored->predict(x), model->predict(x)) == 0.0);
  auto a = model->optimizer()->variables(), b = restored->optimizer()->variables();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].value().to_vector<double>() == b[i].value().to_vector<double>());
  CHECK(restored->optimizer()->iterations() == 8);

  SUBCASE("training after reload continues bitwise like the uninterrupted run") {
    model->fit(x, y, {.epochs = 2, .batch_size = 8, .shuffle = false, .verbose = 0});
    restored->fit(x, y, {.epochs = 2, .batch_size = 8, .shuffle = false, .verbose = 0});
    CHECK(weight_values(*restored) == weight_values(*model));
  }
  SUBCASE("evaluate gives the same scores") {
    auto s1 = model->evaluate(x, y, {.verbose = 0});
    auto s2 = restored->evaluate(x, y, {.verbose = 0});
    CHECK(s1["loss"] == s2["loss"]);
    CHECK(s1["accuracy"] == s2["accuracy"]);
  }
}

TEST_CASE("saving: save_weights / load_weights in the legacy and the Keras 3 layouts") {
  st::set_random_seed(3);
  auto model = small_mlp();
  compile_classifier(*model);
  auto x = inputs(16, 4);
  model->fit(x, labels(16, 3), {.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0});
  for (std::string name : {"w.h5", "w.weights.h5"}) {
    CAPTURE(name);
    const std::string path = temp(name);
    model->save_weights(path);
    auto fresh = small_mlp();
    compile_classifier(*fresh);
    fresh->load_weights(path);
    CHECK(weight_values(*fresh) == weight_values(*model));
    CHECK(max_diff(fresh->predict(x), model->predict(x)) == 0.0);
  }
  SUBCASE("Keras 3 layout: /layers/<snake class>/vars/<i>, optimizer under /optimizer/vars") {
    auto file = st::saving::hdf5::File::open(temp("w.weights.h5"));
    CHECK(file.has_dataset("layers/dense/vars/0"));
    CHECK(file.has_dataset("layers/dense/vars/1"));
    CHECK(file.has_dataset("layers/dense_1/vars/0"));
    CHECK(file.has_group("layers/dropout/vars"));
    CHECK(file.has_dataset("optimizer/vars/0"));
    CHECK(file.dataset_shape("layers/dense/vars/0") == st::Shape{4, 8});
  }
  SUBCASE("by_name matches layer names") {
    auto fresh = small_mlp();
    // Different auto names: nothing matches, nothing changes.
    auto before = weight_values(*fresh);
    fresh->load_weights(temp("w.h5"), {.by_name = true});
    CHECK(weight_values(*fresh) == before);
  }
  SUBCASE("a single layer tree") {
    auto dense = Dense(2);
    dense->ensure_built({-1, 3});
    auto other = Dense(2);
    other->ensure_built({-1, 3});
    for (std::string name : {"layer.h5", "layer.weights.h5"}) {
      st::models::save_weights(*dense, temp(name));
      st::models::load_weights(*other, temp(name));
      CHECK(weight_values(*other) == weight_values(*dense));
    }
  }
}

TEST_CASE("saving: to_json / model_from_json") {
  auto model = small_mlp();
  const std::string json = model->to_json();
  auto config = nlohmann::json::parse(json);
  CHECK(config["class_name"] == "Sequential");
  CHECK(config["config"]["name"] == model->name());
  REQUIRE(config["config"]["layers"].size() == 4);  // InputLayer, Dense, Dropout, Dense
  CHECK(config["config"]["layers"][0]["class_name"] == "InputLayer");
  CHECK(config["config"]["layers"][1]["class_name"] == "Dense");
  auto rebuilt = st::models::model_from_json(json);
  CHECK(rebuilt->to_json() == json);
  CHECK(rebuilt->count_params() == model->count_params());
}

TEST_CASE("saving: every built-in layer round-trips through its config") {
  st::Sequential model({Input({6}), Dense(6, {.activation = "tanh", .use_bias = false}), Activation("relu"),
                        Dropout(0.1), GaussianNoise(0.1), GaussianDropout(0.2), ActivityRegularization({.l1 = 0.01}),
                        ReLU({.max_value = 6.0}), LeakyReLU(0.2), PReLU(), ELU(0.5), Softmax(), Reshape({2, 3}),
                        Permute({2, 1}), Flatten(), RepeatVector(2)});
  auto rebuilt = st::models::model_from_json(model.to_json());
  CHECK(rebuilt->to_json() == model.to_json());
  const std::string path = temp("all_layers.h5");
  model.save(path);
  auto loaded = st::models::load_model(path);
  auto x = inputs(3, 6);
  CHECK(max_diff(loaded->predict(x), model.predict(x)) == 0.0);
}

TEST_CASE("saving: convolution, pooling and normalization layers round-trip through their config") {
  st::Sequential model({Input({12, 12, 2}), Conv2D(4, 3, {.strides = 1, .padding = "same", .activation = "relu"}),
                        BatchNormalization(), MaxPooling2D(2), AveragePooling2D(2, {.padding = "same"}),
                        Conv2D(4, {1, 2}, {.dilation_rate = {1, 1}, .groups = 2}), LayerNormalization(),
                        GlobalAveragePooling2D({.keepdims = true}), Reshape({4, 1}),
                        Conv1D(3, 2, {.padding = "causal"}), MaxPooling1D(2, {.strides = 1}), AveragePooling1D(1),
                        GlobalMaxPooling1D()});
  auto rebuilt = st::models::model_from_json(model.to_json());
  CHECK(rebuilt->to_json() == model.to_json());
  const std::string path = temp("conv_layers.h5");
  model.save(path);
  auto loaded = st::models::load_model(path);
  const auto x = st::uniform({2, 12, 12, 2}, {.seed = 3});
  CHECK(max_diff(loaded->predict(x), model.predict(x)) == 0.0);
}

namespace {
class OurDenseLayer : public st::Layer {
 public:
  explicit OurDenseLayer(std::int64_t units, std::string name = "") : Layer(std::move(name)), units_(units) {}
  static std::shared_ptr<OurDenseLayer> from_config(const st::Config& config) {
    return std::make_shared<OurDenseLayer>(config.at("units").get<std::int64_t>(), config.at("name").get<std::string>());
  }
  void build(const st::Shape& in) override { w_ = add_weight("kernel", {in.back(), units_}); }
  st::Tensor call(const st::Tensor& x) override { return st::matmul(x, w_); }
  st::Config get_config() const override {
    auto c = Layer::get_config();
    c["units"] = units_;
    return c;
  }
  std::string class_name() const override { return "OurDenseLayer"; }

 private:
  std::int64_t units_;
  st::Variable w_;
};
}  // namespace

TEST_CASE("saving: custom layers need registering; Lambda cannot be saved") {
  auto model = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({4}), st::make_layer<OurDenseLayer>(2)});
  const std::string path = temp("custom.h5");
  model->save(path);
  if (!st::is_layer_registered("OurDenseLayer")) {
    CHECK(message_of([&] { st::models::load_model(path); }).find(
              "Unknown layer: 'OurDenseLayer'. Register it with STRATA_REGISTER_LAYER(OurDenseLayer) or "
              "strata::register_layer(...)") != std::string::npos);
  }
  st::register_layer<OurDenseLayer>("OurDenseLayer");
  auto loaded = st::models::load_model(path);
  CHECK(max_diff(loaded->predict(inputs(2, 4)), model->predict(inputs(2, 4))) == 0.0);

  st::Sequential with_lambda({Input({2}), Lambda([](const st::Tensor& t) { return t * 2.0; }, {.name = "double_it"})});
  CHECK_THROWS_AS(with_lambda.save(temp("lambda.h5")), st::ValueError);
  CHECK(message_of([&] { with_lambda.save(temp("lambda.h5")); }).find("double_it") != std::string::npos);
  CHECK_FALSE(fs::exists(temp("lambda.h5")));
  auto lambda_json = R"({"class_name":"Sequential","config":{"name":"s","layers":[
      {"class_name":"Lambda","config":{"name":"my_lambda","function":"x"}}]}})";
  CHECK(message_of([&] { st::models::model_from_json(lambda_json); }).find("my_lambda") != std::string::npos);
}

// ------------------------------------------------------------------ Keras fixtures

namespace {
// Loads <dir>/<file>, checks predictions against the fixture's Keras outputs; returns the max error.
double check_against_keras(const fs::path& model_file, const fs::path& io_file, double tolerance) {
  auto model = st::models::load_model(model_file.string());
  auto io = st::saving::hdf5::File::open(io_file.string());
  auto in_group = io.open_group("inputs");
  auto pred_group = io.open_group("predictions");
  REQUIRE(in_group.children().size() == 1);
  REQUIRE(pred_group.children().size() == 1);
  auto x = st::cast(in_group.read_dataset(in_group.children()[0]), st::float32);
  auto expected = pred_group.read_dataset(pred_group.children()[0]);
  auto got = model->predict(x);
  const double err = max_diff(got, st::cast(expected, st::float32));
  CHECK(err <= tolerance);
  return err;
}
}  // namespace

TEST_CASE("saving: Keras 2.3.1 MLP fixture (full model, weights-only + JSON) matches Keras's predictions") {
  if (!have_fixtures()) return;
  const fs::path dir = fixtures() / "dl4j_mlp_softmax_k2.3.1";
  const double err = check_against_keras(dir / "simple_sparse_xent_mlp_keras_2_model.h5",
                                         dir / "simple_sparse_xent_mlp_keras_2_inputs_and_outputs.h5", 1e-5);
  MESSAGE("dl4j_mlp_softmax_k2.3.1 max |error| = " << err);

  std::ifstream json_in(dir / "simple_sparse_xent_mlp_keras_2_config.json");
  std::string json((std::istreambuf_iterator<char>(json_in)), {});
  auto model = st::models::model_from_json(json);
  model->load_weights((dir / "simple_sparse_xent_mlp_keras_2_weights.h5").string());
  auto full = st::models::load_model((dir / "simple_sparse_xent_mlp_keras_2_model.h5").string());
  CHECK(weight_values(*model) == weight_values(*full));
}

TEST_CASE("saving: Keras Conv1D variants and the CNN + BatchNorm fixture match Keras's predictions") {
  if (!have_fixtures()) return;
  int ran = 0;
  double worst = 0;
  for (const char* folder : {"dl4j_conv1d_variants_k2.3.1", "dl4j_cnn_batchnorm_k2.1.3"}) {
    for (const auto& entry : fs::directory_iterator(fixtures() / folder)) {
      const std::string file = entry.path().filename().string();
      if (!file.ends_with("_model.h5")) continue;
      const fs::path io = entry.path().parent_path() / (file.substr(0, file.size() - 9) + "_inputs_and_outputs.h5");
      if (!fs::exists(io)) continue;
      CAPTURE(file);
      worst = std::max(worst, check_against_keras(entry.path(), io, 1e-5));
      ++ran;
    }
  }
  MESSAGE("conv fixtures: " << ran << " models matched Keras's /predictions, worst |error| " << worst);
  CHECK(ran >= 13);
}

TEST_CASE("saving: Keras 2.3.1 advanced-activation fixtures match Keras's predictions") {
  if (!have_fixtures()) return;
  const fs::path dir = fixtures() / "dl4j_activation_layers_k2.3.1";
  for (std::string name : {"ELU_0", "LeakyReLU_0", "ReLU_0", "ReLU_1", "ReLU_2", "ReLU_3", "Softmax_0", "ThresholdReLU_0"}) {
    CAPTURE(name);
    const fs::path model = dir / (name + "_model.h5");
    const double err = check_against_keras(model, dir / (name + "_inputs_and_outputs.h5"), 1e-5);
    MESSAGE(name << " max |error| = " << err);
  }
}

TEST_CASE("saving: format zoo fixtures (Keras 1 Dense, Embedding, LSTM, Bidirectional(LSTM), 12net load)") {
  if (!have_fixtures()) return;
  const fs::path dir = fixtures() / "dl4j_format_zoo_k2.0-2.3";
  auto keras1 = st::models::load_model((dir / "dense_tensorflow_1_KERAS1.h5").string());
  CHECK(keras1->count_params() == 4 * 6 + 6);
  auto file = st::saving::hdf5::File::open((dir / "dense_tensorflow_1_KERAS1.h5").string());
  auto kernel = file.read_dataset("model_weights/dense_1/dense_1_W:0");
  CHECK(keras1->get_weights()[0].to_vector<float>() == kernel.to_vector<float>());

  // Embedding, LSTM and Bidirectional files load; their weights are the file's datasets, in order
  // (forward before backward). They ship no outputs: the recurrent numbers are checked in
  // tests/layers/test_recurrent.cpp.
  struct Expected {
    const char* file;
    std::vector<const char*> datasets;  // the model's weights in order
  };
  const std::string bi = "model_weights/bidirectional_1/bidirectional_1/";
  for (const auto& [name, datasets] :
       {Expected{"embedding_flatten_dense.h5", {"model_weights/embedding_1/embedding_1/embeddings:0"}},
        Expected{"embedding_lstm_tensorflow_2.h5",
                 {"model_weights/embedding_1/embedding_1/embeddings:0", "model_weights/lstm_1/lstm_1/kernel:0",
                  "model_weights/lstm_1/lstm_1/recurrent_kernel:0", "model_weights/lstm_1/lstm_1/bias:0"}},
        Expected{"lstm_functional_tf_keras_2.h5",
                 {"model_weights/lstm/lstm/kernel:0", "model_weights/lstm/lstm/recurrent_kernel:0",
                  "model_weights/lstm/lstm/bias:0"}}}) {
    CAPTURE(name);
    auto model = st::models::load_model((dir / name).string());
    auto f = st::saving::hdf5::File::open((dir / name).string());
    const auto weights = model->get_weights();
    REQUIRE(weights.size() >= datasets.size());
    for (std::size_t i = 0; i < datasets.size(); ++i)
      CHECK(weights[i].to_vector<float>() == f.read_dataset(datasets[i]).to_vector<float>());
  }
  auto bidirectional = st::models::load_model((dir / "bidirectional_lstm_tensorflow_2.h5").string());
  auto bf = st::saving::hdf5::File::open((dir / "bidirectional_lstm_tensorflow_2.h5").string());
  const auto bw = bidirectional->get_weights();
  REQUIRE(bw.size() >= 6);
  CHECK(bw[0].to_vector<float>() == bf.read_dataset(bi + "forward_lstm_1/kernel:0").to_vector<float>());
  CHECK(bw[3].to_vector<float>() == bf.read_dataset(bi + "backward_lstm_1/kernel:0").to_vector<float>());
  CHECK(bw[5].to_vector<float>() == bf.read_dataset(bi + "backward_lstm_1/bias:0").to_vector<float>());
  auto twelve_net = st::models::load_model((dir / "12net.h5").string());
  CHECK(twelve_net->class_name() == "Functional");
  CHECK(twelve_net->count_params() > 0);
  MESSAGE("loaded 12net.h5 (Functional, " << twelve_net->count_params() << " params; no Keras outputs shipped)");
}

TEST_CASE("saving: a Strata file has the structure of the Keras file of the same architecture") {
  if (!have_fixtures()) return;
  const fs::path keras_path = fixtures() / "dl4j_mlp_softmax_k2.3.1" / "simple_sparse_xent_mlp_keras_2_model.h5";
  auto keras_model = st::models::load_model(keras_path.string());
  const std::string ours = temp("structure.h5");
  keras_model->save(ours, {.keras2 = true});  // Keras 2 form: Keras 2's weight names
  auto k = st::saving::hdf5::File::open(keras_path.string());
  auto s = st::saving::hdf5::File::open(ours);
  for (const char* attr : {"keras_version", "backend", "model_config", "training_config"}) {
    CAPTURE(attr);
    CHECK(k.has_attribute(attr));
    CHECK(s.has_attribute(attr));
  }
  auto kw = k.open_group("model_weights"), sw = s.open_group("model_weights");
  CHECK(kw.read_string_list_attribute("layer_names") == sw.read_string_list_attribute("layer_names"));
  CHECK(kw.children() == sw.children());
  for (const auto& layer : kw.read_string_list_attribute("layer_names")) {
    CAPTURE(layer);
    auto kl = kw.open_group(layer), sl = sw.open_group(layer);
    const auto names = kl.read_string_list_attribute("weight_names");
    CHECK(names == sl.read_string_list_attribute("weight_names"));
    for (const auto& n : names) {
      CHECK(sl.has_dataset(n));
      CHECK(max_diff(kl.read_dataset(n), sl.read_dataset(n)) == 0.0);
    }
  }
  auto kc = nlohmann::json::parse(k.read_string_attribute("model_config"));
  auto sc = nlohmann::json::parse(s.read_string_attribute("model_config"));
  CHECK(kc["class_name"] == sc["class_name"]);
  CHECK(sc["config"].contains("name"));
  REQUIRE(sc["config"]["layers"].size() == kc["config"]["layers"].size() + 1);  // + the explicit InputLayer
  for (std::size_t i = 0; i < kc["config"]["layers"].size(); ++i) {
    const auto& kl = kc["config"]["layers"][i];
    const auto& sl = sc["config"]["layers"][i + 1];
    CHECK(kl["class_name"] == sl["class_name"]);
    for (auto it = kl["config"].begin(); it != kl["config"].end(); ++it) {
      if (it.key() == "batch_input_shape") continue;  // Keras 3 spelling: on the InputLayer as batch_shape
      CAPTURE(it.key());
      CHECK(sl["config"].contains(it.key()));
    }
  }
  auto tc = nlohmann::json::parse(s.read_string_attribute("training_config"));
  CHECK(tc.contains("optimizer_config"));
  CHECK(tc.contains("loss"));
}

// ------------------------------------------------------------------ bad input

TEST_CASE("saving: bad files raise the right error, name the file, and leave the model unchanged") {
  st::set_random_seed(11);
  auto model = small_mlp();
  compile_classifier(*model);
  const std::string good = temp("good.h5");
  model->save(good);
  auto target = small_mlp();
  const auto before = weight_values(*target);
  auto unchanged = [&] { CHECK(weight_values(*target) == before); };

  SUBCASE("missing file") {
    const std::string path = temp("does_not_exist.h5");
    CHECK_THROWS_AS(target->load_weights(path), st::IOError);
    CHECK(message_of([&] { st::models::load_model(path); }).find(path) != std::string::npos);
    unchanged();
  }
  SUBCASE("not HDF5") {
    const std::string path = temp("text.h5");
    std::ofstream(path) << "this is not a model file, just some text that is long enough";
    CHECK_THROWS_AS(target->load_weights(path), st::IOError);
    CHECK(message_of([&] { target->load_weights(path); }).find(path) != std::string::npos);
    unchanged();
  }
  SUBCASE("a broken .keras zip archive (more in test_saving_keras.cpp)") {
    const std::string path = temp("model.keras");
    std::ofstream(path, std::ios::binary) << std::string("PK\x03\x04", 4) << "rest of a zip";
    CHECK_THROWS_AS(st::models::load_model(path), st::IOError);
    CHECK(message_of([&] { st::models::load_model(path); }).find(path) != std::string::npos);
    CHECK_THROWS_AS(target->load_weights(path), st::IOError);
    unchanged();
  }
  SUBCASE("truncated file") {
    const std::string path = temp("truncated.h5");
    copy_prefix(good, path, static_cast<std::size_t>(fs::file_size(good) / 2));
    CHECK_THROWS_AS(target->load_weights(path), st::Error);
    CHECK(message_of([&] { target->load_weights(path); }).find(path) != std::string::npos);
    unchanged();
  }
  SUBCASE("corrupted bytes") {
    const std::string path = temp("corrupted.h5");
    fs::copy_file(good, path, fs::copy_options::overwrite_existing);
    {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(8);
      for (int i = 0; i < 2000; ++i) f.put(static_cast<char>(0xA5));
    }
    CHECK_THROWS_AS(target->load_weights(path), st::Error);
    CHECK(message_of([&] { target->load_weights(path); }).find(path) != std::string::npos);
    unchanged();
  }
  SUBCASE("wrong weight shape names the layer and both shapes") {
    auto other = small_mlp(5);
    const std::string path = temp("other.h5");
    other->save_weights(path);
    const std::string message = message_of([&] { target->load_weights(path); });
    CHECK(message.find("Shape mismatch in layer '" + target->layers().back()->name() + "'") != std::string::npos);
    CHECK(message.find("(8, 3)") != std::string::npos);
    CHECK(message.find("(8, 5)") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
    CHECK_THROWS_AS(target->load_weights(path), st::ValueError);
    unchanged();
    st::CaptureWarnings warnings;
    target->load_weights(path, {.skip_mismatch = true});  // loads the first Dense, skips the last
    CHECK(target->get_weights()[0].to_vector<float>() == other->get_weights()[0].to_vector<float>());
    // The skip is reported through strata::warn, naming the layer.
    REQUIRE(warnings.messages().size() == 1);
    CHECK(warnings.messages()[0].find("Skipping loading of weights for layer '" + target->layers().back()->name() +
                                      "'") == 0);
  }
  SUBCASE("layer count mismatch") {
    st::Sequential small({Input({4}), Dense(3)});
    const std::string path = temp("small.h5");
    small.save_weights(path);
    const std::string message = message_of([&] { target->load_weights(path); });
    CHECK(message.find("Layer count mismatch") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
    CHECK_THROWS_AS(target->load_weights(path), st::ValueError);
    unchanged();
  }
  SUBCASE("Keras 3 layout with a wrong shape") {
    auto other = small_mlp(5);
    const std::string path = temp("other.weights.h5");
    other->save_weights(path);
    CHECK_THROWS_AS(target->load_weights(path), st::ValueError);
    unchanged();
  }
  SUBCASE("a failed save leaves the previous file intact") {
    const auto size = fs::file_size(good);
    st::Sequential with_lambda({Input({2}), Lambda([](const st::Tensor& t) { return t; })});
    CHECK_THROWS(with_lambda.save(good));
    CHECK(fs::file_size(good) == size);
    CHECK_NOTHROW(st::models::load_model(good));
  }
}

TEST_CASE("saving: every Keras fixture file loads (weights-only files with their JSON)") {
  if (!have_fixtures()) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(fixtures())) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.find("inputs_and_outputs") != std::string::npos) continue;
    if (name.ends_with(".h5") || name.ends_with(".keras") || name.ends_with(".hdf5")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  // A weights-only file loads with the architecture JSON beside it (X_weights.h5 + X_config.json
  // or X.json); every other file loads by itself.
  const auto load = [](const fs::path& file) {
    const std::string stem = file.stem().string();
    if (!stem.ends_with("_weights")) return st::models::load_model(file.string());
    const std::string base = stem.substr(0, stem.size() - 8);
    fs::path json = file.parent_path() / (base + "_config.json");
    if (!fs::exists(json)) json = file.parent_path() / (base + ".json");
    REQUIRE_MESSAGE(fs::exists(json), "no architecture JSON beside " << file.string());
    std::ifstream in(json);
    auto model = st::models::model_from_json(
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    model->load_weights(file.string());
    return model;
  };
  int loaded = 0, python_initializer = 0;
  for (const auto& file : files) {
    const std::string rel = fs::relative(file, fixtures()).string();
    CAPTURE(rel);
    try {
      auto model = load(file);
      ++loaded;
      MESSAGE("loaded " << rel << " (" << model->count_params() << " params)");
    } catch (const st::Error& e) {
      // hls4ml's two files name a Python initializer, which Keras too loads only with
      // custom_objects: test_saving_keras.cpp registers it in C++ and loads them.
      const bool hls4ml = std::string(e.what()).find("Unknown initializer: 'random_kernel'") != std::string::npos;
      CHECK_MESSAGE(hls4ml, "unexpected error for " << rel << ": " << std::string(e.what()));
      python_initializer += hls4ml;
    }
  }
  MESSAGE(loaded << " of " << files.size() << " fixture files loaded, " << python_initializer
                 << " wait for a registered initializer");
  CHECK(python_initializer <= 2);
  CHECK(loaded + python_initializer == static_cast<int>(files.size()));
  CHECK(loaded >= 39);

  SUBCASE("tf.keras 2.11 MLP saved as '.keras' but HDF5: weights equal the file's datasets") {
    const fs::path path = fixtures() / "tfkeras2.11_conv1d_gru_reset_after" / "mlp_streaming_keras_model.keras.h5";
    auto model = st::models::load_model(path.string());
    auto file = st::saving::hdf5::File::open(path.string());
    auto weights = model->get_weights();
    REQUIRE(weights.size() == 4);
    CHECK(weights[0].to_vector<float>() == file.read_dataset("model_weights/fc1/fc1/kernel:0").to_vector<float>());
    CHECK(weights[3].to_vector<float>() == file.read_dataset("model_weights/fc2/fc2/bias:0").to_vector<float>());
  }
}

namespace {
// A user layer registered with the macro, at namespace scope.
class ScaleLayer : public st::Layer {
 public:
  explicit ScaleLayer(double factor, std::string name = "") : Layer(std::move(name)), factor_(factor) {}
  static std::shared_ptr<ScaleLayer> from_config(const st::Config& config) {
    return std::make_shared<ScaleLayer>(config.at("factor").get<double>(), config.at("name").get<std::string>());
  }
  st::Tensor call(const st::Tensor& x) override { return x * factor_; }
  st::Config get_config() const override {
    auto c = Layer::get_config();
    c["factor"] = factor_;
    return c;
  }
  std::string class_name() const override { return "ScaleLayer"; }

 private:
  double factor_;
};
STRATA_REGISTER_LAYER(ScaleLayer);
}  // namespace

TEST_CASE("saving: STRATA_REGISTER_LAYER makes a user class loadable") {
  CHECK(st::is_layer_registered("ScaleLayer"));
  st::Sequential model({Input({3}), st::make_layer<ScaleLayer>(2.5), Dense(2)});
  auto loaded = st::models::model_from_json(model.to_json());
  loaded->set_weights(model.get_weights());
  CHECK(max_diff(loaded->predict(inputs(2, 3)), model.predict(inputs(2, 3))) == 0.0);
}

TEST_CASE("saving: Keras 3 .weights.h5 restores the optimizer state too") {
  st::set_random_seed(5);
  auto model = small_mlp();
  compile_classifier(*model);
  auto x = inputs(16, 4);
  auto y = labels(16, 3);
  model->fit(x, y, {.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0});
  const std::string path = temp("with_optimizer.weights.h5");
  model->save_weights(path);
  auto fresh = small_mlp();
  compile_classifier(*fresh);
  fresh->load_weights(path);
  CHECK(fresh->optimizer()->iterations() == model->optimizer()->iterations());
  model->fit(x, y, {.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0});
  fresh->fit(x, y, {.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = 0});
  CHECK(weight_values(*fresh) == weight_values(*model));
}

TEST_CASE("saving: writing into a missing directory is an IOError naming the file") {
  st::Sequential model({Input({2}), Dense(2)});
  const std::string path = temp("no/such/dir/m.h5");
  CHECK_THROWS_AS(model.save(path), st::IOError);
  CHECK(message_of([&] { model.save_weights(path); }).find(path) != std::string::npos);
}

TEST_CASE("saving: Functional models (two inputs, a shared layer, two outputs) round-trip through JSON and .h5") {
  st::set_random_seed(5);
  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto shared = Dense(4, "relu", {.name = "shared"});
  auto joined = Concatenate({.name = "join"})({shared(a), shared(b)});
  auto sum = Add({.name = "sum"})({shared(a), shared(b)});
  st::Model model({a, b}, {Dense(2, {.name = "class"})(joined), Dense(1, {.name = "score"})(sum)}, {.name = "two_io"});
  const st::Tensor xa = st::uniform({5, 3}, {.seed = 1}), xb = st::uniform({5, 3}, {.seed = 2});
  const auto want = model.apply({xa, xb});

  const auto config = model.get_config();
  CHECK(config["layers"].size() == 7);
  CHECK(config["input_layers"] == st::Config::parse(R"([["left", 0, 0], ["right", 0, 0]])"));
  CHECK(config["output_layers"] == st::Config::parse(R"([["class", 0, 0], ["score", 0, 0]])"));
  // The shared layer was called at 4 places in this model: its nodes are numbered 0..3 here.
  const auto& layers = config["layers"];
  const auto shared_entry = std::find_if(layers.begin(), layers.end(), [](const auto& l) { return l["name"] == "shared"; });
  REQUIRE(shared_entry != layers.end());
  CHECK((*shared_entry)["inbound_nodes"].size() == 4);

  auto rebuilt = st::models::model_from_json(model.to_json());
  CHECK(rebuilt->class_name() == "Functional");
  CHECK(rebuilt->output_names() == std::vector<std::string>{"class", "score"});
  CHECK(rebuilt->count_params() == model.count_params());
  rebuilt->set_weights(model.get_weights());
  auto got = rebuilt->apply({xa, xb});
  for (std::size_t i = 0; i < 2; ++i) CHECK(got[i].to_vector<float>() == want[i].to_vector<float>());

  model.save(temp("functional.h5"));
  auto loaded = st::models::load_model(temp("functional.h5"));
  got = loaded->apply({xa, xb});
  for (std::size_t i = 0; i < 2; ++i) CHECK(got[i].to_vector<float>() == want[i].to_vector<float>());
}

TEST_CASE("saving: two threads saving one path at once leave one whole, loadable file and no temporary") {
  // Each writer has its own temporary file (pid, thread, counter); the last rename wins, whole.
  for (const std::string name : {"race.h5", "race.weights.h5", "race.keras"}) {
    CAPTURE(name);
    const fs::path dir = temp_dir.path() / ("race_" + fs::path(name).extension().string().substr(1));
    fs::create_directories(dir);
    const std::string path = (dir / name).string();
    st::set_random_seed(3);
    auto a = small_mlp();
    auto b = small_mlp();
    a->compile({.optimizer = "adam", .loss = "mse"});
    b->compile({.optimizer = "adam", .loss = "mse"});
    std::atomic<int> failures{0};
    auto writer = [&](const st::Sequential& model) {
      for (int i = 0; i < 10; ++i) {
        try {
          if (name.ends_with(".weights.h5"))
            model.save_weights(path);
          else
            model.save(path);
        } catch (const st::Error&) {
          ++failures;
        }
      }
    };
    std::thread t1(writer, std::cref(*a)), t2(writer, std::cref(*b));
    t1.join();
    t2.join();
    CHECK(failures == 0);
    auto target = small_mlp();
    if (name.ends_with(".weights.h5"))
      target->load_weights(path);
    else
      target = std::dynamic_pointer_cast<st::Sequential>(st::models::load_model(path));
    REQUIRE(target);
    const auto loaded = weight_values(*target);
    CHECK((loaded == weight_values(*a) || loaded == weight_values(*b)));
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path().filename().string());
    CHECK(entries == std::vector<std::string>{name});
    fs::remove_all(dir);
  }
}
