// The interpreter on .tflite files written by TensorFlow's converter (../shared/fixtures/tflite):
// the outputs the fixtures' README gives, bit-exact for int8 where it says so.
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lite/lite_test_util.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/models/lite/interpreter.hpp"

using strata::lite::ElementType;
using strata::lite::Interpreter;
using strata::lite::testing::tflite_fixture;

namespace {

nlohmann::json expected(const std::string& folder) {
  std::ifstream in(tflite_fixture(folder + "/expected.json"));
  return nlohmann::json::parse(in);
}

bool have_fixtures() { return std::filesystem::exists(tflite_fixture("hello_world/hello_world_float.tflite")); }

}  // namespace

TEST_CASE("lite: hello_world float matches Arm NN's outputs") {
  if (!have_fixtures()) return;
  Interpreter interpreter(tflite_fixture("hello_world/hello_world_float.tflite").string());
  interpreter.allocate_tensors();
  const auto in = interpreter.get_input_details();
  const auto out = interpreter.get_output_details();
  REQUIRE(in.size() == 1);
  REQUIRE(out.size() == 1);
  CHECK(in[0].name == "serving_default_dense_input:0");
  CHECK(in[0].index == 0);
  CHECK(in[0].shape == std::vector<std::int64_t>{1, 1});
  CHECK(in[0].shape_signature == std::vector<std::int64_t>{-1, 1});
  CHECK(in[0].dtype == ElementType::float32);
  CHECK(out[0].index == 9);
  // 1x16 + 16x16 + 16x1 multiply-adds, and the 16 + 16 + 1 outputs.
  CHECK(interpreter.operation_count() == 321);
  const auto e = expected("hello_world")["hello_world_float.tflite"];
  for (const char* key : {"armnn", "armnn_sweep"}) {
    const auto xs = e[key]["inputs"].get<std::vector<float>>();
    const auto ys = e[key]["outputs"].get<std::vector<double>>();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      interpreter.set_tensor(0, std::vector<float>{xs[i]});
      interpreter.invoke();
      const auto y = interpreter.get_output<float>(0);
      REQUIRE(y.size() == 1);
      CHECK(y[0] == doctest::Approx(ys[i]).epsilon(1e-5));
      CHECK(std::abs(std::sin(xs[i]) - y[0]) <= 0.08);
    }
  }
}

