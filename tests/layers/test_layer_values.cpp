// Layers against Keras-exact values, and their refusals of bad arguments and inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "strata/strata.hpp"

using namespace strata;
using namespace strata::layers;

namespace {
void check_close(const Tensor& got, const std::vector<double>& expected, double tol = 1e-6) {
  const auto v = got.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol).scale(1.0));
  }
}
const Tensor kRow({{-3.0, -1.0, -0.5, 0.0, 0.05, 0.5, 1.0, 2.0, 7.0}});
}  // namespace

TEST_CASE("layers: Dense with set weights") {
  auto dense = Dense(3, "relu");
  dense->ensure_built(Shape{-1, 2});
  dense->set_weights({Tensor({{1.0, 0.0, -1.0}, {2.0, 1.0, 0.0}}), Tensor({0.5, -0.5, 0.0})});
  check_close(dense(Tensor({{1.0, 2.0}, {3.0, 4.0}})), {5.5, 1.5, 0.0, 11.5, 3.5, 0.0});
  CHECK(dense->kernel().shape() == Shape{2, 3});
  CHECK(dense->count_params() == 9);
  // Wrong weight shape: ValueError naming the layer, weights unchanged.
  try {
    dense->set_weights({zeros(Shape{3, 2}), zeros(Shape{3})});
    FAIL("a wrong shape was accepted");
  } catch (const ValueError& e) {
    CHECK(std::string(e.what()).find(dense->name()) != std::string::npos);
    CHECK(std::string(e.what()).find("(3, 2)") != std::string::npos);
  }
  check_close(dense->kernel(), {1, 0, -1, 2, 1, 0});
  // Inputs of another last dimension after the build.
  CHECK_THROWS_AS(dense(zeros(Shape{2, 5})), ShapeError);
  // Initializers by name and object.
  auto ones_dense = Dense(2, {.kernel_initializer = "ones", .bias_initializer = initializers::Constant(0.5)});
  check_close(ones_dense(Tensor({{1.0, 2.0}})), {3.5, 3.5});
}

TEST_CASE("layers: weight regularizers and constraints reach the layer") {
  auto dense = Dense(2, {.kernel_initializer = "ones",
                         .kernel_regularizer = regularizers::L2(0.1),
                         .activity_regularizer = regularizers::L1(0.5),
                         .kernel_constraint = constraints::NonNeg()});
  dense->clear_losses();
  (void)dense(Tensor({{1.0, -1.0, 2.0}}));  // outputs [2, 2], kernel 3x2 of ones
  double total = 0;
  for (const auto& loss : dense->losses()) total += loss.item<double>();
  CHECK(total == doctest::Approx(0.5 * 4 + 0.1 * 6));
  REQUIRE(dense->constraint_of(dense->kernel()) != nullptr);
  CHECK(dense->constraint_of(dense->kernel())->class_name() == "NonNeg");
  CHECK(dense->constraint_of(dense->bias()) == nullptr);
}

TEST_CASE("layers: ReLU variants as keras.layers.ReLU") {
  check_close(ReLU()(kRow), {0, 0, 0, 0, 0.05, 0.5, 1, 2, 7});
  check_close(ReLU({.max_value = 6.0})(kRow), {0, 0, 0, 0, 0.05, 0.5, 1, 2, 6});
  check_close(ReLU({.max_value = 1.5})(kRow), {0, 0, 0, 0, 0.05, 0.5, 1, 1.5, 1.5});
  check_close(ReLU({.negative_slope = 0.2})(kRow), {-0.6, -0.2, -0.1, 0, 0.05, 0.5, 1, 2, 7});
  check_close(ReLU({.threshold = 1.0})(kRow), {0, 0, 0, 0, 0, 0, 0, 2, 7});
  check_close(ReLU({.max_value = 1.5, .negative_slope = 0.1, .threshold = 0.1})(kRow),
              {-0.31, -0.11, -0.06, -0.01, -0.005, 0.5, 1, 1.5, 1.5});
  CHECK_THROWS_AS(ReLU({.max_value = -1.0}), ValueError);
  CHECK_THROWS_AS(ReLU({.negative_slope = -0.1}), ValueError);
  CHECK_THROWS_AS(ReLU({.threshold = -0.1}), ValueError);
  CHECK(ReLU()->name().starts_with("re_lu"));
}

