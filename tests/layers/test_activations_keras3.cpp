// The activations Keras 3 added (keras/src/activations/__init__.py): every name keras.activations.get
// knows resolves here too (threshold aside: it needs arguments), values against the formulas of
// Keras's keras/src/backend/numpy/nn.py, float64 gradients against central differences, and the
// name serializes back. Also the data_format gaps: Flatten and ZeroPadding1D with channels_first.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/layers/activations.hpp"
#include "strata/layers/layers.hpp"
#include "support/gradient_check.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::check_gradients;
using strata::testing::f64;

namespace {

// Away from every kink of the functions below (0, +-0.5, +-1, +-3).
const std::vector<double> kPoints = {-4.2, -2.3, -1.4, -0.8, -0.3, 0.2, 0.7, 1.3, 2.2, 3.7};

double sigmoid_of(double x) { return 1 / (1 + std::exp(-x)); }
double softplus_of(double x) { return std::log1p(std::exp(x)); }

struct Case {
  const char* name;
  std::function<double(double)> formula;
};

const std::vector<Case>& elementwise_cases() {
  static const std::vector<Case> cases = {
      {"celu", [](double x) { return std::max(x, 0.0) + std::expm1(std::min(x, 0.0)); }},
      {"hard_tanh", [](double x) { return std::clamp(x, -1.0, 1.0); }},
      {"hard_shrink", [](double x) { return std::abs(x) > 0.5 ? x : 0.0; }},
      {"soft_shrink", [](double x) { return x > 0.5 ? x - 0.5 : (x < -0.5 ? x + 0.5 : 0.0); }},
      {"tanh_shrink", [](double x) { return x - std::tanh(x); }},
      {"log_sigmoid", [](double x) { return -softplus_of(-x); }},
      {"sparse_plus", [](double x) { return x <= -1 ? 0.0 : (x < 1 ? 0.25 * (x + 1) * (x + 1) : x); }},
      {"sparse_sigmoid", [](double x) { return x <= -1 ? 0.0 : (x >= 1 ? 1.0 : 0.5 * (x + 1)); }},
      {"squareplus", [](double x) { return (x + std::sqrt(x * x + 4)) / 2; }},
      {"hard_silu", [](double x) { return x * std::clamp(x + 3, 0.0, 6.0) / 6; }},
      {"hard_swish", [](double x) { return x * std::clamp(x + 3, 0.0, 6.0) / 6; }},
      {"mish", [](double x) { return x * std::tanh(softplus_of(x)); }},
  };
  return cases;
}

std::vector<double> vals(const Tensor& t) { return cast(t, float64).to_vector<double>(); }

void check_values(const Tensor& got, const std::vector<double>& want, double tol = 1e-12) {
  const auto g = vals(got);
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO(i);
    CHECK(g[i] == doctest::Approx(want[i]).epsilon(tol).scale(1.0));
  }
}

}  // namespace

TEST_CASE("activations: every name of Keras 3's keras.activations.get resolves") {
  for (const char* name : {"relu", "leaky_relu", "relu6", "softmax", "celu", "elu", "selu", "softplus", "softsign",
                           "squareplus", "soft_shrink", "sparse_plus", "silu", "swish", "gelu", "glu", "tanh",
                           "tanh_shrink", "sigmoid", "sparse_sigmoid", "exponential", "hard_sigmoid", "hard_silu",
                           "hard_swish", "hard_tanh", "hard_shrink", "linear", "mish", "log_softmax", "log_sigmoid",
                           "sparsemax"}) {
    INFO(name);
    const auto a = activations::get(name);
    CHECK(a.name == name);
    CHECK(activations::serialize(a) == name);
    CHECK(Activation(name)->get_config()["activation"] == name);
  }
  CHECK_THROWS_AS(activations::get("mish_typo"), ValueError);
}

TEST_CASE("activations: Keras 3's element-wise activations, values and float64 gradients") {
  const Tensor x = f64(kPoints, Shape{2, 5});
  for (const auto& c : elementwise_cases()) {
    INFO(c.name);
    std::vector<double> want;
    for (double v : kPoints) want.push_back(c.formula(v));
    const auto fn = activations::get(c.name);
    check_values(fn(x), want);
    check_values(fn(cast(x, float32)), want, 1e-5);
    check_gradients([&fn](const std::vector<Tensor>& in) { return fn(in[0]); }, {x});
  }
}

TEST_CASE("activations: glu halves the last axis") {
  const auto glu = activations::get("glu");
  const Tensor x = f64({1, 2, -1, 0.5, 3, -2}, Shape{1, 6});
  check_values(glu(x), {1 * sigmoid_of(0.5), 2 * sigmoid_of(3), -1 * sigmoid_of(-2)});
  CHECK(glu(x).shape() == Shape{1, 3});
  CHECK_THROWS_AS(glu(f64({1, 2, 3}, Shape{1, 3})), ValueError);
  check_gradients([&glu](const std::vector<Tensor>& in) { return glu(in[0]); },
                  {strata::testing::random_f64({2, 3, 4}, -2, 2, 5)});
}

