// Losses against reference values from PyTorch / NumPy (tests/data/make_loss_metric_reference.py),
// reductions and sample_weight, label smoothing, large logits, bad input, and float64 gradient
// checks of every loss through the shared checker.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "strata/losses/losses.hpp"
#include "strata/strata.hpp"
#include "support/gradient_check.hpp"
#include "support/masked_reference.hpp"

namespace st = strata;
namespace losses = strata::losses;
using st::Shape;
using st::Tensor;
using Inputs = std::vector<Tensor>;

namespace {

const nlohmann::json& reference() { return st::testing::losses_metrics_reference(); }

Tensor tensor_of(const nlohmann::json& a, st::DType dtype = st::float64) { return st::testing::reference_tensor(a, dtype); }

void check_close(const Tensor& actual, const nlohmann::json& expected, double tol) {
  const auto values = actual.to_vector<double>();
  const auto want = expected["data"].get<std::vector<double>>();
  REQUIRE(values.size() == want.size());
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(values[i] == doctest::Approx(want[i]).epsilon(tol));
}

std::shared_ptr<losses::Loss> make(const nlohmann::json& c, const std::string& reduction) {
  nlohmann::json config = c["config"];
  config["reduction"] = reduction == "none" ? nlohmann::json(nullptr) : nlohmann::json(reduction);
  return losses::from_config(c["class_name"].get<std::string>(), config);
}

}  // namespace

TEST_CASE("losses: every loss matches the PyTorch / NumPy reference values") {
  for (const auto& c : reference()["losses"]) {
    const std::string name = c["name"].get<std::string>();
    CAPTURE(name);
    // Probabilities of exactly 0 or 1 are clipped to [1e-7, 1 - 1e-7]; in float32 1 - 1e-7 rounds to
    // 1 - 2^-23 (as in Keras's float32 computation), so those cases agree with the float64
    // reference only to about 1%.
    const auto pred_values = c["y_pred"]["data"].get<std::vector<double>>();
    bool saturated = false;
    for (double v : pred_values) saturated = saturated || v == 0.0 || v == 1.0;
    for (auto dtype : {st::float64, st::float32}) {
      const double tol = dtype == st::float64 ? 1e-9 : (saturated ? 2e-2 : 2e-5);
      Tensor y_true = tensor_of(c["y_true"], dtype);
      Tensor y_pred = tensor_of(c["y_pred"], dtype);
      Tensor values = (*make(c, "none"))(y_true, y_pred);
      CHECK(values.dtype() == dtype);
      check_close(values, c["per_sample"], tol);
      CHECK((*make(c, "sum"))(y_true, y_pred).item<double>() == doctest::Approx(c["sum"].get<double>()).epsilon(tol));
      const double mean_expected = c.contains("masked_sum_over_batch_size")
                                       ? c["masked_sum_over_batch_size"].get<double>()
                                       : c["sum_over_batch_size"].get<double>();
      CHECK((*make(c, "sum_over_batch_size"))(y_true, y_pred).item<double>() ==
            doctest::Approx(mean_expected).epsilon(tol));
      if (c.contains("sample_weight")) {
        Tensor sw = tensor_of(c["sample_weight"], dtype);
        CHECK((*make(c, "sum"))(y_true, y_pred, sw).item<double>() ==
              doctest::Approx(c["weighted_sum"].get<double>()).epsilon(tol));
        CHECK((*make(c, "sum_over_batch_size"))(y_true, y_pred, sw).item<double>() ==
              doctest::Approx(c["weighted_sum_over_batch_size"].get<double>()).epsilon(tol));
        CHECK((*make(c, "mean_with_sample_weight"))(y_true, y_pred, sw).item<double>() ==
              doctest::Approx(c["weighted_mean_with_sample_weight"].get<double>()).epsilon(tol));
        // (batch, 1) weights work the same
        Tensor sw_col = st::reshape(sw, {-1, 1});
        CHECK((*make(c, "sum"))(y_true, y_pred, sw_col).item<double>() ==
              doctest::Approx(c["weighted_sum"].get<double>()).epsilon(tol));
      }
    }
  }
}

