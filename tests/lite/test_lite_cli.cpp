// `strata predict model.tflite --input x.npy --output y.npy`, run as a real process.
#include "lite/lite_test_util.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"
#include "tools/child_process.hpp"

namespace st = strata;
using strata::lite::testing::tflite_fixture;

namespace {
const st::testing::TempDir temp_dir("lite_cli");
}

TEST_CASE("strata CLI: predict runs .tflite files, float and int8") {
  if (!std::filesystem::exists(tflite_fixture("hello_world/hello_world_float.tflite"))) return;
  const std::string x = temp_dir.file("x.npy"), y = temp_dir.file("y.npy");
  st::data::write_npy(x, st::Tensor::from_vector(std::vector<float>{0.0f, 1.0f, 3.0f, 5.0f}, {4, 1}));
  auto result = strata_test::run_command({STRATA_CLI_PATH, "predict",
                                          tflite_fixture("hello_world/hello_world_float.tflite").string(), "--input", x,
                                          "--output", y});
  REQUIRE(result.exit_code == 0);
  auto out = st::data::read_npy(y).to_vector<float>();
  const std::vector<double> armnn{0.02640528976917267, 0.8630436062812805, 0.12764602899551392, -0.9565187692642212};
  REQUIRE(out.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(out[i] == doctest::Approx(armnn[i]).epsilon(1e-5));

  // int8: real inputs quantized, outputs dequantized; the batch axis is fixed, so sample by sample.
  const std::string mnist_y = temp_dir.file("mnist.npy");
  result = strata_test::run_command({STRATA_CLI_PATH, "predict",
                                     tflite_fixture("mnist_lstm/trained_lstm_int8.tflite").string(), "--input",
                                     tflite_fixture("mnist_lstm/inputs.npy").string(), "--output", mnist_y});
  REQUIRE(result.exit_code == 0);
  const auto probabilities = st::data::read_npy(mnist_y);
  REQUIRE(probabilities.shape() == st::Shape{10, 10});
  const auto p = probabilities.to_vector<float>();
  for (int sample = 0; sample < 10; ++sample) {
    const auto row = p.begin() + sample * 10;
    CHECK(std::max_element(row, row + 10) - row == sample);
  }

  // An input of the wrong shape: exit code 4 and a message naming file and model input.
  result = strata_test::run_command({STRATA_CLI_PATH, "predict",
                                     tflite_fixture("hello_world/hello_world_float.tflite").string(), "--input",
                                     tflite_fixture("mnist_lstm/inputs.npy").string(), "--output", y});
  CHECK(result.exit_code == 4);
  CHECK(result.output.find("takes batches of shape (1, 1)") != std::string::npos);
  // A corrupted file.
  const std::string bad = temp_dir.file("bad.tflite");
  {
    auto bytes = strata::lite::testing::read_bytes(tflite_fixture("hello_world/hello_world_float.tflite"));
    bytes.resize(bytes.size() / 2);
    std::ofstream(bad, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                               static_cast<std::streamsize>(bytes.size()));
  }
  result = strata_test::run_command({STRATA_CLI_PATH, "predict", bad, "--input", x, "--output", y});
  CHECK(result.exit_code == 4);
  CHECK(result.output.find("corrupted or truncated") != std::string::npos);
}
