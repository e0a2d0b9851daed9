// `strata convert model.h5 model.tflite [--quantize ...]`, then `strata predict` on the file, as
// real processes.
#include <doctest/doctest.h>

#include <filesystem>

#include "strata/framework/data/readers.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"
#include "tools/child_process.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {
const st::testing::TempDir temp_dir("lite_convert_cli");
}

TEST_CASE("strata CLI: convert .h5 to float and int8 .tflite, predict on them") {
  st::set_random_seed(31);
  st::Sequential model({Input({6}), Dense(16, "relu"), Dense(3, "softmax")});
  const std::string h5 = temp_dir.file("m.h5"), f32 = temp_dir.file("m.tflite"), i8 = temp_dir.file("m_int8.tflite");
  const std::string x = temp_dir.file("x.npy"), rep = temp_dir.file("rep.npy"), y = temp_dir.file("y.npy");
  model.save(h5);
  // The inputs lie inside the calibrated range (rep holds them), so int8 only rounds, never clips.
  const st::Tensor calibration = st::normal({50, 6}, {.seed = 33});
  const st::Tensor xs = st::slice(calibration, 0, 0, 5);
  st::data::write_npy(x, xs);
  st::data::write_npy(rep, calibration);
  auto result = strata_test::run_command({STRATA_CLI_PATH, "convert", h5, f32});
  REQUIRE(result.exit_code == 0);
  result = strata_test::run_command({STRATA_CLI_PATH, "predict", f32, "--input", x, "--output", y});
  REQUIRE(result.exit_code == 0);
  const auto expected = model.predict(xs).to_vector<float>();
  auto got = st::data::read_npy(y).to_vector<float>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-5));

  result = strata_test::run_command(
      {STRATA_CLI_PATH, "convert", h5, i8, "--quantize", "int8", "--representative", rep, "--int8-io"});
  REQUIRE(result.exit_code == 0);
  result = strata_test::run_command({STRATA_CLI_PATH, "predict", i8, "--input", x, "--output", y});
  REQUIRE(result.exit_code == 0);
  got = st::data::read_npy(y).to_vector<float>();
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - expected[i]) <= 4.0 / 256.0);

  // Bad input: a representative dataset of the wrong shape (exit 4), a missing one, an unknown mode.
  st::data::write_npy(rep, st::normal({50, 5}, {.seed = 34}));
  result = strata_test::run_command({STRATA_CLI_PATH, "convert", h5, i8, "--quantize", "int8", "--representative", rep});
  CHECK(result.exit_code == 4);
  CHECK(result.output.find("representative dataset has shape (50, 5)") != std::string::npos);
  result = strata_test::run_command({STRATA_CLI_PATH, "convert", h5, i8, "--quantize", "int8"});
  CHECK(result.exit_code == 2);
  result = strata_test::run_command({STRATA_CLI_PATH, "convert", h5, i8, "--quantize", "int4"});
  CHECK(result.exit_code == 2);
  result = strata_test::run_command({STRATA_CLI_PATH, "convert", h5, temp_dir.file("missing/dir/m.tflite")});
  CHECK(result.exit_code == 3);
}
