#include "support/masked_reference.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "strata/framework/ops/math.hpp"

namespace strata::testing {

const nlohmann::json& masked_reference() {
  static const nlohmann::json ref = [] {
    std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/masked_training/reference.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }();
  return ref;
}

Tensor reference_tensor(const nlohmann::json& j, DType dtype) {
  return cast(Tensor::from_vector(j["data"].get<std::vector<double>>(), Shape(j["shape"].get<std::vector<std::int64_t>>())),
              dtype);
}

}  // namespace strata::testing