TEST_CASE("lite: hello_world float resizes to a batch") {
  if (!have_fixtures()) return;
  Interpreter interpreter(tflite_fixture("hello_world/hello_world_float.tflite").string());
  interpreter.resize_input_tensor(0, {4, 1});
  interpreter.allocate_tensors();
  CHECK(interpreter.get_output_details()[0].shape == std::vector<std::int64_t>{4, 1});
  interpreter.set_tensor(0, std::vector<float>{0.0f, 1.0f, 3.0f, 5.0f});
  interpreter.invoke();
  const auto y = interpreter.get_output<float>(0);
  const std::vector<double> armnn{0.02640528976917267, 0.8630436062812805, 0.12764602899551392, -0.9565187692642212};
  REQUIRE(y.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(y[i] == doctest::Approx(armnn[i]).epsilon(1e-5));
  CHECK_THROWS_AS(interpreter.resize_input_tensor(0, {4, 2}), strata::ValueError);  // signature [-1, 1]
}

TEST_CASE("lite: hello_world int8 is bit-exact with TFLite's fixed-point reference") {
  if (!have_fixtures()) return;
  Interpreter interpreter(tflite_fixture("hello_world/hello_world_int8.tflite").string());
  interpreter.allocate_tensors();
  const auto in = interpreter.get_input_details()[0];
  CHECK(in.dtype == ElementType::int8);
  REQUIRE(in.quantization.scale.size() == 1);
  CHECK(in.quantization.scale[0] == doctest::Approx(0.024480115622282028));
  CHECK(in.quantization.zero_point[0] == -128);
  const auto out = interpreter.get_output_details()[0];
  CHECK(out.quantization.zero_point[0] == 5);
  const auto e = expected("hello_world")["hello_world_int8.tflite"];
  const auto run = [&](int x) {
    interpreter.set_tensor(0, std::vector<std::int8_t>{static_cast<std::int8_t>(x)});
    interpreter.invoke();
    return static_cast<int>(interpreter.get_output<std::int8_t>(0).at(0));
  };
  const auto test_in = e["armnn"]["inputs_int8"].get<std::vector<int>>();
  const auto test_out = e["armnn"]["outputs_int8"].get<std::vector<int>>();
  for (std::size_t i = 0; i < test_in.size(); ++i) CHECK(run(test_in[i]) == test_out[i]);
  const auto sweep_in = e["tflite_fixed_point_reference_sweep"]["inputs_int8"].get<std::vector<int>>();
  const auto sweep_out = e["tflite_fixed_point_reference_sweep"]["outputs_int8"].get<std::vector<int>>();
  REQUIRE(sweep_in.size() == 256);
  int mismatches = 0;
  for (std::size_t i = 0; i < sweep_in.size(); ++i) mismatches += run(sweep_in[i]) != sweep_out[i];
  CHECK(mismatches == 0);
  // Within a few LSB of Arm NN, which requantizes through float.
  const auto armnn_out = e["armnn_sweep_all_int8_inputs"]["outputs_int8"].get<std::vector<int>>();
  for (std::size_t i = 0; i < sweep_in.size(); ++i) CHECK(std::abs(run(sweep_in[i]) - armnn_out[i]) <= 3);
}

TEST_CASE("lite: mnist_lstm float classifies the 10 samples as the reference does") {
  if (!have_fixtures()) return;
  Interpreter interpreter(tflite_fixture("mnist_lstm/trained_lstm.tflite").string());
  interpreter.allocate_tensors();
  const auto in = interpreter.get_input_details()[0];
  CHECK(in.shape == std::vector<std::int64_t>{1, 28, 28});
  const auto inputs = strata::data::read_npy(tflite_fixture("mnist_lstm/inputs.npy"));
  const auto all = inputs.to_vector<float>();
  const auto e = expected("mnist_lstm");
  const auto probabilities = e["reference_float_model_probabilities"]["probabilities"];
  const auto labels = e["labels"].get<std::vector<int>>();
  for (int sample = 0; sample < 10; ++sample) {
    interpreter.reset_all_variables();
    std::vector<float> x(all.begin() + sample * 784, all.begin() + (sample + 1) * 784);
    interpreter.set_tensor(in.index, x);
    interpreter.invoke();
    const auto y = interpreter.get_output<float>(0);
    REQUIRE(y.size() == 10);
    const auto best = std::max_element(y.begin(), y.end()) - y.begin();
    CHECK(best == labels[static_cast<std::size_t>(sample)]);
    for (std::size_t k = 0; k < 10; ++k)
      CHECK(y[k] == doctest::Approx(probabilities[static_cast<std::size_t>(sample)][k].get<double>()).epsilon(1e-5).scale(1e-5));
  }
}

// The raw int8 data of a .npy file (version 1 header; C order).
std::vector<std::int8_t> read_int8_npy(const std::filesystem::path& path) {
  const auto bytes = strata::lite::testing::read_bytes(path);
  REQUIRE(bytes.size() > 10);
  const std::size_t header = 10 + bytes[8] + 256u * bytes[9];
  const std::string text(bytes.begin() + 10, bytes.begin() + static_cast<std::ptrdiff_t>(header));
  REQUIRE(text.find("'|i1'") != std::string::npos);
  return {bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end()};
}

TEST_CASE("lite: mnist_lstm int8 (TFLite Micro's integer LSTM) classifies the 10 samples") {
  if (!have_fixtures()) return;
  Interpreter interpreter(tflite_fixture("mnist_lstm/trained_lstm_int8.tflite").string());
  interpreter.allocate_tensors();
  const auto in = interpreter.get_input_details()[0];
  CHECK(in.dtype == ElementType::int8);
  CHECK(in.quantization.zero_point[0] == -128);
  const auto out = interpreter.get_output_details()[0];
  CHECK(out.index == 26);
  CHECK(out.quantization.scale[0] == doctest::Approx(0.00390625));
  const auto all = read_int8_npy(tflite_fixture("mnist_lstm/inputs_int8.npy"));
  REQUIRE(all.size() == 7840);
  const auto e = expected("mnist_lstm");
  const auto probabilities = e["reference_float_model_probabilities"]["probabilities"];
  const auto labels = e["labels"].get<std::vector<int>>();
  double worst = 0.0;
  for (int sample = 0; sample < 10; ++sample) {
    interpreter.reset_all_variables();
    std::vector<std::int8_t> x(all.begin() + sample * 784, all.begin() + (sample + 1) * 784);
    interpreter.set_tensor(in.index, x);
    interpreter.invoke();
    const auto q = interpreter.get_output<std::int8_t>(0);
    REQUIRE(q.size() == 10);
    CHECK(std::max_element(q.begin(), q.end()) - q.begin() == labels[static_cast<std::size_t>(sample)]);
    for (std::size_t k = 0; k < 10; ++k)
      worst = std::max(worst, std::abs(0.00390625 * (q[k] + 128) -
                                       probabilities[static_cast<std::size_t>(sample)][k].get<double>()));
  }
  MESSAGE("largest |int8 - float| probability: " << worst);
  CHECK(worst <= 1e-2);  // upstream evaluate_test.py testQuantOutputs
}
