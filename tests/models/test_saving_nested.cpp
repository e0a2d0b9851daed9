// Models used as layers inside a model: Keras files of every layout with a nested Sequential and a
// nested Functional base (tests/data/nested, written by make_nested.py as each Keras version lays
// them out, with NumPy's outputs), the files Strata writes for such models, and their round trips.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/strata.hpp"
#include "support/hdf5_paths.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;
using st::testing::message_of;

namespace {

const st::testing::TempDir temp_dir("nested");
std::string temp(const std::string& name) { return temp_dir.file(name); }

std::string data(const std::string& name) { return std::string(STRATA_TEST_DATA_DIR) + "/nested/" + name; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const nlohmann::json& reference() {
  static const nlohmann::json ref = nlohmann::json::parse(read_text(data("reference.json")));
  return ref;
}

st::Tensor matrix(const nlohmann::json& rows) {
  std::vector<float> values;
  for (const auto& row : rows)
    for (const auto& v : row) values.push_back(v.get<float>());
  return st::Tensor::from_vector(values, st::Shape{static_cast<std::int64_t>(rows.size()),
                                                   static_cast<std::int64_t>(rows[0].size())});
}

// The model's three outputs (head, fun_base, seq_base) against NumPy's.
void check_reference(st::Model& model) {
  const auto& ref = reference();
  const auto out = model.predict_outputs({matrix(ref["x1"]), matrix(ref["x2"])});
  REQUIRE(out.size() == 3);
  const char* names[] = {"head", "fun_base", "seq_base"};
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("output " << names[i]);
    const auto want = matrix(ref[names[i]]);
    REQUIRE(out[i].shape() == want.shape());
    const auto got = out[i].to_vector<float>(), expected = want.to_vector<float>();
    for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == doctest::Approx(expected[k]).epsilon(1e-5));
  }
}

std::vector<std::vector<float>> outputs_of(st::Model& model) {
  const auto& ref = reference();
  std::vector<std::vector<float>> out;
  for (const auto& t : model.predict_outputs({matrix(ref["x1"]), matrix(ref["x2"])})) out.push_back(t.to_vector<float>());
  return out;
}

st::Model& layer_model(st::Model& model, const std::string& name) {
  for (const auto& l : model.layers())
    if (l->name() == name)
      if (auto* m = dynamic_cast<st::Model*>(l.get())) return *m;
  FAIL("no nested model " << name);
  throw 0;
}

}  // namespace

TEST_CASE("nested models: Keras 2 and tf.keras legacy .h5 files load and predict as Keras") {
  for (const char* file : {"k2_nested.h5", "tfk_nested.h5", "k2_nested_frozen.h5", "tfk_nested_frozen.h5"}) {
    INFO(std::string(file));
    auto model = st::models::load_model(data(file));
    CHECK(model->class_name() == "Functional");
    CHECK(layer_model(*model, "seq_base").class_name() == "Sequential");
    CHECK(layer_model(*model, "fun_base").class_name() == "Functional");
    CHECK(layer_model(*model, "fun_base").trainable() == !std::string(file).ends_with("frozen.h5"));
    check_reference(*model);
  }
}

TEST_CASE("nested models: a tf.keras to_json() document with its weights-only .h5") {
  auto model = st::models::model_from_json(read_text(data("tfk_nested.json")));
  model->load_weights(data("tfk_nested_weights.h5"));
  check_reference(*model);
}

TEST_CASE("nested models: Keras 3 .keras archive and config + .weights.h5") {
  auto model = st::models::load_model(data("k3_nested.keras"));
  check_reference(*model);
  auto rebuilt = st::models::model_from_json(read_text(data("k3_nested.json")));
  rebuilt->load_weights(data("k3_nested.weights.h5"));
  check_reference(*rebuilt);
}

namespace {

// The committed files' model built in Strata: a Sequential and a Functional base, the Sequential
// called twice, two outputs naming the nested models directly. Weights random, BatchNormalization
// statistics included.
std::shared_ptr<st::Model> strata_nested_model() {
  auto seq = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({3}, {.name = "seq_in"}), Dense(4, {.name = "sd1"}),
                                      BatchNormalization({.name = "sbn"}), Activation("relu", {.name = "sact"})},
      "seq_base");
  auto fin = Input({4}, {.name = "fin"});
  auto fun = std::make_shared<st::Model>(
      fin, Dense(2, {.name = "fd2"})(BatchNormalization({.name = "fbn"})(Dense(4, {.name = "fd1"})(fin))),
      st::ModelOptions{.name = "fun_base"});
  auto x1 = Input({3}, {.name = "x1"});
  auto x2 = Input({3}, {.name = "x2"});
  auto b = (*seq)(x2);
  auto f = (*fun)(Add({.name = "add"})({(*seq)(x1), b}));
  auto model = std::make_shared<st::Model>(std::vector<st::Tensor>{x1, x2},
                                           std::vector<st::Tensor>{Dense(1, {.name = "head"})(f), f, b},
                                           st::ModelOptions{.name = "outer"});
  std::vector<st::Tensor> values;
  std::uint64_t seed = 1;
  for (const auto& w : model->get_weights()) values.push_back(st::uniform(w.shape(), {.minval = 0.5, .maxval = 1.5, .seed = seed++}));
  model->set_weights(values);
  return model;
}