TEST_CASE("activations: sparsemax projects the last axis onto the simplex") {
  const auto sparsemax = activations::get("sparsemax");
  // Martins & Astudillo's examples; Keras's own test (one-hot for 1..12).
  check_values(sparsemax(f64({0.0, 0.5, 1.0}, Shape{1, 3})), {0, 0.25, 0.75});
  check_values(sparsemax(f64({0.1, 0.2, 0.3, 0.4, 0.5}, Shape{1, 5})), {0, 0.1, 0.2, 0.3, 0.4});
  std::vector<double> ramp, one_hot(12, 0.0);
  for (int i = 1; i <= 12; ++i) ramp.push_back(i);
  one_hot[11] = 1;
  check_values(sparsemax(f64(ramp, Shape{12})), one_hot);
  // Ties share alike; rows are independent and each sums to 1.
  check_values(sparsemax(f64({1, 1, -5, 0.3, 0.2, 0.1}, Shape{2, 3})),
               {0.5, 0.5, 0, 0.3 - (0.6 - 1) / 3, 0.2 - (0.6 - 1) / 3, 0.1 - (0.6 - 1) / 3});
  const Tensor x = strata::testing::distinct_f64({3, 6}, -1.5, 1.5, 21);
  const auto y = vals(sparsemax(x));
  for (int r = 0; r < 3; ++r) {
    double total = 0;
    for (int c = 0; c < 6; ++c) {
      CHECK(y[static_cast<std::size_t>(r * 6 + c)] >= 0);
      total += y[static_cast<std::size_t>(r * 6 + c)];
    }
    CHECK(total == doctest::Approx(1.0));
  }
  check_gradients([&sparsemax](const std::vector<Tensor>& in) { return sparsemax(in[0]); }, {x});
}

TEST_CASE("activations: the new names work in layers and load from configs") {
  auto dense = layer_from_config(Config::parse(
      R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "mish"}})"));
  dense->ensure_built(Shape{1, 2});
  dense->set_weights({eye(2, 2, float32), zeros({2}, float32)});
  const Tensor x = Tensor::from_vector(std::vector<float>{-1.4f, 0.7f}, Shape{1, 2});
  check_values((*dense)(x), {-1.4 * std::tanh(softplus_of(-1.4)), 0.7 * std::tanh(softplus_of(0.7))}, 1e-5);
  CHECK(dense->get_config()["activation"] == "mish");
  auto act = layer_from_config(Config::parse(R"({"class_name": "Activation", "config": {"name": "a",
      "activation": {"module": "keras.activations", "class_name": "function", "config": "hard_silu", "registered_name": null}}})"));
  check_values((*act)(x), {-1.4 * 1.6 / 6, 0.7 * 3.7 / 6}, 1e-5);
}

TEST_CASE("Flatten: channels_first moves the channels last before flattening, as Keras") {
  // (1, 2 channels, 2, 2): channel 0 holds 0..3, channel 1 holds 10..13.
  const Tensor x = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 10, 11, 12, 13}, Shape{1, 2, 2, 2});
  auto first = layer_from_config(Config::parse(
      R"({"class_name": "Flatten", "config": {"name": "f", "data_format": "channels_first"}})"));
  check_values((*first)(x), {0, 10, 1, 11, 2, 12, 3, 13});
  CHECK(first->get_config()["data_format"] == "channels_first");
  CHECK(first->compute_output_shape(Shape{-1, 2, 2, 2}) == Shape{-1, 8});
  check_values((*Flatten())(x), {0, 1, 2, 3, 10, 11, 12, 13});
  // Rank 2 (nothing to move) and the round trip.
  const Tensor flat = Tensor::from_vector(std::vector<float>{1, 2, 3}, Shape{1, 3});
  check_values((*first)(flat), {1, 2, 3});
  auto again = layer_from_config(serialize_layer(*first));
  check_values((*again)(x), {0, 10, 1, 11, 2, 12, 3, 13});
  CHECK_THROWS_AS(Flatten({.data_format = "channels_middle"}), ValueError);
  // Gradients flow through the transpose.
  auto f = Flatten({.data_format = "channels_first"});
  check_gradients([&f](const std::vector<Tensor>& in) { return f->call(in[0]); },  // call: no cast to float32
                  {strata::testing::random_f64({2, 3, 2, 2})});
}

TEST_CASE("ZeroPadding1D: channels_first pads the last axis (Keras 3.5+)") {
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, Shape{1, 2, 2});
  auto pad = layer_from_config(Config::parse(
      R"({"class_name": "ZeroPadding1D", "config": {"name": "z", "padding": [1, 2], "data_format": "channels_first"}})"));
  check_values((*pad)(x), {0, 1, 2, 0, 0, 0, 3, 4, 0, 0});
  CHECK(pad->get_config()["data_format"] == "channels_first");
  // channels_last writes no data_format: Keras before 3.5 rejects the key.
  CHECK_FALSE(ZeroPadding1D(1)->get_config().contains("data_format"));
}
