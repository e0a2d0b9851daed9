// Models used as layers inside a model: Keras files of every layout with a nested Sequential and a
// nested Functional base (tests/data/nested, written by make_nested.py as each Keras version lays
// them out, with NumPy's outputs), the files Strata writes for such models, and their round trips.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/strata.hpp"
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