// The shapes a legacy .h5 group lists, in its weight_names order.
std::vector<st::Shape> listed_shapes(const st::saving::hdf5::Object& group) {
  std::vector<st::Shape> shapes;
  for (const auto& n : group.read_string_list_attribute("weight_names")) shapes.push_back(group.dataset_shape(n));
  return shapes;
}

}  // namespace

TEST_CASE("nested models: a Strata model with nested Sequential and Functional bases round-trips in every layout") {
  auto model = strata_nested_model();
  const auto want = outputs_of(*model);
  auto same = [&](st::Model& loaded) { CHECK(outputs_of(loaded) == want); };

  model->save(temp("strata_nested.h5"));
  same(*st::models::load_model(temp("strata_nested.h5")));
  model->save(temp("strata_nested.keras"));
  same(*st::models::load_model(temp("strata_nested.keras")));
  for (const char* weights : {"strata_nested_w.h5", "strata_nested.weights.h5"}) {
    model->save_weights(temp(weights));
    auto rebuilt = st::models::model_from_json(model->to_json());
    rebuilt->load_weights(temp(weights));
    same(*rebuilt);
  }

  // The config Keras 3 writes: inbound_nodes name the nested models' calls from 0, output_layers
  // count a nested Functional's from 1 and a Sequential's from 0.
  const auto config = model->get_config();
  CHECK(config["output_layers"] == st::Config::parse(R"([["head", 0, 0], ["fun_base", 1, 0], ["seq_base", 1, 0]])"));
  for (const auto& layer : config["layers"]) {
    if (layer["name"] == "add") {
      const auto& args = layer["inbound_nodes"][0]["args"][0];
      CHECK(args[0]["config"]["keras_history"] == st::Config::parse(R"(["seq_base", 0, 0])"));
      CHECK(args[1]["config"]["keras_history"] == st::Config::parse(R"(["seq_base", 1, 0])"));
    }
    if (layer["name"] == "head")
      CHECK(layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == st::Config::parse(R"(["fun_base", 0, 0])"));
  }
}

TEST_CASE("nested models: Strata writes the structure Keras writes") {
  // Keras 3 .weights.h5: the same groups and datasets as the hand-made Keras 3 file.
  auto keras3 = st::models::load_model(data("k3_nested.keras"));
  keras3->save_weights(temp("k3_again.weights.h5"));
  auto written = st::saving::hdf5::File::open(temp("k3_again.weights.h5"));
  auto original = st::saving::hdf5::File::open(data("k3_nested.weights.h5"));
  CHECK(st::testing::object_paths(written) == st::testing::object_paths(original));
  CHECK(written.dataset_shape("layers/functional/layers/dense_1/vars/0") == st::Shape{4, 2});
  CHECK(written.dataset_shape("layers/sequential/layers/batch_normalization/vars/3") == st::Shape{4});
  // The same inside a .keras archive written by Strata.
  keras3->save(temp("k3_again.keras"));
  auto archive = st::saving::zip::Reader::open(temp("k3_again.keras"));
  const auto inner = st::saving::hdf5::File::open_image(archive.read("model.weights.h5"), "k3_again");
  CHECK(st::testing::object_paths(inner) == st::testing::object_paths(original));

  // Legacy .h5: one group per top-level layer, a nested model's weights trainable first (the
  // moving statistics after the last Dense), as tf.keras lists them.
  auto legacy = st::models::load_model(data("tfk_nested.h5"));
  legacy->save(temp("tfk_again.h5"));
  auto saved = st::saving::hdf5::File::open(temp("tfk_again.h5"));
  auto keras = st::saving::hdf5::File::open(data("tfk_nested.h5"));
  CHECK(saved.open_group("model_weights").read_string_list_attribute("layer_names") ==
        keras.open_group("model_weights").read_string_list_attribute("layer_names"));
  for (const char* layer : {"seq_base", "fun_base", "head"}) {
    INFO(layer);
    CHECK(listed_shapes(saved.open_group(std::string("model_weights/") + layer)) ==
          listed_shapes(keras.open_group(std::string("model_weights/") + layer)));
  }
  const auto fun_names = saved.open_group("model_weights/fun_base").read_string_list_attribute("weight_names");
  REQUIRE(fun_names.size() == 8);
  CHECK(fun_names[6].find("moving_mean") != std::string::npos);
  CHECK(fun_names[7].find("moving_variance") != std::string::npos);
}

TEST_CASE("nested models: loaded Keras files round-trip bitwise through Strata's files") {
  for (const char* file : {"k2_nested.h5", "tfk_nested.h5", "k2_nested_frozen.h5", "tfk_nested_frozen.h5", "k3_nested.keras"}) {
    INFO(std::string(file));
    auto model = st::models::load_model(data(file));
    const auto want = outputs_of(*model);
    for (const char* to : {"again.h5", "again.keras"}) {
      model->save(temp(to));
      auto back = st::models::load_model(temp(to));
      CHECK(outputs_of(*back) == want);
      CHECK(layer_model(*back, "fun_base").trainable() == layer_model(*model, "fun_base").trainable());
    }
  }
}