TEST_CASE("losses: gradients of every loss match finite differences (float64)") {
  using st::testing::check_gradients;
  using st::testing::random_f64;
  const Shape s{4, 3};
  Tensor any = random_f64(s, -1.5, 1.5, 3);
  Tensor targets = random_f64(s, -1.0, 1.0, 5);
  Tensor positive = random_f64(s, 0.2, 2.0, 7);
  Tensor probs = random_f64(s, 0.05, 0.95, 9);
  Tensor binary = st::cast(st::greater(random_f64(s, 0.0, 1.0, 11), st::scalar(0.5, st::float64)), st::float64);
  Tensor onehot = st::one_hot(Tensor({0, 2, 1, 2}, st::int64), 3, st::float64);
  Tensor sparse = Tensor({0, 2, 1, 2}, st::int64);
  Tensor sw = Tensor::from_vector(std::vector<double>{0.5, 1.0, 2.0, 0.25}, {4}, st::float64);
  struct Case {
    const char* name;
    std::shared_ptr<losses::Loss> loss;
    Tensor y_true, y_pred;
  };
  std::vector<Case> cases = {
      {"mse", losses::MeanSquaredError(), targets, any},
      {"mae", losses::MeanAbsoluteError(), targets, any},
      {"mape", losses::MeanAbsolutePercentageError(), targets, any},
      {"msle", losses::MeanSquaredLogarithmicError(), positive, positive * 1.3},
      {"huber", losses::Huber({.delta = 0.7}), targets, any * 1.7},
      {"log_cosh", losses::LogCosh(), targets, any * 3.0},
      {"cosine", losses::CosineSimilarity(), targets, any},
      {"bce", losses::BinaryCrossentropy(), binary, probs},
      {"bce logits smoothing", losses::BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.1}), binary, any * 4.0},
      {"focal", losses::BinaryFocalCrossentropy({.apply_class_balancing = true}), binary, probs},
      {"focal logits", losses::BinaryFocalCrossentropy({.from_logits = true, .label_smoothing = 0.2}), binary, any * 3.0},
      {"cce", losses::CategoricalCrossentropy({.label_smoothing = 0.1}), onehot, probs},
      {"cce logits", losses::CategoricalCrossentropy({.from_logits = true}), onehot, any * 5.0},
      {"scce", losses::SparseCategoricalCrossentropy(), sparse, probs},
      {"scce logits", losses::SparseCategoricalCrossentropy({.from_logits = true}), sparse, any * 5.0},
      {"kld", losses::KLDivergence(), probs, probs * 0.7 + 0.1},
      {"poisson", losses::Poisson(), positive, positive * 0.8 + 0.1},
      {"hinge", losses::Hinge(), binary, any},
      {"squared_hinge", losses::SquaredHinge(), binary, any},
      {"categorical_hinge", losses::CategoricalHinge(), onehot, any},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto loss = c.loss;
    Tensor t = c.y_true;
    check_gradients([&](const Inputs& in) { return (*loss)(t, in[0]); }, {c.y_pred});
    check_gradients([&](const Inputs& in) { return (*loss)(t, in[0], sw); }, {c.y_pred});
  }
}