TEST_CASE("layers: LeakyReLU, ELU, ThresholdedReLU and Softmax values") {
  check_close(LeakyReLU()(kRow), {-0.9, -0.3, -0.15, 0, 0.05, 0.5, 1, 2, 7});
  check_close(LeakyReLU(0.01)(kRow), {-0.03, -0.01, -0.005, 0, 0.05, 0.5, 1, 2, 7});
  CHECK_THROWS_AS(LeakyReLU(-0.5), ValueError);
  check_close(ELU(0.5)(kRow), {0.5 * std::expm1(-3.0), 0.5 * std::expm1(-1.0), 0.5 * std::expm1(-0.5), 0, 0.05, 0.5, 1,
                               2, 7});
  check_close(ELU()(Tensor({-1.0})), {std::expm1(-1.0)});
  // ThresholdedReLU keeps x only strictly above theta (1 stays 0 at the default theta = 1).
  check_close(ThresholdedReLU()(kRow), {0, 0, 0, 0, 0, 0, 0, 2, 7});
  check_close(ThresholdedReLU(0.0)(kRow), {0, 0, 0, 0, 0.05, 0.5, 1, 2, 7});
  CHECK_THROWS_WITH_AS(ThresholdedReLU(-0.1), doctest::Contains("theta value of a Thresholded ReLU layer should be >=0"),
                       ValueError);
  const Tensor x({{1.0, 2.0}, {3.0, 5.0}});
  const double a = 1 / (1 + std::exp(-1.0)), b = 1 / (1 + std::exp(-2.0));
  check_close(Softmax()(x), {1 - a, a, 1 - b, b});
  check_close(Softmax({.axis = 0})(x), {1 / (1 + std::exp(2.0)), 1 / (1 + std::exp(3.0)), 1 / (1 + std::exp(-2.0)),
                                        1 / (1 + std::exp(-3.0))});
  CHECK_THROWS_AS(Softmax({.axis = 2})(x), ShapeError);
}

TEST_CASE("layers: PReLU weights and values") {
  auto prelu = PReLU();
  const Tensor x({{{-1.0, 2.0}, {-3.0, -4.0}, {5.0, -6.0}}});  // (1, 3, 2)
  check_close(prelu(x), {0, 2, 0, 0, 5, 0});  // alpha starts at zero
  REQUIRE(prelu->weights().size() == 1);
  CHECK(prelu->alpha().shape() == Shape{3, 2});
  prelu->set_weights({Tensor({{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}})});
  check_close(prelu(x), {-0.1, 2, -0.9, -1.6, 5, -3.6});

  auto shared = PReLU({.alpha_initializer = initializers::Constant(0.5), .shared_axes = {1}});
  check_close(shared(x), {-0.5, 2, -1.5, -2, 5, -3});
  CHECK(shared->alpha().shape() == Shape{1, 2});
  auto all_shared = PReLU({.shared_axes = {1, 2}});
  (void)all_shared(x);
  CHECK(all_shared->alpha().shape() == Shape{1, 1});
  CHECK_THROWS_AS(PReLU({.shared_axes = {3}})(x), ValueError);
  // Built for (3, 2): another shape is refused.
  CHECK_THROWS_AS(prelu(zeros(Shape{1, 4, 2})), ShapeError);
  // The alpha regularizer and constraint reach the layer.
  auto reg = PReLU({.alpha_initializer = "ones", .alpha_regularizer = regularizers::L1(0.5),
                    .alpha_constraint = constraints::NonNeg()});
  (void)reg(x);
  REQUIRE(reg->losses().size() == 1);
  CHECK(reg->losses()[0].item<double>() == doctest::Approx(3.0));
  CHECK(reg->constraint_of(reg->alpha()) != nullptr);
}

TEST_CASE("layers: Permute, RepeatVector and Reshape values") {
  const Tensor x({{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}});  // (1, 2, 3)
  const Tensor p = Permute({2, 1})(x);
  CHECK(p.shape() == Shape{1, 3, 2});
  check_close(p, {1, 4, 2, 5, 3, 6});
  CHECK_THROWS_AS(Permute({1, 3}), ValueError);
  CHECK_THROWS_AS(Permute({0, 1}), ValueError);
  CHECK(Permute({2, 1})->compute_output_shape(Shape{-1, 2, 5}) == Shape{-1, 5, 2});

  const Tensor r = RepeatVector(3)(Tensor({{1.0, 2.0}, {3.0, 4.0}}));
  CHECK(r.shape() == Shape{2, 3, 2});
  check_close(r, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  CHECK_THROWS_AS(RepeatVector(0), ValueError);

  const Tensor s = Reshape({3, 2})(x);
  CHECK(s.shape() == Shape{1, 3, 2});
  check_close(s, {1, 2, 3, 4, 5, 6});
  CHECK(Reshape({-1})(x).shape() == Shape{1, 6});
  CHECK(Reshape({-1, 3})->compute_output_shape(Shape{-1, 2, 3}) == Shape{-1, 2, 3});
  CHECK(Reshape({-1, 3})->compute_output_shape(Shape{-1, -1, 3}) == Shape{-1, -1, 3});
  CHECK_THROWS_AS(Reshape({-1, -1}), ValueError);
  CHECK_THROWS_AS(Reshape({0, 2}), ValueError);
  try {
    auto bad = Reshape({4});
    (void)bad(x);
    FAIL("a reshape of 6 values into 4 was accepted");
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("(1, 2, 3)") != std::string::npos);
  }
}

