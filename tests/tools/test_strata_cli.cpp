// The `strata` command-line tool, run as a real process on real files: a model saved by Strata
// and the Keras 2.3.1 MLP fixture, whose Keras predictions predict must reproduce.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "strata/framework/data/readers.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"
#include "support/test_paths.hpp"
#include "tools/child_process.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;
using strata_test::run_command;

namespace {

using st::testing::max_diff;

const st::testing::TempDir temp_dir("cli");
std::string temp(const std::string& name) { return temp_dir.file(name); }

strata_test::CommandResult strata_cli(std::vector<std::string> args) {
  args.insert(args.begin(), STRATA_CLI_PATH);
  return run_command(args);
}

fs::path mlp_fixture() { return fs::path(STRATA_KERAS_FIXTURES_DIR) / "dl4j_mlp_softmax_k2.3.1"; }
bool have_fixture() {
  if (fs::exists(mlp_fixture())) return true;
  MESSAGE("Keras fixtures not found at " << mlp_fixture().string() << "; skipping");
  return false;
}

std::shared_ptr<st::Sequential> saved_mlp(const std::string& path) {
  st::set_random_seed(21);
  auto model = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({5}), Dense(7, "relu", {.name = "hidden"}), Dense(3, {.name = "logits"})},
      "cli_mlp");
  model->compile({.optimizer = st::optimizers::Adam(1e-3), .loss = "mse"});
  model->save(path);
  return model;
}

st::Tensor sample_inputs(std::int64_t n, std::int64_t d) {
  std::vector<float> v(static_cast<std::size_t>(n * d));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
  return st::Tensor::from_vector(v, {n, d});
}

}  // namespace

