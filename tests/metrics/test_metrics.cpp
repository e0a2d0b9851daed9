// Metrics against reference values from scikit-learn (precision, recall, F1, R2, confusion counts,
// accuracies, exact ROC AUC) and Keras's AUC interpolation computed in NumPy
// (tests/data/make_loss_metric_reference.py); accumulation over batches, sample_weight,
// reset_state, get / resolve, and no recording on a tape.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "strata/losses/losses.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/strata.hpp"
#include "support/masked_reference.hpp"

namespace st = strata;
namespace metrics = strata::metrics;
using st::Shape;
using st::Tensor;

namespace {

const nlohmann::json& reference() { return st::testing::losses_metrics_reference(); }

Tensor tensor_of(const nlohmann::json& a, st::DType dtype = st::float32) { return st::testing::reference_tensor(a, dtype); }

double ref(const char* group, const char* key) { return reference()["metrics"][group][key].get<double>(); }

// Feeds the data in two uneven batches (so accumulation is tested too).
void feed(metrics::Metric& m, const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) {
  const auto n = y_true.shape()[0];
  const std::int64_t cut = n / 3;
  for (auto [start, stop] : {std::pair<std::int64_t, std::int64_t>{0, cut}, {cut, n}}) {
    Tensor sw = sample_weight.defined() ? st::slice(sample_weight, 0, start, stop) : Tensor();
    m.update_state(st::slice(y_true, 0, start, stop), st::slice(y_pred, 0, start, stop), sw);
  }
}

double value(std::shared_ptr<metrics::Metric> m, const Tensor& y_true, const Tensor& y_pred, const Tensor& sw = {}) {
  feed(*m, y_true, y_pred, sw);
  return m->result();
}

}  // namespace

TEST_CASE("metrics: confusion counts, precision, recall, binary accuracy match scikit-learn") {
  const auto& b = reference()["metrics"]["binary"];
  Tensor y = tensor_of(b["y_true"]), s = tensor_of(b["y_score"]), w = tensor_of(b["sample_weight"]);
  CHECK(value(metrics::TruePositives(), y, s) == doctest::Approx(ref("binary", "tp")));
  CHECK(value(metrics::FalsePositives(), y, s) == doctest::Approx(ref("binary", "fp")));
  CHECK(value(metrics::TrueNegatives(), y, s) == doctest::Approx(ref("binary", "tn")));
  CHECK(value(metrics::FalseNegatives(), y, s) == doctest::Approx(ref("binary", "fn")));
  CHECK(value(metrics::TruePositives(), y, s, w) == doctest::Approx(ref("binary", "tp_weighted")).epsilon(1e-6));
  CHECK(value(metrics::FalsePositives(), y, s, w) == doctest::Approx(ref("binary", "fp_weighted")).epsilon(1e-6));
  CHECK(value(metrics::TrueNegatives(), y, s, w) == doctest::Approx(ref("binary", "tn_weighted")).epsilon(1e-6));
  CHECK(value(metrics::FalseNegatives(), y, s, w) == doctest::Approx(ref("binary", "fn_weighted")).epsilon(1e-6));
  CHECK(value(metrics::Precision(), y, s) == doctest::Approx(ref("binary", "precision")));
  CHECK(value(metrics::Recall(), y, s) == doctest::Approx(ref("binary", "recall")));
  CHECK(value(metrics::Precision(), y, s, w) == doctest::Approx(ref("binary", "precision_weighted")).epsilon(1e-6));
  CHECK(value(metrics::Recall(), y, s, w) == doctest::Approx(ref("binary", "recall_weighted")).epsilon(1e-6));
  CHECK(value(metrics::Precision({.thresholds = {0.3}}), y, s) == doctest::Approx(ref("binary", "precision_at_0.3")));
  CHECK(value(metrics::Recall({.thresholds = {0.7}}), y, s) == doctest::Approx(ref("binary", "recall_at_0.7")));
  auto multi = std::make_shared<metrics::ConfusionMatrixMetric>(metrics::ConfusionMatrixMetric::Kind::recall,
                                                                std::vector<double>{0.5, 0.7}, std::nullopt, "r");
  feed(*multi, y, s);
  CHECK(multi->results()[1] == doctest::Approx(ref("binary", "recall_at_0.7")));
  CHECK(value(metrics::BinaryAccuracy(), y, s) == doctest::Approx(ref("binary", "binary_accuracy")));
  CHECK(value(metrics::BinaryAccuracy(), y, s, w) ==
        doctest::Approx(ref("binary", "binary_accuracy_weighted")).epsilon(1e-6));
  // (batch, 1) labels and predictions are the same decisions
  CHECK(value(metrics::Precision(), st::reshape(y, {-1, 1}), st::reshape(s, {-1, 1})) ==
        doctest::Approx(ref("binary", "precision")));
}

