// Hostile model configs and archives (what the fuzz target in tests/fuzz feeds the loaders): each
// raises a strata error with a clear message, never another exception, a crash or UB.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include "strata/layers/weight_limit.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;

namespace {

using st::testing::message_of;

const st::testing::TempDir temp_dir("untrusted");
std::string temp(const std::string& name) { return temp_dir.file(name); }

std::string sequential(const std::string& dense_config, const std::string& batch_shape = "[null, 4]") {
  return R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)"
         R"({"class_name": "InputLayer", "config": {"batch_shape": )" +
         batch_shape + R"(}}, {"class_name": "Dense", "config": )" + dense_config + "}]}}";
}

}  // namespace

TEST_CASE("untrusted configs: wrong JSON types are ValueErrors naming the model class") {
  const std::string functional = R"({"class_name": "Functional", "config": {"layers": [3]}})";
  CHECK_THROWS_AS(st::models::model_from_json(functional), st::ValueError);
  CHECK(message_of([&] { st::models::model_from_json(functional); }).find("'Functional'") != std::string::npos);
  CHECK_THROWS_AS(st::models::model_from_json(sequential(R"({"units": "eight"})")), st::ValueError);
}

TEST_CASE("untrusted configs: floats beyond the integer range are refused before any conversion") {
  // get<std::int64_t>() of 1e300 would be undefined behaviour.
  const std::string message = message_of([&] { st::models::model_from_json(sequential(R"({"units": 1e300})")); });
  CHECK(message.find("out of range") != std::string::npos);
  CHECK(message.find("/config/layers/1/config/units") != std::string::npos);
  CHECK_THROWS_AS(st::models::model_from_json(sequential(R"({"units": 3})", "[null, 4.0e12]")), st::ValueError);
  // Integer-valued floats in range are still read (Keras 1 files write some counts as floats).
  CHECK(st::models::model_from_json(sequential(R"({"units": 3.0})"))->count_params() == 15);
}

TEST_CASE("untrusted configs: sizes that overflow or cannot be allocated are ValueErrors") {
  // 4 * 2^62 elements overflow 64 bits.
  CHECK_THROWS_AS(st::models::model_from_json(sequential(R"({"units": 4611686018427387904})")), st::ValueError);
  // 4 * 10^11 floats (1.6 TB): refused by the weight limit before anything is allocated.
  const std::string message = message_of([&] { st::models::model_from_json(sequential(R"({"units": 100000000000})")); });
  CAPTURE(message);
  CHECK(message.find("weight 'kernel' of shape (4, 100000000000)") != std::string::npos);
  CHECK_THROWS_AS(st::models::model_from_json(sequential(R"({"units": 100000000000})")), st::ValueError);
}

TEST_CASE("untrusted configs: the per-weight limit is adjustable") {
  const auto saved = st::max_weight_bytes();
  CHECK(saved == (16ull << 30));
  st::set_max_weight_bytes(4 * 100 * 4 - 1);  // one byte short of a (4, 100) float32 kernel
  CHECK_THROWS_AS(st::models::model_from_json(sequential(R"({"units": 100})")), st::ValueError);
  st::set_max_weight_bytes(4 * 100 * 4);
  CHECK(st::models::model_from_json(sequential(R"({"units": 100})"))->count_params() == 500);
  st::set_max_weight_bytes(saved);
}

TEST_CASE("untrusted configs: deep nesting is refused without recursing through it") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string message = message_of([&] { st::models::model_from_json(deep); });
  CHECK(message.find("nested deeper than 256") != std::string::npos);
  const std::string wrapped = R"({"class_name": "Sequential", "config": )" + deep + "}";
  CHECK_THROWS_AS(st::models::model_from_json(wrapped), st::ValueError);
}

TEST_CASE("untrusted archives: a deflated member declaring an impossible size is refused before allocating") {
  // A valid zip (stored) whose central directory then claims method 8 and 10 GB for 8 bytes.
  const std::string path = temp("bomb.zip");
  {
    st::saving::zip::Writer w(path);
    w.add("model.weights.h5", "12345678");
    w.commit();
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), {});
  }
  const auto cd = bytes.find(std::string("PK\x01\x02", 4));
  REQUIRE(cd != std::string::npos);
  bytes[cd + 10] = 8;                                                   // method: deflated
  bytes[8] = 8;                                                         // in the local header too
  const std::string ten_gb("\x00\x00\x00\x80", 4);                     // 2^31 (size fields are 32-bit)
  bytes.replace(cd + 24, 4, ten_gb);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto r = st::saving::zip::Reader::open(path);
  const std::string message = message_of([&] { r.read("model.weights.h5"); });
  CHECK(message.find("from only 8 deflated bytes") != std::string::npos);
  CHECK_THROWS_AS(st::models::load_model(path), st::IOError);
}
