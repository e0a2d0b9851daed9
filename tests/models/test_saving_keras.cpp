// The Keras 3 `.keras` zip: round trips of Sequential and Functional models, the structure of
// Keras 3.3.3's own file (keras3.3.3_lstm_dotkeras), damaged archives, atomic writes.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "strata/layers/initializer_registry.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/strata.hpp"
#include "support/hdf5_paths.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;
namespace zip = strata::saving::zip;
using namespace strata::layers;

namespace {

using st::testing::inputs;
using st::testing::labels;
using st::testing::message_of;
using st::testing::read_bytes;
using st::testing::write_bytes;
using st::testing::small_mlp;
using st::testing::weight_values;

const st::testing::TempDir temp_dir("keras");
std::string temp(const std::string& name) { return temp_dir.file(name); }

const fs::path kLstmKeras = fs::path(STRATA_KERAS_FIXTURES_DIR) / "keras3.3.3_lstm_dotkeras" / "lstm_model.keras";

std::vector<std::vector<double>> values(const std::vector<st::Variable>& vars) {
  std::vector<std::vector<double>> out;
  for (const auto& v : vars) out.push_back(v.value().to_vector<double>());
  return out;
}

std::set<std::string> weights_paths(const std::string& keras_file) {
  auto archive = zip::Reader::open(keras_file);
  auto h5 = st::saving::hdf5::File::open_image(archive.read("model.weights.h5"), keras_file);
  return st::testing::object_paths(h5);
}

nlohmann::json member_json(const std::string& keras_file, const std::string& member) {
  return nlohmann::json::parse(zip::Reader::open(keras_file).read(member));
}

std::set<std::string> keys(const nlohmann::json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace

TEST_CASE("keras zip: a Sequential model round-trips through .keras (predictions, optimizer state, training)") {
  st::set_random_seed(21);
  auto model = small_mlp();
  model->compile({.optimizer = st::optimizers::Adam(1e-2),
                  .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                  .metrics = {"accuracy"}});
  const auto x = inputs(24, 4);
  const auto y = labels(24, 3);
  model->fit(x, y, {.epochs = 2, .batch_size = 8, .shuffle = false, .verbose = 0});
  const std::string path = temp("sequential.keras");
  model->save(path);
  CHECK(read_bytes(path).substr(0, 4) == std::string("PK\x03\x04", 4));

  auto restored = st::models::load_model(path);
  REQUIRE(restored->compiled());
  CHECK(restored->class_name() == "Sequential");
  CHECK(restored->name() == model->name());
  CHECK(weight_values(*restored) == weight_values(*model));
  CHECK(restored->predict(x).to_vector<float>() == model->predict(x).to_vector<float>());
  CHECK(restored->optimizer()->class_name() == "Adam");
  CHECK(restored->optimizer()->iterations() == 6);
  CHECK(values(restored->optimizer()->variables()) == values(model->optimizer()->variables()));
  // Training on continues exactly as the uninterrupted run.
  model->fit(x, y, {.epochs = 1, .batch_size = 8, .shuffle = false, .verbose = 0});
  restored->fit(x, y, {.epochs = 1, .batch_size = 8, .shuffle = false, .verbose = 0});
  CHECK(weight_values(*restored) == weight_values(*model));
  const auto s1 = model->evaluate(x, y, {.verbose = 0}), s2 = restored->evaluate(x, y, {.verbose = 0});
  CHECK(s1.at("loss") == s2.at("loss"));
  CHECK(s1.at("accuracy") == s2.at("accuracy"));

  SUBCASE("compile = false returns the model uncompiled, with its weights") {
    auto plain = st::models::load_model(path, false);
    CHECK_FALSE(plain->compiled());
    CHECK(plain->count_params() == model->count_params());
  }
  SUBCASE("load_weights reads the weights (and optimizer state) of a .keras archive") {
    model->save(path);
    auto fresh = small_mlp();
    fresh->compile({.optimizer = st::optimizers::Adam(1e-2),
                    .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    fresh->load_weights(path);
    CHECK(weight_values(*fresh) == weight_values(*model));
    CHECK(fresh->optimizer()->iterations() == model->optimizer()->iterations());
  }
  SUBCASE("the format follows the content, not the name") {
    model->save(path);
    const std::string renamed = temp("archive_named.h5");
    fs::copy_file(path, renamed, fs::copy_options::overwrite_existing);
    CHECK(st::models::load_model(renamed)->predict(x).to_vector<float>() == model->predict(x).to_vector<float>());
    const std::string legacy = temp("legacy_named.keras.h5");
    model->save(legacy);  // legacy HDF5 (the name does not end in .keras) ...
    const std::string legacy_as_keras = temp("legacy_copy.keras");
    fs::copy_file(legacy, legacy_as_keras, fs::copy_options::overwrite_existing);  // ... renamed .keras
    CHECK(read_bytes(legacy_as_keras).substr(1, 3) == "HDF");
    CHECK(st::models::load_model(legacy_as_keras)->predict(x).to_vector<float>() == model->predict(x).to_vector<float>());
  }
}

TEST_CASE("keras zip: a Functional model (two inputs, a shared layer) round-trips through .keras") {
  st::set_random_seed(8);
  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto shared = Dense(4, "tanh", {.name = "shared"});
  auto joined = Concatenate({.name = "join"})({shared(a), shared(b)});
  st::Model model({a, b}, {Dense(1, {.name = "out"})(joined)}, {.name = "two_in"});
  model.compile({.optimizer = st::optimizers::RMSprop(1e-2), .loss = "mse"});
  const st::Tensor xa = st::uniform({6, 3}, {.seed = 1}), xb = st::uniform({6, 3}, {.seed = 2});
  const st::Tensor y = st::uniform({6, 1}, {.seed = 3});
  model.fit(st::ModelData({xa, xb}), st::ModelData({y}), {.epochs = 3, .batch_size = 3, .shuffle = false, .verbose = 0});
  const std::string path = temp("functional.keras");
  model.save(path);

  const auto config = member_json(path, "config.json");
  CHECK(config["class_name"] == "Functional");
  CHECK(config["module"] == "keras.src.models.functional");
  CHECK(config["compile_config"]["optimizer"]["class_name"] == "RMSprop");

  auto restored = st::models::load_model(path);
  CHECK(restored->class_name() == "Functional");
  REQUIRE(restored->compiled());
  CHECK(restored->apply({xa, xb})[0].to_vector<float>() == model.apply({xa, xb})[0].to_vector<float>());
  CHECK(restored->optimizer()->iterations() == model.optimizer()->iterations());
  CHECK(values(restored->optimizer()->variables()) == values(model.optimizer()->variables()));
  model.fit(st::ModelData({xa, xb}), st::ModelData({y}), {.epochs = 1, .batch_size = 3, .shuffle = false, .verbose = 0});
  restored->fit(st::ModelData({xa, xb}), st::ModelData({y}), {.epochs = 1, .batch_size = 3, .shuffle = false, .verbose = 0});
  CHECK(weight_values(*restored) == weight_values(model));
}

TEST_CASE("keras zip: a Strata .keras file has the structure of Keras 3.3.3's own") {
  if (!fs::exists(kLstmKeras)) {
    MESSAGE("Keras fixture " << kLstmKeras.string() << " not found; skipping");
    return;
  }
  // The fixture's head without its LSTMs: InputLayer -> Dropout -> Dense(25) -> Dense(2), Adam, MSE.
  st::set_random_seed(2);
  st::Sequential model({Input({50}), Dropout(0.2), Dense(25), Dense(2)});
  model.compile({.optimizer = st::optimizers::Adam(1e-3), .loss = "mean_squared_error"});
  model.fit(inputs(8, 50), st::uniform({8, 2}, {.seed = 4}), {.epochs = 1, .batch_size = 8, .verbose = 0});
  const std::string ours = temp("structure.keras");
  model.save(ours);

  auto theirs_zip = zip::Reader::open(kLstmKeras.string());
  auto ours_zip = zip::Reader::open(ours);
  auto names = [](const zip::Reader& r) {
    std::vector<std::string> out;
    for (const auto& e : r.entries()) out.push_back(e.name);
    return out;
  };
  CHECK(names(ours_zip) == names(theirs_zip));  // metadata.json, config.json, model.weights.h5, in that order
  for (const auto& e : ours_zip.entries()) CHECK(e.method == 0);  // stored, as Keras writes

  const auto their_meta = member_json(kLstmKeras.string(), "metadata.json");
  const auto our_meta = member_json(ours, "metadata.json");
  CHECK(keys(our_meta) == keys(their_meta));
  CHECK(our_meta["keras_version"] == their_meta["keras_version"]);
  CHECK(std::regex_match(our_meta["date_saved"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d)")));

  const auto their_config = member_json(kLstmKeras.string(), "config.json");
  const auto our_config = member_json(ours, "config.json");
  CHECK(keys(our_config) == keys(their_config));  // module, class_name, config, registered_name, build_config, compile_config
  CHECK(our_config["module"] == their_config["module"]);
  CHECK(our_config["registered_name"] == their_config["registered_name"]);
  CHECK(our_config["build_config"] == nlohmann::json::parse(R"({"input_shape": [null, 50]})"));
  CHECK(keys(our_config["config"]) == keys(their_config["config"]));
  CHECK(keys(our_config["compile_config"]) == keys(their_config["compile_config"]));
  // Layer entries: the same keys for the classes both models have.
  for (const auto& theirs : their_config["config"]["layers"]) {
    for (const auto& mine : our_config["config"]["layers"]) {
      if (mine["class_name"] != theirs["class_name"]) continue;
      CAPTURE(mine["class_name"].get<std::string>());
      for (const char* key : {"module", "class_name", "config", "registered_name"}) CHECK(mine.contains(key));
      for (auto it = theirs["config"].begin(); it != theirs["config"].end(); ++it) {
        CAPTURE(it.key());
        CHECK(mine["config"].contains(it.key()));
      }
    }
  }

  // model.weights.h5: the same groups and datasets as Keras's for these layers, and the optimizer
  // variables numbered as Keras numbers them (iteration, learning_rate, then m / v per weight).
  std::set<std::string> expected;
  for (const auto& p : weights_paths(kLstmKeras.string())) {
    if (p.find("lstm") != std::string::npos || p.starts_with("layers/dropout_1/")) continue;
    if (p.starts_with("optimizer/vars/") && p.size() > 15 && std::stoi(p.substr(15)) >= 2 + 2 * 4) continue;
    expected.insert(p);
  }
  CHECK(weights_paths(ours) == expected);
}

TEST_CASE("keras zip: damaged .keras files raise IOError naming the file and the member, never crash") {
  st::set_random_seed(13);
  auto model = small_mlp();
  model->compile({.optimizer = "adam", .loss = "mse"});
  const std::string good = temp("good.keras");
  model->save(good);
  const std::string bytes = read_bytes(good);
  auto target = small_mlp();
  const auto before = weight_values(*target);
  auto check_io_error = [&](const std::string& path, const std::string& also) {
    const std::string m1 = message_of([&] { st::models::load_model(path); });
    const std::string m2 = message_of([&] { target->load_weights(path); });
    CAPTURE(m1);
    CAPTURE(m2);
    CHECK(m1.find(path) != std::string::npos);
    CHECK(m1.find(also) != std::string::npos);
    CHECK(m2.find(path) != std::string::npos);
    CHECK_THROWS_AS(st::models::load_model(path), st::IOError);
    CHECK_THROWS_AS(target->load_weights(path), st::IOError);
    CHECK(weight_values(*target) == before);
  };
  SUBCASE("truncated") {
    const std::string path = temp("truncated.keras");
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    check_io_error(path, "end-of-central-directory");
  }
  SUBCASE("wrong CRC in the weights") {
    std::string bad = bytes;
    const auto hdf = bad.find("\x89HDF");
    REQUIRE(hdf != std::string::npos);
    bad[hdf + 1000] = static_cast<char>(bad[hdf + 1000] ^ 0x55);
    const std::string path = temp("crc.keras");
    write_bytes(path, bad);
    check_io_error(path, "'model.weights.h5'");
    CHECK(message_of([&] { st::models::load_model(path); }).find("CRC-32 mismatch") != std::string::npos);
  }
  SUBCASE("wrong CRC in config.json") {
    std::string bad = bytes;
    const auto at = bad.find("\"Sequential\"");
    REQUIRE(at != std::string::npos);
    bad[at + 1] = 's';
    const std::string path = temp("crc_config.keras");
    write_bytes(path, bad);
    const std::string message = message_of([&] { st::models::load_model(path); });
    CHECK(message.find("'config.json'") != std::string::npos);
    CHECK(message.find("CRC-32 mismatch") != std::string::npos);
    CHECK_THROWS_AS(st::models::load_model(path), st::IOError);
  }
  SUBCASE("missing member") {
    auto archive = zip::Reader::open(good);
    const std::string path = temp("no_weights.keras");
    {
      zip::Writer w(path);
      w.add("metadata.json", archive.read("metadata.json"));
      w.add("config.json", archive.read("config.json"));
      w.commit();
    }
    check_io_error(path, "'model.weights.h5'");
    const std::string no_config = temp("no_config.keras");
    {
      zip::Writer w(no_config);
      w.add("model.weights.h5", archive.read("model.weights.h5"));
      w.commit();
    }
    CHECK(message_of([&] { st::models::load_model(no_config); }).find("'config.json'") != std::string::npos);
    CHECK_THROWS_AS(st::models::load_model(no_config), st::IOError);
    target->load_weights(no_config);  // the weights alone are enough for load_weights
    CHECK(weight_values(*target) == weight_values(*model));
  }
  SUBCASE("corrupted central directory") {
    std::string bad = bytes;
    const auto cd = bad.rfind(std::string("PK\x01\x02", 4));  // the last central header: model.weights.h5
    REQUIRE(cd != std::string::npos);
    bad[cd + 42] = static_cast<char>(0xff);  // its local header offset
    bad[cd + 43] = static_cast<char>(0x7f);
    const std::string path = temp("cd.keras");
    write_bytes(path, bad);
    check_io_error(path, "'model.weights.h5'");
  }
  SUBCASE("config.json that is not JSON, or a valid archive of something else") {
    auto archive = zip::Reader::open(good);
    const std::string path = temp("bad_json.keras");
    {
      zip::Writer w(path);
      w.add("config.json", "{not json");
      w.add("model.weights.h5", archive.read("model.weights.h5"));
      w.commit();
    }
    CHECK_THROWS_AS(st::models::load_model(path), st::ValueError);
    CHECK(message_of([&] { st::models::load_model(path); }).find(path) != std::string::npos);
    const std::string not_hdf5 = temp("not_hdf5.keras");
    {
      zip::Writer w(not_hdf5);
      w.add("config.json", archive.read("config.json"));
      w.add("model.weights.h5", "definitely not HDF5");
      w.commit();
    }
    const std::string message = message_of([&] { st::models::load_model(not_hdf5); });
    CHECK(message.find(not_hdf5 + "/model.weights.h5") != std::string::npos);
    CHECK_THROWS_AS(st::models::load_model(not_hdf5), st::IOError);
  }
  SUBCASE("weights of another architecture: ValueError naming the layer, model unchanged") {
    st::Sequential other({Input({4}), Dense(8, "relu"), Dense(5)});
    const std::string path = temp("other.keras");
    other.save(path);
    const std::string message = message_of([&] { target->load_weights(path); });
    CHECK(message.find(path + "/model.weights.h5") != std::string::npos);
    CHECK(message.find("Shape mismatch") != std::string::npos);
    CHECK_THROWS_AS(target->load_weights(path), st::ValueError);
    CHECK(weight_values(*target) == before);
  }
}

TEST_CASE("keras zip: saving is atomic (a failed save and a killed process leave the old file loadable)") {
  st::set_random_seed(3);
  auto model = small_mlp();
  const std::string path = temp("atomic.keras");
  model->save(path);
  const std::string before = read_bytes(path);

  st::Sequential with_lambda({Input({2}), Lambda([](const st::Tensor& t) { return t; })});
  CHECK_THROWS(with_lambda.save(path));
  CHECK(read_bytes(path) == before);
  CHECK_THROWS_AS(model->save(temp("no/such/dir/m.keras")), st::IOError);

  // A bigger model saved again and again by a child killed at various moments.
  st::Sequential big({Input({256}), Dense(512), Dense(256)});
  big.save(path);
  const auto reference = weight_values(big);
  for (int delay_ms : {1, 5, 13, 29}) {
    CAPTURE(delay_ms);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      for (;;) big.save(path);  // never returns; killed by the parent
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    auto loaded = st::models::load_model(path);
    CHECK(weight_values(*loaded) == reference);
  }
  // The killed writers' temporary files are the only leftovers; the real file is whole.
  for (const auto& e : fs::directory_iterator(temp_dir.path())) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".atomic.keras.tmp")) fs::remove(e.path());
  }
}

TEST_CASE("keras zip: Keras 3.3.3 lstm_model.keras loads") {
  REQUIRE(fs::exists(kLstmKeras));
  auto model = st::models::load_model(kLstmKeras.string());
  CHECK(model->class_name() == "Sequential");
  // LSTM(24 -> 50): 4*50*(24+50+1); LSTM(50 -> 50): 4*50*(50+50+1); Dense 50*25+25; Dense 25*2+2.
  CHECK(model->count_params() == 15000 + 20200 + 1275 + 52);
  // The weights are the file's datasets, in Keras's order (kernel, recurrent_kernel, bias).
  auto archive = zip::Reader::open(kLstmKeras.string());
  auto h5 = st::saving::hdf5::File::open_image(archive.read("model.weights.h5"), "lstm");
  const auto lstm = model->get_layer("lstm")->get_weights();
  REQUIRE(lstm.size() == 3);
  for (int i = 0; i < 3; ++i)
    CHECK(lstm[i].to_vector<float>() == h5.read_dataset("layers/lstm/cell/vars/" + std::to_string(i)).to_vector<float>());
  CHECK(model->get_layer("dense_1")->get_weights()[0].to_vector<float>() ==
        h5.read_dataset("layers/dense_1/vars/0").to_vector<float>());
  // compile_config: "adam" and "mean_squared_error"; the optimizer state is restored.
  REQUIRE(model->compiled());
  CHECK(model->optimizer()->class_name() == "Adam");
  CHECK(model->optimizer()->iterations() == h5.read_dataset("optimizer/vars/0").to_vector<std::int64_t>()[0]);
  const auto y = model->predict(st::uniform({3, 12, 24}, {.seed = 1}));
  CHECK(y.shape() == st::Shape({3, 2}));
  // And it saves back to a .keras file that predicts the same.
  const std::string again = temp("lstm_again.keras");
  model->save(again);
  const auto x = st::uniform({2, 12, 24}, {.seed = 2});
  CHECK(st::models::load_model(again)->predict(x).to_vector<float>() == model->predict(x).to_vector<float>());
}

TEST_CASE("keras fixtures: dl4j_cnn_batchnorm (Keras 2.1.3) matches Keras's predictions.npy") {
  const fs::path dir = fs::path(STRATA_KERAS_FIXTURES_DIR) / "dl4j_cnn_batchnorm_k2.1.3";
  if (!fs::exists(dir / "predictions.npy")) {
    MESSAGE("Keras fixture " << dir.string() << " not found; skipping");
    return;
  }
  // Conv2D -> BatchNormalization -> relu -> Conv2D -> Flatten -> Dense, a Keras <= 2.2.2 list config.
  auto model = st::models::load_model((dir / "cnn_batch_norm.h5").string());
  const auto x = st::data::read_npy(dir / "input.npy");  // float64 (5, 10, 10, 3)
  const auto want = st::data::read_npy(dir / "predictions.npy");
  REQUIRE(x.shape() == st::Shape({5, 10, 10, 3}));
  REQUIRE(want.shape() == st::Shape({5, 1}));
  const auto got = model->predict(st::cast(x, st::float32));
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g[i] - w[i]));
  MESSAGE("dl4j_cnn_batchnorm: max |error| vs Keras = " << worst);
  CHECK(worst < 1e-5);
  // The upstream script's own assertion on these outputs.
  const std::vector<double> upstream = {-0.0520611, 0.04986075, 0.16297522, 0.15389983, 0.15537278};
  for (std::size_t i = 0; i < 5; ++i) CHECK(g[i] == doctest::Approx(upstream[i]).epsilon(1e-5));
}

namespace {
// hls4ml's Python initializer `random_kernel` (despite its name, a fixed 3x3 kernel).
class FixedKernel : public st::initializers::Initializer {
 public:
  st::Tensor operator()(const st::Shape& shape, st::DType dtype) const override {
    if (shape != st::Shape({3, 3, 1, 1})) throw st::ValueError("random_kernel: expected shape (3, 3, 1, 1)");
    return st::cast(st::Tensor::from_vector(std::vector<float>{1, -1, 1, -1, 1, -1, 1, -1, 1}, shape), dtype);
  }
  std::string class_name() const override { return "random_kernel"; }
};
}  // namespace

TEST_CASE("keras fixtures: hls4ml conv2d_1layer loads once its Python initializer is registered from C++") {
  const fs::path dir = fs::path(STRATA_KERAS_FIXTURES_DIR) / "hls4ml_conv2d_1layer_tfk2.11";
  if (!fs::exists(dir / "conv2d_1layer.h5")) {
    MESSAGE("Keras fixture " << dir.string() << " not found; skipping");
    return;
  }
  st::initializers::register_initializer("random_kernel", [](const st::Config&) { return std::make_shared<FixedKernel>(); });
  CHECK_THROWS_AS(st::initializers::register_initializer("", nullptr), st::ValueError);
  auto read_rows = [](const fs::path& path) {
    std::ifstream in(path);
    std::vector<std::vector<float>> rows;
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::vector<float> row;
      for (float v; fields >> v;) row.push_back(v);
      if (!row.empty()) rows.push_back(row);
    }
    return rows;
  };
  const auto inputs = read_rows(dir / "tb_input_features.dat");
  const auto outputs = read_rows(dir / "tb_output_predictions.dat");
  REQUIRE(inputs.size() == 2);
  REQUIRE(outputs.size() == 2);
  std::vector<float> x;
  for (const auto& r : inputs) x.insert(x.end(), r.begin(), r.end());
  for (const char* file : {"conv2d_1layer.h5", "json+weights"}) {
    CAPTURE(file);
    std::shared_ptr<st::Model> model;
    if (std::string(file) == "json+weights") {
      std::ifstream json_in(dir / "conv2d_1layer.json");
      model = st::models::model_from_json(std::string((std::istreambuf_iterator<char>(json_in)), {}));
      model->load_weights((dir / "conv2d_1layer_weights.h5").string());
    } else {
      model = st::models::load_model((dir / file).string());
    }
    const auto y = model->predict(st::Tensor::from_vector(x, {2, 5, 5, 1})).to_vector<float>();
    REQUIRE(y.size() == 18);
    for (std::size_t s = 0; s < 2; ++s)
      for (std::size_t i = 0; i < 9; ++i) CHECK(y[s * 9 + i] == doctest::Approx(outputs[s][i]).epsilon(1e-5));
  }
}