TEST_CASE("strata CLI: --help for the tool and every command") {
  auto overview = strata_cli({"--help"});
  CHECK(overview.exit_code == 0);
  for (const char* command : {"summary", "predict", "convert", "export", "inspect"}) {
    CAPTURE(command);
    CHECK(overview.output.find(std::string("  ") + command) != std::string::npos);
    auto help = strata_cli({command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.rfind(std::string("usage: strata ") + command, 0) == 0);
    CHECK(strata_cli({"help", command}).output == help.output);
  }
  CHECK(overview.output.find("exit codes:") != std::string::npos);
}

TEST_CASE("strata CLI: summary prints the model's summary") {
  const std::string path = temp("summary.h5");
  auto model = saved_mlp(path);
  std::ostringstream expected;
  st::models::load_model(path)->summary(expected);
  auto result = strata_cli({"summary", path});
  CHECK(result.exit_code == 0);
  CHECK(result.output == expected.str());
  CHECK(result.output.find("hidden (Dense)") != std::string::npos);
  CHECK(result.output.find("Total params: 66") != std::string::npos);  // 5*7+7 + 7*3+3
}

TEST_CASE("strata CLI: predict on the Keras 2.3.1 fixture reproduces Keras's predictions") {
  if (!have_fixture()) return;
  auto io = st::saving::hdf5::File::open((mlp_fixture() / "simple_sparse_xent_mlp_keras_2_inputs_and_outputs.h5").string());
  const st::Tensor x = io.open_group("inputs").read_dataset("dense_1_input");
  const st::Tensor keras = io.open_group("predictions").read_dataset("activation_1");
  st::data::write_npy(temp("keras_x.npy"), st::cast(x, st::float64));  // float64 in: cast by the tool
  auto result = strata_cli({"predict", (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_model.h5").string(), "--input",
                            temp("keras_x.npy"), "--output", temp("keras_y.npy"), "--batch-size", "2"});
  CHECK(result.exit_code == 0);
  CHECK(result.output == "wrote " + temp("keras_y.npy") + ": (3, 3) float32\n");
  const st::Tensor y = st::data::read_npy(temp("keras_y.npy"));
  CHECK(y.dtype() == st::float32);
  const double err = max_diff(y, st::cast(keras, st::float32));
  MESSAGE("strata predict vs Keras: max |error| = " << err);
  CHECK(err <= 1e-5);
}

TEST_CASE("strata CLI: predict on a Strata model matches model.predict, batch by batch") {
  const std::string path = temp("predict.h5");
  auto model = saved_mlp(path);
  const st::Tensor x = sample_inputs(23, 5);
  st::data::write_npy(temp("x.npy"), x);
  auto result = strata_cli({"predict", path, "--input", temp("x.npy"), "--output", temp("y.npy"), "--batch-size=7"});
  REQUIRE(result.exit_code == 0);
  CHECK(max_diff(st::data::read_npy(temp("y.npy")), model->predict(x, {.batch_size = 7})) <= 1e-6);

  SUBCASE("a model with two inputs and two outputs takes --input2 and writes --output2") {
    auto a = Input({3}, {.name = "a"});
    auto b = Input({2}, {.name = "b"});
    auto h = Concatenate()({a, b});
    st::Model two({a, b}, {Dense(2, {.name = "first"})(h), Dense(1, {.name = "second"})(h)});
    two.save(temp("two.h5"));
    st::data::write_npy(temp("a.npy"), sample_inputs(9, 3));
    st::data::write_npy(temp("b.npy"), sample_inputs(9, 2));
    auto ok = strata_cli({"predict", temp("two.h5"), "--input", temp("a.npy"), "--input2", temp("b.npy"), "--output",
                          temp("o1.npy"), "--output2", temp("o2.npy"), "--batch-size", "4"});
    REQUIRE(ok.exit_code == 0);
    auto expected = two.call(std::vector<st::Tensor>{sample_inputs(9, 3), sample_inputs(9, 2)}, false);
    CHECK(max_diff(st::data::read_npy(temp("o1.npy")), expected[0]) <= 1e-6);
    CHECK(max_diff(st::data::read_npy(temp("o2.npy")), expected[1]) <= 1e-6);
    auto one_input = strata_cli({"predict", temp("two.h5"), "--input", temp("a.npy"), "--output", temp("o1.npy")});
    CHECK(one_input.exit_code == 2);
    CHECK(one_input.output.find("has 2 input(s) (a, b) but 1 --input file(s) were given") != std::string::npos);
    auto one_output = strata_cli({"predict", temp("two.h5"), "--input", temp("a.npy"), "--input2", temp("b.npy"),
                                  "--output", temp("o1.npy")});
    CHECK(one_output.exit_code == 2);
    CHECK(one_output.output.find("has 2 output(s) (first, second)") != std::string::npos);
  }
}

TEST_CASE("strata CLI: convert between the legacy .h5, .weights.h5, weights-only .h5 and .keras") {
  if (!have_fixture()) return;
  const std::string keras_model = (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_model.h5").string();
  auto reference = st::models::load_model(keras_model);
  auto same_weights = [&](const st::Model& model) {
    auto a = reference->get_weights(), b = model.get_weights();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(max_diff(a[i], b[i]) == 0.0);
  };
  SUBCASE("full model -> Keras 3 weights") {
    auto r = strata_cli({"convert", keras_model, temp("c.weights.h5")});
    REQUIRE(r.exit_code == 0);
    auto model = st::models::model_from_json(reference->to_json());
    model->load_weights(temp("c.weights.h5"));
    same_weights(*model);
  }
  SUBCASE("full model -> legacy weights-only .h5") {
    REQUIRE(strata_cli({"convert", keras_model, temp("c_weights.h5"), "--weights-only"}).exit_code == 0);
    st::saving::hdf5::File file = st::saving::hdf5::File::open(temp("c_weights.h5"));
    CHECK(file.has_attribute("layer_names"));
    CHECK_FALSE(file.has_attribute("model_config"));
  }
  SUBCASE("weights-only + JSON config -> full model .h5 -> .keras") {
    const std::string weights = (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_weights.h5").string();
    const std::string config = (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_config.json").string();
    REQUIRE(strata_cli({"convert", weights, temp("c_full.h5"), "--config", config}).exit_code == 0);
    same_weights(*st::models::load_model(temp("c_full.h5")));
    auto r = strata_cli({"convert", temp("c_full.h5"), temp("c.keras")});
    REQUIRE(r.exit_code == 0);
    same_weights(*st::models::load_model(temp("c.keras")));
  }
  SUBCASE("a weights-only input needs --config; OUT needs a known extension") {
    auto r = strata_cli({"convert", (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_weights.h5").string(), temp("x.h5")});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("holds only weights; pass --config") != std::string::npos);
    auto ext = strata_cli({"convert", keras_model, temp("x.pt")});
    CHECK(ext.exit_code == 2);
    CHECK(ext.output.find("cannot tell the format of") != std::string::npos);
  }
}

TEST_CASE("strata CLI: convert --keras2 writes tf.keras 2 form (.h5 and .json)") {
  const std::string path = temp("k2_source.h5");
  auto model = saved_mlp(path);
  auto r = strata_cli({"convert", path, temp("k2.h5"), "--keras2"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("Keras 2 form") != std::string::npos);
  auto file = st::saving::hdf5::File::open(temp("k2.h5"));
  CHECK(file.read_string_attribute("keras_version") == "2.15.0");
  CHECK(file.read_string_attribute("model_config").find("\"batch_input_shape\"") != std::string::npos);
  CHECK(file.open_group("model_weights/hidden").read_string_list_attribute("weight_names") ==
        std::vector<std::string>{"hidden/kernel:0", "hidden/bias:0"});
  auto back = st::models::load_model(temp("k2.h5"));
  const auto a = model->get_weights(), b = back->get_weights();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(max_diff(a[i], b[i]) == 0.0);

  REQUIRE(strata_cli({"convert", path, temp("k2.json"), "--keras2"}).exit_code == 0);
  std::ifstream json_file(temp("k2.json"));
  std::stringstream json;
  json << json_file.rdbuf();
  CHECK(json.str() == model->to_json({.keras2 = true}));
  REQUIRE(strata_cli({"convert", path, temp("k3.json")}).exit_code == 0);
  CHECK(st::models::model_from_json(json.str())->get_config() == model->get_config());

  auto keras = strata_cli({"convert", path, temp("k2.keras"), "--keras2"});
  CHECK(keras.exit_code == 2);
  CHECK(keras.output.find("--keras2 writes a legacy .h5 or a .json") != std::string::npos);
}

TEST_CASE("strata CLI: inspect lists weights with shapes and dtypes") {
  if (!have_fixture()) return;
  auto full = strata_cli({"inspect", (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_model.h5").string()});
  CHECK(full.exit_code == 0);
  CHECK(full.output.find(", keras_version 2.3.1, whole model\n") != std::string::npos);
  CHECK(full.output.find("/model_weights/dense_1/dense_1/bias:0    (3,)              float32\n") != std::string::npos);
  CHECK(full.output.find("/model_weights/dense_1/dense_1/kernel:0  (4, 3)            float32\n") != std::string::npos);
  CHECK(full.output.find("2 weight(s), 15 value(s)\n") != std::string::npos);
  auto weights = strata_cli({"inspect", (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_weights.h5").string()});
  CHECK(weights.exit_code == 0);
  CHECK(weights.output.find(", weights only\n") != std::string::npos);
  CHECK(weights.output.find("/dense_1/dense_1/kernel:0  (4, 3)") != std::string::npos);
  // A Strata file with optimizer state lists it too.
  const std::string path = temp("inspect.h5");
  auto model = saved_mlp(path);
  model->fit(sample_inputs(4, 5), sample_inputs(4, 3), {.verbose = 0});
  model->save(path);
  auto ours = strata_cli({"inspect", path});
  CHECK(ours.exit_code == 0);
  CHECK(ours.output.find("/optimizer_weights/") != std::string::npos);
  CHECK(ours.output.find("/model_weights/hidden/cli_mlp/hidden/kernel") != std::string::npos);  // Keras 3's path
}

TEST_CASE("strata CLI: bad arguments and bad files give clear errors and distinct exit codes") {
  const std::string model_path = temp("errors.h5");
  saved_mlp(model_path);
  st::data::write_npy(temp("ok_x.npy"), sample_inputs(4, 5));
  st::data::write_npy(temp("bad_x.npy"), sample_inputs(4, 6));
  std::ofstream(temp("text.h5")) << "not a model";
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  std::vector<Case> cases{
      {{}, 2, "usage: strata <command>"},
      {{"train"}, 2, "strata: unknown command 'train'"},
      {{"summary"}, 2, "strata summary: missing argument: expected FILE"},
      {{"summary", "a.h5", "b.h5"}, 2, "unexpected argument 'b.h5'"},
      {{"summary", model_path, "--verbose"}, 2, "strata summary: unknown option '--verbose'"},
      {{"predict", model_path, "--input", temp("ok_x.npy")}, 2, "missing option '--output Y.npy'"},
      {{"predict", model_path, "--output", temp("err_y.npy")}, 2, "missing option '--input X.npy'"},
      {{"predict", model_path, "--input"}, 2, "option '--input' needs a value"},
      {{"predict", model_path, "--input", temp("ok_x.npy"), "--output", temp("err_y.npy"), "--batch-size", "0"}, 2,
       "option '--batch-size' needs a positive integer, got '0'"},
      {{"predict", model_path, "--input", temp("ok_x.npy"), "--output", temp("err_y.npy"), "--batch-size", "8x"}, 2,
       "needs a positive integer, got '8x'"},
      {{"predict", model_path, "--input2", temp("ok_x.npy"), "--output", temp("err_y.npy")}, 2,
       "option '--input2' is given without '--input'"},
      {{"summary", temp("missing.h5")}, 3, "No such file: '" + temp("missing.h5") + "'"},
      {{"summary", temp("text.h5")}, 3, temp("text.h5")},
      {{"inspect", temp("text.h5")}, 3, "is neither an HDF5 file nor a .keras zip"},
      {{"predict", model_path, "--input", temp("missing.npy"), "--output", temp("err_y.npy")}, 3, "missing.npy"},
      {{"predict", model_path, "--input", temp("bad_x.npy"), "--output", temp("err_y.npy")}, 4, "strata predict: error:"},
      {{"predict", model_path, "--input", temp("ok_x.npy"), "--output", temp("no/such/dir/y.npy")}, 3, "write_npy"},
  };
  if (have_fixture())
    cases.push_back({{"summary", (mlp_fixture() / "simple_sparse_xent_mlp_keras_2_weights.h5").string()}, 4, "holds only weights"});
  for (const auto& c : cases) {
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    CAPTURE(line);
    auto result = strata_cli(c.args);
    CHECK(result.exit_code == c.exit_code);
    CHECK(result.output.find(c.message) != std::string::npos);
    if (result.output.find(c.message) == std::string::npos) MESSAGE(result.output);
  }
  CHECK_FALSE(fs::exists(temp("err_y.npy")));  // nothing is written on failure
}
