// Optimizer trajectories and schedule values against tests/data/optimizers_reference.json, written
// by tests/optimizers/make_reference.py (PyTorch 1.13 where it has Keras's algorithm, Keras 3's
// formulas in NumPy elsewhere). Every case is built from its Keras config through
// st::optimizers::get, so the registry and from_config are exercised too.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/optimizers/optimizers.hpp"
#include "strata/strata.hpp"

namespace st = strata;
using json = nlohmann::json;

namespace {

const json& reference() {
  static const json data = [] {
    const std::string path = std::string(STRATA_TEST_DATA_DIR) + "/optimizers_reference.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path + " (run tests/optimizers/make_reference.py)");
    return json::parse(in);
  }();
  return data;
}

std::vector<double> flatten(const json& j) {
  std::vector<double> out;
  if (j.is_array()) {
    for (const auto& item : j) {
      auto part = flatten(item);
      out.insert(out.end(), part.begin(), part.end());
    }
  } else {
    out.push_back(j.get<double>());
  }
  return out;
}

st::Tensor tensor(const json& j, const st::Shape& shape, st::DType dtype) {
  return st::Tensor::from_vector(flatten(j), shape, dtype);
}

// Runs one reference case in `dtype` and compares every step's (w, b, c) with the reference.
void check_trajectory(const json& c, st::DType dtype, double rtol, double atol) {
  const json& problem = reference()["problem"];
  const st::Tensor X = tensor(problem["X"], {6, 3}, dtype), Y = tensor(problem["Y"], {6, 2}, dtype);
  st::Variable w(tensor(problem["w0"], {3, 2}, dtype), {.name = "w"});
  st::Variable b(tensor(problem["b0"], {2}, dtype), {.name = "b"});
  st::Variable k(tensor(problem["c0"], {}, dtype), {.name = "c"});
  auto optimizer = st::optimizers::get(c["optimizer"]);
  const auto& trajectory = c["trajectory"];
  for (std::size_t step = 0; step < trajectory.size(); ++step) {
    st::GradientTape tape;
    const st::Tensor loss = st::mean(st::square(st::matmul(X, w) + b - Y)) + 0.5 * st::square(k - 2.0);
    const auto grads = tape.gradient(loss, std::vector<st::Variable>{w, b, k});
    optimizer->apply_gradients(grads, {w, b, k});

    std::vector<double> got = w.to_vector<double>();
    for (double v : b.to_vector<double>()) got.push_back(v);
    got.push_back(k.item<double>());
    const auto expected = trajectory[step].get<std::vector<double>>();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("case " << c["name"].get<std::string>() << ", step " << step + 1 << ", element " << i);
      CHECK(std::fabs(got[i] - expected[i]) <= atol + rtol * std::fabs(expected[i]));
    }
  }
  CHECK(optimizer->iterations() == static_cast<std::int64_t>(trajectory.size()));
}

}  // namespace

TEST_CASE("optimizers: every reference trajectory is matched in float64") {
  const auto& cases = reference()["cases"];
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    CAPTURE(c["name"].get<std::string>());
    check_trajectory(c, st::float64, 1e-9, 1e-12);
  }
}

TEST_CASE("optimizers: the references cover every optimizer, from both PyTorch and Keras's formulas") {
  std::set<std::string> classes, sources;
  for (const auto& c : reference()["cases"]) {
    classes.insert(c["optimizer"]["class_name"].get<std::string>());
    sources.insert(c["source"].get<std::string>());
  }
  CHECK(classes == std::set<std::string>{"Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam",
                                         "RMSprop", "SGD"});
  CHECK(sources == std::set<std::string>{"keras-formula", "torch"});
}

TEST_CASE("optimizers: float32 variables follow the float64 references closely") {
  for (const auto& c : reference()["cases"]) {
    const auto name = c["name"].get<std::string>();
    if (name != "adam" && name != "sgd_nesterov" && name != "rmsprop" && name != "nadam") continue;
    CAPTURE(name);
    check_trajectory(c, st::float32, 1e-4, 1e-5);
  }
}

TEST_CASE("optimizers: schedules match Keras's formulas at every step") {
  for (const auto& s : reference()["schedules"]) {
    CAPTURE(s["schedule"].dump());
    auto schedule = st::optimizers::schedules::deserialize(s["schedule"]);
    const auto values = s["values"].get<std::vector<double>>();
    for (std::size_t step = 0; step < values.size(); ++step) {
      CAPTURE(step);
      CHECK((*schedule)(static_cast<std::int64_t>(step)) == doctest::Approx(values[step]).epsilon(1e-12));
    }
    // And the config round trip keeps the values.
    auto again = st::optimizers::schedules::deserialize(st::optimizers::schedules::serialize(*schedule));
    CHECK((*again)(3) == (*schedule)(3));
  }
}