TEST_CASE("metrics: AUC follows Keras's interpolation and is close to scikit-learn's exact AUC") {
  const auto& b = reference()["metrics"]["binary"];
  Tensor y = tensor_of(b["y_true"]), s = tensor_of(b["y_score"]), w = tensor_of(b["sample_weight"]);
  const double roc = value(metrics::AUC(), y, s);
  CHECK(roc == doctest::Approx(ref("binary", "keras_auc_roc")).epsilon(1e-6));
  CHECK(std::abs(roc - ref("binary", "roc_auc_exact")) < 5e-3);
  const double roc_w = value(metrics::AUC(), y, s, w);
  CHECK(roc_w == doctest::Approx(ref("binary", "keras_auc_roc_weighted")).epsilon(1e-6));
  CHECK(std::abs(roc_w - ref("binary", "roc_auc_exact_weighted")) < 5e-3);
  const double pr = value(metrics::AUC({.curve = metrics::AUCCurve::PR}), y, s);
  CHECK(pr == doctest::Approx(ref("binary", "keras_auc_pr")).epsilon(1e-6));
  CHECK(std::abs(pr - ref("binary", "average_precision_exact")) < 2e-2);
  CHECK(value(metrics::AUC({.summation_method = metrics::AUCSummation::minoring}), y, s) ==
        doctest::Approx(ref("binary", "keras_auc_roc_minoring")).epsilon(1e-6));
  CHECK(value(metrics::AUC({.summation_method = metrics::AUCSummation::majoring}), y, s) ==
        doctest::Approx(ref("binary", "keras_auc_roc_majoring")).epsilon(1e-6));
  CHECK(value(metrics::AUC({.curve = metrics::AUCCurve::PR, .summation_method = metrics::AUCSummation::majoring}), y,
              s) == doctest::Approx(ref("binary", "keras_auc_pr_majoring")).epsilon(1e-6));
  CHECK(value(metrics::AUC({.num_thresholds = 10}), y, s) ==
        doctest::Approx(ref("binary", "keras_auc_roc_10_thresholds")).epsilon(1e-6));
  // from_logits: the same ranking through a sigmoid of the logits
  Tensor logits = st::log(st::clip(s, 1e-6, 1 - 1e-6) / (1.0f - st::clip(s, 1e-6, 1 - 1e-6)));
  CHECK(value(metrics::AUC({.from_logits = true}), y, logits) == doctest::Approx(roc).epsilon(1e-3));
  // perfect separation gives 1
  auto perfect = metrics::AUC();
  perfect->update_state(Tensor({0.0, 0.0, 1.0, 1.0}), Tensor({0.1, 0.2, 0.8, 0.9}));
  CHECK(perfect->result() == doctest::Approx(1.0));
}

