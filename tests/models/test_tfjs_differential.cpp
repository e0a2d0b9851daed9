// A differential test against TensorFlow.js, a second implementation of Keras: the small models of
// tests/data/tfjs/cases (made by tests/data/tfjs/generate.mjs, listed in its manifest.json) are
// Keras 2 legacy .h5 files written from TF.js's models with random weights. Strata loads each,
// predicts on TF.js's input and must give TF.js's output; the training cases fit two epochs on the
// same batches in the same order with the same optimizer and loss and must end on TF.js's weights
// and per-epoch losses. No Node is needed here: the cases are committed files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/strata.hpp"
#include "support/test_paths.hpp"

namespace st = strata;
using st::Tensor;

namespace {

const std::filesystem::path kCases = std::filesystem::path(STRATA_TEST_DATA_DIR) / "tfjs" / "cases";

const nlohmann::json& manifest() {
  static const nlohmann::json m = [] {
    std::ifstream in(kCases / "manifest.json");
    REQUIRE_MESSAGE(in.good(), "missing " << (kCases / "manifest.json").string());
    return nlohmann::json::parse(in);
  }();
  return m;
}

Tensor npy(const std::string& file) { return st::data::read_npy(kCases / file); }

// The largest |got - want| beyond atol + rtol * |want| (0 when every element is within), with a
// shape mismatch reported as infinity.
double excess(const Tensor& got, const Tensor& want, double rtol, double atol, std::string& detail) {
  if (got.shape() != want.shape()) {
    detail = "shape " + got.shape().to_string() + ", expected " + want.shape().to_string();
    return INFINITY;
  }
  const auto g = got.to_vector<float>(), w = want.to_vector<float>();
  double worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double err = std::abs(double(g[i]) - double(w[i])) - (atol + rtol * std::abs(double(w[i])));
    if (!(err <= worst)) {  // NaN counts
      worst = std::isnan(err) ? INFINITY : err;
      std::ostringstream s;
      s << "element " << i << ": " << g[i] << ", expected " << w[i];
      detail = s.str();
    }
  }
  return worst;
}

// Prediction: 1e-5 relative and absolute. Every case is float32 on both sides; the graphs are a
// few layers deep, so float32 summation order alone stays well inside this.
constexpr double kPredictTol = 1e-5;

// What is wrong with Strata's prediction of case `c` (empty: nothing).
std::string predict_case_error(const nlohmann::json& c) {
  const std::string name = c["name"];
  try {
    auto model = st::models::load_model((kCases / c["model"].get<std::string>()).string(), false);
    std::vector<Tensor> xs;
    for (const auto& f : c["inputs"]) xs.push_back(npy(f));
    const std::vector<Tensor> ys = model->predict_outputs(st::ModelData(xs), {.batch_size = 32, .verbose = 0});
    if (ys.size() != c["outputs"].size())
      return name + ": " + std::to_string(ys.size()) + " outputs, expected " + std::to_string(c["outputs"].size());
    for (std::size_t i = 0; i < ys.size(); ++i) {
      std::string detail;
      if (excess(ys[i], npy(c["outputs"][i]), kPredictTol, kPredictTol, detail) != 0)
        return name + " output " + std::to_string(i) + ": " + detail;
    }
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  }
  return "";
}

void check_predict_case(const nlohmann::json& c) {
  const std::string error = predict_case_error(c);
  CHECK_MESSAGE(error.empty(), error);
}

// Cases Strata does not match yet, each with the reason; everything else must pass.
const std::set<std::string>& known_failures() {
  static const std::set<std::string> names = {
  };
  return names;
}

}  // namespace

TEST_CASE("TF.js differential: every layer's prediction matches TensorFlow.js") {
  int checked = 0;
  for (const auto& c : manifest()["predict"]) {
    if (c["group"] == "nested" || known_failures().count(c["name"])) continue;
    check_predict_case(c);
    ++checked;
  }
  CHECK(checked >= 100);
}

// A known failure that now matches is said, so that it can leave the list.
TEST_CASE("TF.js differential: known failures are still known") {
  for (const auto& c : manifest()["predict"])
    if (known_failures().count(c["name"]) && predict_case_error(c).empty())
      MESSAGE("TF.js case " << c["name"].get<std::string>() << " now matches: remove it from known_failures()");
}

// A Sequential and a Functional model used as layers of a Functional (and a Sequential) model:
// Keras numbers a nested model's call nodes from 1 and stores its weights trainable first.
TEST_CASE("TF.js differential: nested models predict as TensorFlow.js") {
  int checked = 0;
  for (const auto& c : manifest()["predict"]) {
    if (c["group"] != "nested" || known_failures().count(c["name"])) continue;
    check_predict_case(c);
    ++checked;
  }
  CHECK(checked >= 3);
}

// Training: the loss history within 1e-5 (relative and absolute), each final weight within 1e-5
// relative, to itself and to its tensor's largest magnitude (so a weight near zero is not held to
// digits float32 does not have: Adam's and RMSprop's steps are about lr whatever the size of the
// gradient, so a near-zero gradient's last-bit noise in either implementation moves its weight by a
// relative 2e-5 after two epochs of the LSTM case).
TEST_CASE("TF.js differential: two epochs of fit end on TensorFlow.js's weights and losses") {
  int checked = 0;
  for (const auto& c : manifest()["train"]) {
    const std::string name = c["name"];
    INFO("TF.js training case " << name);
    try {
      auto model = st::models::load_model((kCases / c["initial"].get<std::string>()).string(), false);
      st::LossSpec loss;
      if (c["loss"].is_array())
        for (const auto& name_of_loss : c["loss"]) loss.list.emplace_back(name_of_loss.get<std::string>());
      else
        loss = c["loss"].get<std::string>();
      model->compile({.optimizer = st::optimizers::get(st::Config(c["optimizer"])), .loss = loss});
      st::FitOptions options;
      options.epochs = c["epochs"];
      options.batch_size = c["batch_size"];
      options.shuffle = false;
      options.verbose = 0;
      if (c.contains("class_weight"))
        for (const auto& [label, weight] : c["class_weight"].items()) options.class_weight[std::stoll(label)] = weight;
      std::vector<Tensor> ys;
      for (const auto& f : c["y"]) ys.push_back(npy(f));
      const auto history = model->fit(npy(c["x"]), st::ModelData(ys), options);
      const auto& losses = history.history.at("loss");
      REQUIRE(losses.size() == c["loss_history"].size());
      for (std::size_t i = 0; i < losses.size(); ++i) {
        const double want = c["loss_history"][i];
        CHECK_MESSAGE(std::abs(losses[i] - want) <= 1e-5 * (1 + std::abs(want)),
                      name << " epoch " << i << " loss " << losses[i] << ", expected " << want);
      }
      auto final_model = st::models::load_model((kCases / c["final"].get<std::string>()).string(), false);
      const auto got = model->get_weights(), want = final_model->get_weights();
      REQUIRE(got.size() == want.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        std::string detail;
        const auto w = want[i].to_vector<float>();
        double scale = 0;
        for (float v : w) scale = std::max(scale, double(std::abs(v)));
        const double e = excess(got[i], want[i], 1e-5, 1e-5 * scale, detail);
        CHECK_MESSAGE(e == 0, name << " weight " << i << ": " << detail);
      }
    } catch (const std::exception& e) {
      FAIL_CHECK(name << ": " << std::string(e.what()));
    }
    ++checked;
  }
  CHECK(checked >= 15);
}