TEST_CASE("losses: cross-entropies from logits stay finite and exact for logits of +-1000") {
  using st::testing::check_gradients;
  Tensor logits = Tensor::from_vector(std::vector<double>{1000, -1000, 0, -1000, 1000, 0}, {2, 3}, st::float64);
  for (auto dtype : {st::float32, st::float64}) {
    Tensor x = st::cast(logits, dtype);
    auto scce = losses::SparseCategoricalCrossentropy({.from_logits = true, .reduction = losses::Reduction::none});
    auto v = (*scce)(Tensor({1, 0}, st::int32), x).to_vector<double>();
    CHECK(v[0] == doctest::Approx(2000.0));
    CHECK(v[1] == doctest::Approx(2000.0));
    auto cce = losses::CategoricalCrossentropy({.from_logits = true, .reduction = losses::Reduction::none});
    v = (*cce)(st::one_hot(Tensor({0, 1}, st::int64), 3, dtype), x).to_vector<double>();
    CHECK(v[0] == doctest::Approx(0.0));
    CHECK(v[1] == doctest::Approx(0.0));
    auto bce = losses::BinaryCrossentropy({.from_logits = true, .reduction = losses::Reduction::none});
    v = (*bce)(st::cast(Tensor({{1, 1, 0}, {0, 0, 1}}), dtype), x).to_vector<double>();
    CHECK(v[0] == doctest::Approx((0 + 1000 + std::log(2.0)) / 3));
    CHECK(v[1] == doctest::Approx((0 + 1000 + std::log(2.0)) / 3));
    auto focal = losses::BinaryFocalCrossentropy({.from_logits = true, .reduction = losses::Reduction::none});
    for (double value : (*focal)(st::cast(Tensor({{1, 1, 0}, {0, 0, 1}}), dtype), x).to_vector<double>())
      CHECK(std::isfinite(value));
  }
  // gradients: softmax - onehot and sigmoid - y, no NaN
  Tensor x = logits;
  st::Variable v(x);
  st::GradientTape tape;
  auto loss = losses::SparseCategoricalCrossentropy({.from_logits = true, .reduction = losses::Reduction::sum});
  Tensor value = (*loss)(Tensor({1, 0}, st::int64), v);
  auto g = tape.gradient(value, v).to_vector<double>();
  const std::vector<double> expected{1, -1, 0, -1, 1, 0};
  for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == doctest::Approx(expected[i]));
  st::GradientTape tape2;
  auto bce = losses::BinaryCrossentropy({.from_logits = true, .reduction = losses::Reduction::sum});
  Tensor value2 = (*bce)(Tensor::from_vector(std::vector<double>{1, 1, 0, 0, 0, 1}, {2, 3}, st::float64), v);
  auto g2 = tape2.gradient(value2, v).to_vector<double>();
  const std::vector<double> expected2{0, -1, 0.5, 0, 1, -0.5};
  for (std::size_t i = 0; i < g2.size(); ++i) CHECK(g2[i] * 3 == doctest::Approx(expected2[i]));
}

TEST_CASE("losses: sparse labels of every integer dtype and of shape (batch,) or (batch, 1)") {
  Tensor logits = Tensor({{2.0, -1.0, 0.5}, {0.1, 0.2, 3.0}, {-1.0, 4.0, 0.0}});
  auto loss = losses::SparseCategoricalCrossentropy({.from_logits = true});
  const double expected = (*loss)(Tensor({0, 2, 1}, st::int64), logits).item<double>();
  for (auto dtype : {st::int32, st::int64, st::uint8, st::float32}) {
    CAPTURE(st::dtype_name(dtype));
    CHECK((*loss)(Tensor({0, 2, 1}, dtype), logits).item<double>() == doctest::Approx(expected));
    CHECK((*loss)(Tensor({{0}, {2}, {1}}, dtype), logits).item<double>() == doctest::Approx(expected));
  }
  // the same as the categorical loss on one-hot labels
  auto cce = losses::CategoricalCrossentropy({.from_logits = true});
  CHECK((*cce)(st::one_hot(Tensor({0, 2, 1}, st::int64), 3), logits).item<double>() == doctest::Approx(expected));
}

TEST_CASE("losses: bad input raises errors naming the loss, the label and the shapes") {
  Tensor logits = Tensor({{2.0, -1.0, 0.5}, {0.1, 0.2, 3.0}});
  auto scce = losses::SparseCategoricalCrossentropy({.from_logits = true});
  try {
    (void)(*scce)(Tensor({0, 3}, st::int32), logits);
    FAIL("expected ValueError");
  } catch (const st::ValueError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("sparse_categorical_crossentropy") != std::string::npos);
    CHECK(msg.find("label value of 3") != std::string::npos);
    CHECK(msg.find("3 classes") != std::string::npos);
  }
  CHECK_THROWS_AS((void)(*scce)(Tensor({0, -1}, st::int32), logits), st::ValueError);
  CHECK_THROWS_AS((void)(*scce)(Tensor({0.5, 1.0}), logits), st::ValueError);
  CHECK_THROWS_AS((void)(*scce)(Tensor({0, 1, 2}, st::int32), logits), st::ShapeError);
  try {
    (void)(*losses::MeanSquaredError())(Tensor({{1.0, 2.0}, {3.0, 4.0}}), logits);
    FAIL("expected ShapeError");
  } catch (const st::ShapeError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("mean_squared_error") != std::string::npos);
    CHECK(msg.find("(2, 2)") != std::string::npos);
    CHECK(msg.find("(2, 3)") != std::string::npos);
  }
  CHECK_THROWS_AS((void)(*losses::CategoricalCrossentropy())(Tensor({{1.0, 0.0}}), logits), st::ShapeError);
  CHECK_THROWS_AS((void)(*losses::BinaryCrossentropy())(logits, logits, Tensor({1.0, 2.0, 3.0})), st::ShapeError);
  CHECK_THROWS_AS(losses::get("mean_squared_errror"), st::ValueError);
  CHECK_THROWS_AS(losses::reduction_from_name("avg"), st::ValueError);
}

