#include "support/masked_reference.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "strata/framework/ops/math.hpp"

namespace strata::testing {

namespace {
nlohmann::json parse_test_data(const std::string& relative_path) {
  std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/" + relative_path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}
}  // namespace

const nlohmann::json& masked_reference() {
  static const nlohmann::json ref = parse_test_data("masked_training/reference.json");
  return ref;
}

const nlohmann::json& losses_metrics_reference() {
  static const nlohmann::json ref = parse_test_data("losses_metrics_reference.json");
  return ref;
}

Tensor reference_tensor(const nlohmann::json& j, DType dtype) {
  return cast(Tensor::from_vector(j["data"].get<std::vector<double>>(), Shape(j["shape"].get<std::vector<std::int64_t>>())),
              dtype);
}

}  // namespace strata::testing