TEST_CASE("nested models: weights that do not fit a nested model name the layer") {
  // fun_base's last Dense with 3 units instead of 2.
  std::string json = read_text(data("tfk_nested.json"));
  const std::string units = R"("units": 2)";
  REQUIRE(json.find(units) != std::string::npos);
  json.replace(json.find(units), units.size(), R"("units": 3)");
  auto model = st::models::model_from_json(json);
  const auto before = outputs_of(*model);
  const std::string legacy = message_of([&] { model->load_weights(data("tfk_nested_weights.h5")); });
  CHECK(legacy.find("'fun_base' (Functional)") != std::string::npos);
  CHECK(legacy.find("(4, 3)") != std::string::npos);
  CHECK(legacy.find("(4, 2)") != std::string::npos);
  CHECK(legacy.find("fun_base/fd2/kernel") != std::string::npos);
  CHECK(outputs_of(*model) == before);  // nothing assigned

  std::string json3 = read_text(data("k3_nested.json"));
  REQUIRE(json3.find(units) != std::string::npos);
  json3.replace(json3.find(units), units.size(), R"("units": 3)");
  auto model3 = st::models::model_from_json(json3);
  const std::string keras3 = message_of([&] { model3->load_weights(data("k3_nested.weights.h5")); });
  CHECK(keras3.find("'fd2' (Dense)") != std::string::npos);
  CHECK(keras3.find("layers/functional/layers/dense_1/vars") != std::string::npos);
}

TEST_CASE("nested models: a Sequential holding a nested Sequential and a nested Functional round-trips") {
  auto seq = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({3}), Dense(4, {.name = "sd1"}), BatchNormalization({.name = "sbn"})},
      "seq_base");
  auto fin = Input({4}, {.name = "fin"});
  auto fun = std::make_shared<st::Model>(fin, Dense(2, {.name = "fd2"})(BatchNormalization({.name = "fbn"})(fin)),
                                         st::ModelOptions{.name = "fun_base"});
  st::Sequential outer(std::vector<st::SequentialItem>{Input({3}), st::SequentialItem(seq), st::SequentialItem(fun),
                                                       Dense(1, {.name = "head"})},
                       "outer");
  std::vector<st::Tensor> values;
  std::uint64_t seed = 7;
  for (const auto& w : outer.get_weights()) values.push_back(st::uniform(w.shape(), {.minval = 0.5, .maxval = 1.5, .seed = seed++}));
  outer.set_weights(values);
  const st::Tensor x = st::uniform({4, 3}, {.seed = 3});
  const auto want = outer.predict(x).to_vector<float>();
  for (const char* file : {"seq_outer.h5", "seq_outer.keras"}) {
    INFO(std::string(file));
    outer.save(temp(file));
    CHECK(st::models::load_model(temp(file))->predict(x).to_vector<float>() == want);
  }
  for (const char* file : {"seq_outer_w.h5", "seq_outer.weights.h5"}) {
    INFO(std::string(file));
    outer.save_weights(temp(file));
    auto rebuilt = st::models::model_from_json(outer.to_json());
    rebuilt->load_weights(temp(file));
    CHECK(rebuilt->predict(x).to_vector<float>() == want);
  }
  auto h5 = st::saving::hdf5::File::open(temp("seq_outer.weights.h5"));
  CHECK(h5.has_dataset("layers/sequential/layers/batch_normalization/vars/3"));
  CHECK(h5.has_dataset("layers/functional/layers/dense/vars/1"));
  CHECK(h5.has_group("layers/functional/layers/input_layer/vars"));
}

TEST_CASE("nested models: by-name loading and a tf.keras Sequential built without an input shape") {
  auto by_name = st::models::model_from_json(read_text(data("tfk_nested.json")));
  by_name->load_weights(data("tfk_nested_weights.h5"), {.by_name = true});
  check_reference(*by_name);

  // tf.keras numbers the calls of a Sequential that has no InputLayer from 0
  // (_should_skip_first_node is false for it).
  auto config = nlohmann::json::parse(read_text(data("tfk_nested.json")));
  for (auto& layer : config["config"]["layers"]) {
    if (layer["name"] == "seq_base") {
      auto& inner = layer["config"]["layers"];
      inner.erase(inner.begin());
    }
    for (auto& node : layer["inbound_nodes"])
      for (auto& ref : node)
        if (ref[0] == "seq_base") ref[1] = ref[1].get<int>() - 1;
  }
  for (auto& ref : config["config"]["output_layers"])
    if (ref[0] == "seq_base") ref[1] = ref[1].get<int>() - 1;
  auto deferred = st::models::model_from_json(config.dump());
  deferred->load_weights(data("tfk_nested_weights.h5"));
  check_reference(*deferred);
}