TEST_CASE("metrics: accuracies and F-scores match scikit-learn on multi-class data") {
  const auto& mc = reference()["metrics"]["multiclass"];
  Tensor labels = tensor_of(mc["labels"], st::int64), scores = tensor_of(mc["scores"]), w = tensor_of(mc["sample_weight"]);
  Tensor onehot = st::one_hot(labels, 5);
  CHECK(value(metrics::SparseCategoricalAccuracy(), labels, scores) == doctest::Approx(ref("multiclass", "accuracy")));
  CHECK(value(metrics::SparseCategoricalAccuracy(), st::reshape(labels, {-1, 1}), scores) ==
        doctest::Approx(ref("multiclass", "accuracy")));
  CHECK(value(metrics::SparseCategoricalAccuracy(), st::cast(labels, st::float32), scores) ==
        doctest::Approx(ref("multiclass", "accuracy")));
  CHECK(value(metrics::CategoricalAccuracy(), onehot, scores) == doctest::Approx(ref("multiclass", "accuracy")));
  CHECK(value(metrics::CategoricalAccuracy(), onehot, scores, w) ==
        doctest::Approx(ref("multiclass", "accuracy_weighted")).epsilon(1e-6));
  CHECK(value(metrics::SparseTopKCategoricalAccuracy({.k = 2}), labels, scores) ==
        doctest::Approx(ref("multiclass", "top2")));
  CHECK(value(metrics::TopKCategoricalAccuracy({.k = 3}), onehot, scores, w) ==
        doctest::Approx(ref("multiclass", "top3_weighted")).epsilon(1e-6));
  CHECK(value(metrics::Accuracy(), labels, st::argmax(scores, -1)) == doctest::Approx(ref("multiclass", "accuracy")));

  const double f1_tol = 1e-5;
  auto none = std::make_shared<metrics::FBetaScoreMetric>(metrics::FBetaOptions{.average = "none"});
  feed(*none, onehot, scores);
  const auto per_class = none->results();
  const auto expected = mc["f1_none"].get<std::vector<double>>();
  REQUIRE(per_class.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(per_class[i] == doctest::Approx(expected[i]).epsilon(f1_tol));
  CHECK(value(metrics::F1Score({.average = "micro"}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "f1_micro")).epsilon(f1_tol));
  CHECK(value(metrics::F1Score({.average = "macro"}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "f1_macro")).epsilon(f1_tol));
  CHECK(value(metrics::F1Score({.average = "weighted"}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "f1_weighted")).epsilon(f1_tol));
  CHECK(value(metrics::F1Score({.average = "macro"}), onehot, scores, w) ==
        doctest::Approx(ref("multiclass", "f1_macro_weighted")).epsilon(f1_tol));
  CHECK(value(metrics::F1Score({.average = "micro", .threshold = 0.3}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "f1_micro_threshold_0.3")).epsilon(f1_tol));
  CHECK(value(metrics::FBetaScore({.average = "macro", .beta = 2.0}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "fbeta2_macro")).epsilon(f1_tol));
  CHECK(value(metrics::Precision({.class_id = 2}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "precision_class_2")));
  CHECK(value(metrics::Recall({.thresholds = {0.2}, .class_id = 2}), onehot, scores) ==
        doctest::Approx(ref("multiclass", "recall_class_2_at_0.2")));
  CHECK(metrics::F1Score()->name() == "f1_score");
}

TEST_CASE("metrics: regression metrics and R2 match scikit-learn") {
  const auto& r = reference()["metrics"]["regression"];
  Tensor t = tensor_of(r["y_true"], st::float64), p = tensor_of(r["y_pred"], st::float64);
  Tensor w = tensor_of(r["sample_weight"], st::float64);
  const double tol = 1e-9;
  CHECK(value(metrics::R2Score(), t, p) == doctest::Approx(ref("regression", "r2_uniform")).epsilon(tol));
  CHECK(value(metrics::R2Score({.class_aggregation = "variance_weighted"}), t, p) ==
        doctest::Approx(ref("regression", "r2_variance_weighted")).epsilon(tol));
  auto raw = std::make_shared<metrics::R2ScoreMetric>(metrics::R2ScoreOptions{.class_aggregation = "none"});
  feed(*raw, t, p);
  const auto expected = r["r2_raw"].get<std::vector<double>>();
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(raw->results()[i] == doctest::Approx(expected[i]).epsilon(tol));
  CHECK(value(metrics::R2Score(), t, p, w) == doctest::Approx(ref("regression", "r2_uniform_weighted")).epsilon(tol));
  CHECK(value(metrics::R2Score(), st::squeeze(st::slice(t, 1, 1, 2), {1}), st::squeeze(st::slice(p, 1, 1, 2), {1})) ==
        doctest::Approx(ref("regression", "r2_1d")).epsilon(tol));
  CHECK(value(metrics::MeanSquaredError(), t, p) == doctest::Approx(ref("regression", "mse")).epsilon(tol));
  CHECK(value(metrics::RootMeanSquaredError(), t, p) == doctest::Approx(ref("regression", "rmse")).epsilon(tol));
  CHECK(value(metrics::MeanSquaredError(), t, p, w) == doctest::Approx(ref("regression", "mse_weighted")).epsilon(tol));
  CHECK(value(metrics::MeanAbsoluteError(), t, p) == doctest::Approx(ref("regression", "mae")).epsilon(tol));
  CHECK(value(metrics::MeanAbsolutePercentageError(), t, p) == doctest::Approx(ref("regression", "mape")).epsilon(1e-7));
  CHECK(value(metrics::CosineSimilarity(), t, p) == doctest::Approx(ref("regression", "cosine")).epsilon(tol));
}

TEST_CASE("metrics: loss-shaped metrics are the mean of the loss function's per-sample values") {
  for (const auto& c : reference()["losses"]) {
    const std::string cls = c["class_name"].get<std::string>();
    if (c.contains("masked_sum_over_batch_size")) continue;
    CAPTURE(c["name"].get<std::string>());
    auto loss = st::losses::from_config(cls, c["config"]);
    Tensor t = tensor_of(c["y_true"], st::float64), p = tensor_of(c["y_pred"], st::float64);
    auto m = metrics::from_loss(loss);
    CHECK(m->name() == loss->name());
    feed(*m, t, p);
    CHECK(m->result() == doctest::Approx(c["sum_over_batch_size"].get<double>()).epsilon(1e-9));
    if (c.contains("sample_weight") && c["config"].empty() && cls != "BinaryFocalCrossentropy") {
      auto by_name = metrics::get(cls == "LogCosh" ? "LogCoshError" : cls);  // the built-in metric
      Tensor sw = tensor_of(c["sample_weight"], st::float64);
      const double expected = c["weighted_mean_with_sample_weight"].get<double>();
      double sign = cls == "CosineSimilarity" ? -1.0 : 1.0;
      CHECK(value(by_name, t, p, sw) == doctest::Approx(sign * expected).epsilon(1e-9));
    }
  }
  auto bce = metrics::BinaryCrossentropy({.from_logits = true});
  bce->update_state(Tensor({{1.0}, {0.0}}), Tensor({{1000.0}, {1000.0}}));
  CHECK(bce->result() == doctest::Approx(500.0));
}

TEST_CASE("metrics: Mean, Sum, sample weights and reset_state") {
  auto mean = metrics::Mean();
  mean->update_state(Tensor({1.0, 3.0, 5.0, 7.0}));
  CHECK(mean->result() == doctest::Approx(4.0));
  mean->update_state(Tensor({2.0}), Tensor({3.0}));
  CHECK(mean->result() == doctest::Approx((16.0 + 6.0) / 7.0));
  mean->reset_state();
  CHECK(mean->result() == 0.0);
  mean->update_state(Tensor({{1.0, 3.0}, {5.0, 7.0}}), Tensor({1.0, 0.0}));
  CHECK(mean->result() == doctest::Approx(2.0));
  auto sum = metrics::Sum();
  sum->update_state(Tensor({1.0, 3.0, 5.0, 7.0}), Tensor({1.0, 0.0, 1.0, 0.5}));
  CHECK(sum->result() == doctest::Approx(9.5));
  sum->reset_state();
  CHECK(sum->result() == 0.0);

  auto acc = metrics::SparseCategoricalAccuracy();
  acc->update_state(Tensor({0, 1}, st::int32), Tensor({{0.9, 0.1}, {0.8, 0.2}}));
  CHECK(acc->result() == doctest::Approx(0.5));
  acc->reset_state();
  CHECK(acc->result() == 0.0);
  acc->update_state(Tensor({1}, st::uint8), Tensor({{0.1, 0.9}}));
  CHECK(acc->result() == doctest::Approx(1.0));
  for (auto m : {metrics::AUC(), metrics::Precision(), metrics::F1Score(), metrics::R2Score(), metrics::TruePositives()}) {
    m->update_state(Tensor({{1.0, 0.0}, {0.0, 1.0}}), Tensor({{0.9, 0.2}, {0.3, 0.6}}));
    CHECK(m->result() != 0.0);
    m->reset_state();
    CHECK(m->result() == 0.0);
  }
}

TEST_CASE("metrics: updates are not recorded on a GradientTape") {
  st::Variable x(Tensor({{0.2, 0.8}, {0.6, 0.4}}));
  st::GradientTape tape;
  Tensor y_pred = x * 2.0f;
  auto acc = metrics::CategoricalAccuracy();
  acc->update_state(Tensor({{0.0, 1.0}, {0.0, 1.0}}), y_pred);
  auto mse = metrics::MeanSquaredError();
  mse->update_state(Tensor({{0.0, 1.0}, {0.0, 1.0}}), y_pred);
  Tensor loss = st::sum(y_pred);
  auto g = tape.gradient(loss, x).to_vector<double>();
  for (double v : g) CHECK(v == doctest::Approx(2.0));
  CHECK(acc->result() == doctest::Approx(0.5));
}

TEST_CASE("metrics: get, names, config and resolve(\"accuracy\", ...) as Keras's compile") {
  CHECK(metrics::get("accuracy")->class_name() == "Accuracy");
  CHECK(metrics::get("mse")->name() == "mean_squared_error");
  CHECK(metrics::get("AUC")->name() == "auc");
  CHECK(metrics::get("sparse_top_k_categorical_accuracy")->get_config()["k"] == 5);
  CHECK_THROWS_AS(metrics::get("acuracy"), st::ValueError);
  auto p = metrics::Precision({.thresholds = {0.3}, .class_id = 1, .name = "p1"});
  auto copy = metrics::from_config("Precision", p->get_config());
  CHECK(copy->get_config() == p->get_config());
  CHECK(copy->name() == "p1");

  using metrics::resolve;
  auto r = resolve("accuracy", "sparse_categorical_crossentropy", Shape{32}, Shape{32, 10});
  CHECK(r->class_name() == "SparseCategoricalAccuracy");
  CHECK(r->name() == "accuracy");
  CHECK(resolve("acc", "sparse_categorical_crossentropy", Shape{32, 1}, Shape{32, 10})->class_name() ==
        "SparseCategoricalAccuracy");
  CHECK(resolve("acc", "sparse_categorical_crossentropy", Shape{32, 1}, Shape{32, 10})->name() == "acc");
  CHECK(resolve("accuracy", "categorical_crossentropy", Shape{32, 10}, Shape{32, 10})->class_name() ==
        "CategoricalAccuracy");
  CHECK(resolve("accuracy", "binary_crossentropy", Shape{32, 1}, Shape{32, 1})->class_name() == "BinaryAccuracy");
  CHECK(resolve("accuracy", "mse", Shape{32}, Shape{32, 1})->class_name() == "BinaryAccuracy");
  CHECK(resolve("accuracy", "binary_crossentropy", Shape{32, 5}, Shape{32, 5})->class_name() == "BinaryAccuracy");
  CHECK(resolve("Accuracy", "", Shape{32, 3}, Shape{32, 3})->class_name() == "CategoricalAccuracy");
  CHECK(resolve("crossentropy", "", Shape{32}, Shape{32, 10})->class_name() == "SparseCategoricalCrossentropy");
  CHECK(resolve("ce", "", Shape{32, 1}, Shape{32, 1})->class_name() == "BinaryCrossentropy");
  CHECK(resolve("mae", "mse", Shape{32, 1}, Shape{32, 1})->name() == "mae");
  // the resolved metric works on those shapes
  auto sparse = resolve("accuracy", "sparse_categorical_crossentropy", Shape{2}, Shape{2, 3});
  sparse->update_state(Tensor({2, 0}, st::int64), Tensor({{0.1, 0.2, 0.7}, {0.5, 0.4, 0.1}}));
  CHECK(sparse->result() == doctest::Approx(1.0));
}

TEST_CASE("metrics: bad input raises ShapeError naming the metric and the shapes") {
  auto acc = metrics::CategoricalAccuracy();
  CHECK_THROWS_AS(acc->update_state(Tensor({{1.0, 0.0}}), Tensor({{0.2, 0.3, 0.5}})), st::ShapeError);
  auto precision = metrics::Precision();
  try {
    precision->update_state(Tensor({1.0, 0.0}), Tensor({0.2, 0.3, 0.5}));
    FAIL("expected ShapeError");
  } catch (const st::ShapeError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("precision") != std::string::npos);
    CHECK(msg.find("(2,)") != std::string::npos);
    CHECK(msg.find("(3,)") != std::string::npos);
  }
  CHECK_THROWS_AS(metrics::SparseCategoricalAccuracy()->update_state(Tensor({1, 0, 1}, st::int32), Tensor({{0.2, 0.8}})),
                  st::ShapeError);
  CHECK_THROWS_AS(metrics::F1Score()->update_state(Tensor({1.0, 0.0}), Tensor({0.2, 0.3})), st::ShapeError);
  CHECK_THROWS_AS(metrics::F1Score({.average = "mean"}), st::ValueError);
  CHECK_THROWS_AS(metrics::Mean()->update_state(Tensor({1.0, 2.0}), Tensor({1.0, 2.0, 3.0})), st::ShapeError);
}