TEST_CASE("losses: names, get, config round trip and custom losses") {
  CHECK(losses::SparseCategoricalCrossentropy({.from_logits = true})->name() == "sparse_categorical_crossentropy");
  CHECK(losses::Huber()->name() == "huber_loss");
  CHECK(losses::get("mse")->name() == "mean_squared_error");
  CHECK(losses::get("MeanSquaredError")->class_name() == "MeanSquaredError");
  CHECK(losses::get("categorical_crossentropy")->name() == "categorical_crossentropy");
  auto loss = losses::CategoricalCrossentropy(
      {.from_logits = true, .label_smoothing = 0.1, .reduction = losses::Reduction::sum, .name = "cce"});
  auto config = loss->get_config();
  CHECK(config["from_logits"] == true);
  CHECK(config["label_smoothing"] == 0.1);
  CHECK(config["reduction"] == "sum");
  CHECK(config["name"] == "cce");
  auto copy = losses::deserialize(losses::serialize(*loss));
  CHECK(copy->get_config() == config);
  Tensor y = Tensor({{1.0, 0.0}, {0.0, 1.0}}), p = Tensor({{3.0, -1.0}, {0.5, 0.2}});
  CHECK((*copy)(y, p).item<double>() == doctest::Approx((*loss)(y, p).item<double>()));
  CHECK(losses::SparseCategoricalCrossentropy({.ignore_class = 255})->get_config()["ignore_class"] == 255);
  CHECK(losses::get("hinge")->get_config()["reduction"] == "sum_over_batch_size");
  CHECK(losses::MeanSquaredError({.reduction = losses::Reduction::none})->get_config()["reduction"].is_null());

  auto custom = losses::from_function([](const Tensor& t, const Tensor& q) { return st::sum(st::abs(t - q), -1); },
                                      "l1_sum");
  CHECK(custom->name() == "l1_sum");
  CHECK((*custom)(y, p).item<double>() == doctest::Approx(((2 + 1) + (0.5 + 0.8)) / 2.0));
  st::Variable v(p);
  st::GradientTape tape;
  auto g = tape.gradient((*custom)(y, v), v).to_vector<double>();
  CHECK(g[0] == doctest::Approx(0.5));
  CHECK(g[1] == doctest::Approx(-0.5));
}

TEST_CASE("losses: rank handling follows Keras (squeeze or expand a trailing 1)") {
  auto mse = losses::MeanSquaredError({.reduction = losses::Reduction::none});
  Tensor t = Tensor({1.0, 2.0, 3.0});
  Tensor p = Tensor({{1.5}, {2.0}, {2.0}});
  auto v = (*mse)(t, p).to_vector<double>();
  REQUIRE(v.size() == 3);
  CHECK(v[0] == doctest::Approx(0.25));
  CHECK(v[2] == doctest::Approx(1.0));
  // hinge converts 0/1 labels only when all of them are 0 or 1
  auto hinge = losses::Hinge({.reduction = losses::Reduction::none});
  CHECK((*hinge)(Tensor({{0.0, 1.0}}), Tensor({{0.5, 0.5}})).item<double>() == doctest::Approx((1.5 + 0.5) / 2));
  CHECK((*hinge)(Tensor({{-1.0, 1.0}}), Tensor({{0.5, 0.5}})).item<double>() == doctest::Approx((1.5 + 0.5) / 2));
  // an empty batch reduces without dividing by zero
  CHECK((*losses::MeanSquaredError())(st::zeros({0, 3}), st::zeros({0, 3})).size() == 0);
}
