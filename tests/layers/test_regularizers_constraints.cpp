// keras.regularizers and keras.constraints: values, names and serialization.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "strata/layers/constraints.hpp"
#include "strata/layers/regularizers.hpp"
#include "strata/strata.hpp"

using namespace strata;

namespace {
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
void check_close(const std::vector<double>& got, const std::vector<double>& expected, double tol = 1e-6) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tol));
}
}  // namespace

TEST_CASE("regularizers: values as Keras (l1 * sum|w|, l2 * sum w^2)") {
  const Tensor w({{1.0, -2.0}, {3.0, -4.0}});
  CHECK((*regularizers::L1(0.1))(w).item<double>() == doctest::Approx(1.0));
  CHECK((*regularizers::L2(0.01))(w).item<double>() == doctest::Approx(0.30));
  CHECK((*regularizers::L1L2(0.1, 0.01))(w).item<double>() == doctest::Approx(1.30));
  CHECK((*regularizers::L1L2())(w).item<double>() == 0.0);
  CHECK((*regularizers::L2())(w).shape() == Shape{});
  CHECK((*regularizers::L2())(w).dtype() == float32);
  // The penalty is differentiable: d/dw l2 * sum(w^2) = 2 l2 w.
  Variable v(w);
  GradientTape tape;
  auto penalty = (*regularizers::L1L2(0.5, 0.25))(v);
  check_close(values(tape.gradient(penalty, v)), {0.5 + 0.5, -0.5 - 1.0, 0.5 + 1.5, -0.5 - 2.0});
  CHECK_THROWS_AS(regularizers::L1(-1.0), ValueError);
  CHECK_THROWS_AS(regularizers::L2(NAN), ValueError);
}

TEST_CASE("regularizers: names and serialization") {
  CHECK(regularizers::get("l1")->class_name() == "L1");
  CHECK(regularizers::get("l2")->get_config() == Config{{"l2", 0.01}});
  CHECK(regularizers::get("l1_l2")->get_config() == Config{{"l1", 0.0}, {"l2", 0.0}});
  CHECK(regularizers::get("L1L2")->class_name() == "L1L2");
  CHECK_THROWS_AS(regularizers::get("l3"), ValueError);
  CHECK(regularizers::serialize(*regularizers::L2(0.5)) ==
        Config::parse(R"({"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5}, "registered_name": null})"));
  for (const auto& r : {regularizers::L1(0.2), regularizers::L2(0.3), regularizers::L1L2(0.1, 0.4)}) {
    const Config s = regularizers::serialize(*r);
    CHECK(regularizers::serialize(*regularizers::deserialize(s)) == s);
    CHECK(regularizers::serialize(*regularizers::deserialize(Config{{"class_name", s["class_name"]}, {"config", s["config"]}})) == s);
  }
  CHECK(regularizers::deserialize(Config("l2"))->class_name() == "L2");
  CHECK(regularizers::deserialize(nullptr) == nullptr);
}

TEST_CASE("constraints: values as Keras") {
  // Columns (axis 0) of norms 5 and 0.5.
  const Tensor w({{3.0, 0.3}, {4.0, 0.4}}, float64);
  const double eps = 1e-7;
  check_close(values((*constraints::MaxNorm(2.0))(w)),
              {3 * 2 / (5 + eps), 0.3 * 0.5 / (0.5 + eps), 4 * 2 / (5 + eps), 0.4 * 0.5 / (0.5 + eps)});
  // Rows (axis 1): norms sqrt(9.09) (under 3.5: kept) and sqrt(16.16) (scaled to 3.5).
  const double n0 = std::sqrt(9.09), n1 = std::sqrt(16.16);
  check_close(values((*constraints::MaxNorm(3.5, {1}))(w)),
              {3 * n0 / (n0 + eps), 0.3 * n0 / (n0 + eps), 4 * 3.5 / (n1 + eps), 0.4 * 3.5 / (n1 + eps)});
  check_close(values((*constraints::UnitNorm())(w)), {3 / (5 + eps), 0.3 / (0.5 + eps), 4 / (5 + eps), 0.4 / (0.5 + eps)});
  // MinMaxNorm(1, 2, rate 0.5): desired = 0.5 * clip(n, 1, 2) + 0.5 * n
  const double d0 = 0.5 * 2 + 0.5 * 5, d1 = 0.5 * 1 + 0.5 * 0.5;
  check_close(values((*constraints::MinMaxNorm(1.0, 2.0, 0.5))(w)),
              {3 * d0 / (5 + eps), 0.3 * d1 / (0.5 + eps), 4 * d0 / (5 + eps), 0.4 * d1 / (0.5 + eps)});
  check_close(values((*constraints::NonNeg())(Tensor({{-1.0, 2.0}, {0.0, -0.5}}, float64))), {0, 2, 0, 0});
  // Over several axes.
  const Tensor cube = ones(Shape{2, 2, 2}, float64);
  check_close(values((*constraints::UnitNorm({0, 1}))(cube)), std::vector<double>(8, 1 / (2 + eps)));
}

TEST_CASE("constraints: names and serialization") {
  CHECK(constraints::get("max_norm")->get_config() == Config{{"max_value", 2.0}, {"axis", 0}});
  CHECK(constraints::get("min_max_norm")->get_config() ==
        Config{{"min_value", 0.0}, {"max_value", 1.0}, {"rate", 1.0}, {"axis", 0}});
  CHECK(constraints::get("non_neg")->class_name() == "NonNeg");
  CHECK(constraints::get("UnitNorm")->class_name() == "UnitNorm");
  CHECK_THROWS_AS(constraints::get("positive"), ValueError);
  CHECK(constraints::serialize(*constraints::MaxNorm(3.0)) ==
        Config::parse(R"({"module": "keras.constraints", "class_name": "MaxNorm",
                          "config": {"max_value": 3.0, "axis": 0}, "registered_name": null})"));
  for (const auto& c : {constraints::MaxNorm(1.5, {0, 1}), constraints::MinMaxNorm(0.5, 2.0, 0.7, {1}),
                        constraints::NonNeg(), constraints::UnitNorm({1})}) {
    const Config s = constraints::serialize(*c);
    CHECK(constraints::serialize(*constraints::deserialize(s)) == s);
    CHECK(constraints::serialize(*constraints::deserialize(Config{{"class_name", s["class_name"]}, {"config", s["config"]}})) == s);
  }
  CHECK(constraints::MaxNorm(1.5, {0, 1})->get_config()["axis"] == Config::array({0, 1}));
}