TEST_CASE("layers: Dropout statistics in training, identity at inference") {
  const Tensor x = ones(Shape{200, 500});
  auto dropout = Dropout(0.3, {.seed = 11});
  check_close(dropout(x), std::vector<double>(100000, 1.0));  // training defaults to false
  const auto v = dropout(x, true).to_vector<float>();
  std::size_t zeros_count = 0;
  for (float value : v) {
    if (value == 0.0f)
      ++zeros_count;
    else
      CHECK_MESSAGE(std::abs(value - 1.0f / 0.7f) < 1e-5f, "kept value " << value);
  }
  CHECK(static_cast<double>(zeros_count) / 100000.0 == doctest::Approx(0.3).epsilon(0.03));
  // Seeded: the same masks in the same order for two layers with the same seed.
  auto a = Dropout(0.5, {.seed = 4}), b = Dropout(0.5, {.seed = 4});
  CHECK(a(x, true).to_vector<float>() == b(x, true).to_vector<float>());
  CHECK(a(x, true).to_vector<float>() != a(x, true).to_vector<float>());
  // noise_shape: one mask per row, shared along the features.
  auto rows = Dropout(0.5, {.noise_shape = {-1, 1}, .seed = 2});
  const auto m = rows(ones(Shape{50, 4}), true).to_vector<float>();
  for (std::size_t i = 0; i < 50; ++i)
    for (std::size_t j = 1; j < 4; ++j) CHECK(m[i * 4 + j] == m[i * 4]);
  CHECK_THROWS_AS(Dropout(1.0), ValueError);
}

TEST_CASE("layers: GaussianNoise and GaussianDropout statistics") {
  const Tensor x = ones(Shape{400, 250});
  auto noise = GaussianNoise(0.5, {.seed = 1});
  check_close(noise(x), std::vector<double>(100000, 1.0));
  auto mean_std = [](const Tensor& t) {
    auto v = t.to_vector<double>();
    double m = 0, s = 0;
    for (double e : v) m += e;
    m /= static_cast<double>(v.size());
    for (double e : v) s += (e - m) * (e - m);
    return std::pair{m, std::sqrt(s / static_cast<double>(v.size()))};
  };
  auto [nm, ns] = mean_std(noise(x, true));
  CHECK(nm == doctest::Approx(1.0).epsilon(0.01));
  CHECK(ns == doctest::Approx(0.5).epsilon(0.02));
  CHECK_THROWS_AS(GaussianNoise(-1.0), ValueError);

  auto gd = GaussianDropout(0.2, {.seed = 3});
  check_close(gd(x), std::vector<double>(100000, 1.0));
  auto [gm, gs] = mean_std(gd(x, true));
  CHECK(gm == doctest::Approx(1.0).epsilon(0.01));
  CHECK(gs == doctest::Approx(std::sqrt(0.2 / 0.8)).epsilon(0.02));
  CHECK_THROWS_AS(GaussianDropout(1.5), ValueError);
}

TEST_CASE("layers: ActivityRegularization adds its penalty to the losses") {
  auto layer = ActivityRegularization({.l1 = 0.1, .l2 = 0.01});
  const Tensor x({{1.0, -2.0}, {3.0, -4.0}});
  check_close(layer(x), {1, -2, 3, -4});
  REQUIRE(layer->losses().size() == 1);
  CHECK(layer->losses()[0].item<double>() == doctest::Approx(1.0 + 0.3));
  layer->clear_losses();
  CHECK(layer->losses().empty());
}

TEST_CASE("layers: Lambda calls its function and cannot be serialized") {
  auto lambda = Lambda([](const Tensor& x) { return x * 3.0 + 1.0; });
  check_close(lambda(Tensor({{1.0, 2.0}})), {4, 7});
  try {
    (void)lambda->get_config();
    FAIL("a Lambda layer was serialized");
  } catch (const ValueError& e) {
    const std::string message = e.what();
    CHECK(message.find("Lambda") != std::string::npos);
    CHECK(message.find("cannot be serialized") != std::string::npos);
  }
  CHECK_THROWS_AS(Lambda(nullptr), ValueError);
}

TEST_CASE("layers: the training flag reaches layers called inside another layer") {
  struct Outer : Layer {
    LayerHandle<DropoutLayer> dropout = Dropout(0.5, {.seed = 1});
    Tensor call(const Tensor& x) override { return dropout(x); }
  };
  auto outer = make_layer<Outer>();
  const Tensor x = ones(Shape{10, 10});
  CHECK(outer(x).to_vector<float>() == std::vector<float>(100, 1.0f));
  CHECK(outer(x, true).to_vector<float>() != std::vector<float>(100, 1.0f));
}
