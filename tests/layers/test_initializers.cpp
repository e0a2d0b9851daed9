// keras.initializers semantics: statistics, seeding, fans, orthogonality, names, serialization.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "strata/layers/initializers.hpp"
#include "strata/strata.hpp"

using namespace strata;
namespace init = strata::initializers;

namespace {

struct Stats {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Stats stats_of(const Tensor& t) {
  auto v = t.to_vector<double>();
  Stats s;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(var / static_cast<double>(v.size()));
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

}  // namespace

TEST_CASE("initializers: compute_fans as Keras") {
  CHECK(init::compute_fans(Shape{}) == std::pair<double, double>{1, 1});
  CHECK(init::compute_fans(Shape{7}) == std::pair<double, double>{7, 7});
  CHECK(init::compute_fans(Shape{3, 5}) == std::pair<double, double>{3, 5});
  // Conv kernel (kh, kw, in, out): receptive field 3*3.
  CHECK(init::compute_fans(Shape{3, 3, 4, 8}) == std::pair<double, double>{36, 72});
}

TEST_CASE("initializers: constants") {
  CHECK(init::Zeros()->operator()(Shape{2, 3}).to_vector<float>() == std::vector<float>(6, 0.0f));
  CHECK(init::Ones()->operator()(Shape{4}, float64).to_vector<double>() == std::vector<double>(4, 1.0));
  const Tensor c = (*init::Constant(2.5))(Shape{2, 2});
  CHECK(c.dtype() == float32);
  CHECK(c.to_vector<float>() == std::vector<float>(4, 2.5f));
  const Tensor id = (*init::Identity(2.0))(Shape{2, 3});
  CHECK(id.to_vector<float>() == std::vector<float>{2, 0, 0, 0, 2, 0});
  CHECK_THROWS_AS((*init::Identity())(Shape{2, 2, 2}), ValueError);
}

TEST_CASE("initializers: glorot_uniform limit sqrt(6 / (fan_in + fan_out)) and its statistics") {
  const Tensor w = (*init::GlorotUniform({.seed = 1}))(Shape{200, 300});
  const double limit = std::sqrt(6.0 / 500.0);
  const Stats s = stats_of(w);
  CHECK(s.min >= -limit);
  CHECK(s.max <= limit);
  CHECK(s.min < -0.95 * limit);
  CHECK(s.max > 0.95 * limit);
  CHECK(std::abs(s.mean) < 0.005);
  CHECK(s.stddev == doctest::Approx(limit / std::sqrt(3.0)).epsilon(0.02));
}

TEST_CASE("initializers: variance scaling modes and distributions") {
  const Shape shape{100, 400};  // fan_in 100, fan_out 400, fan_avg 250
  struct Case {
    std::string mode;
    double n;
  };
  for (const Case& c : {Case{"fan_in", 100}, Case{"fan_out", 400}, Case{"fan_avg", 250}}) {
    INFO("mode " << c.mode);
    const double scale = 2.0;
    const double target = std::sqrt(scale / c.n);
    // truncated_normal: stddev after truncation sqrt(scale / n), values within 2 stddev of the draw
    const Tensor t = (*init::VarianceScaling({.scale = scale, .mode = c.mode, .seed = 5}))(shape);
    const Stats st = stats_of(t);
    CHECK(st.stddev == doctest::Approx(target).epsilon(0.03));
    CHECK(st.max <= 2.0 * target / 0.87962566103423978 + 1e-6);
    CHECK(st.min >= -2.0 * target / 0.87962566103423978 - 1e-6);
    const Tensor u = (*init::VarianceScaling({.scale = scale, .mode = c.mode, .distribution = "untruncated_normal", .seed = 5}))(shape);
    CHECK(stats_of(u).stddev == doctest::Approx(target).epsilon(0.03));
    const Tensor v = (*init::VarianceScaling({.scale = scale, .mode = c.mode, .distribution = "uniform", .seed = 5}))(shape);
    const Stats sv = stats_of(v);
    CHECK(sv.stddev == doctest::Approx(target).epsilon(0.03));
    CHECK(sv.max <= std::sqrt(3.0) * target + 1e-6);
  }
  CHECK_THROWS_AS(init::VarianceScaling({.scale = 0.0}), ValueError);
  CHECK_THROWS_AS(init::VarianceScaling({.mode = "fan_sideways"}), ValueError);
  CHECK_THROWS_AS(init::VarianceScaling({.distribution = "cauchy"}), ValueError);
  // "normal" means truncated_normal, as Keras.
  CHECK(init::VarianceScaling({.distribution = "normal"})->get_config()["distribution"] == "truncated_normal");
}

TEST_CASE("initializers: presets are variance scaling") {
  const Shape shape{200, 300};
  auto stddev = [&](const init::InitializerPtr& i) { return stats_of((*i)(shape)).stddev; };
  CHECK(stddev(init::GlorotNormal({.seed = 2})) == doctest::Approx(std::sqrt(1.0 / 250)).epsilon(0.03));
  CHECK(stddev(init::HeNormal({.seed = 2})) == doctest::Approx(std::sqrt(2.0 / 200)).epsilon(0.03));
  CHECK(stddev(init::HeUniform({.seed = 2})) == doctest::Approx(std::sqrt(2.0 / 200)).epsilon(0.03));
  CHECK(stddev(init::LecunNormal({.seed = 2})) == doctest::Approx(std::sqrt(1.0 / 200)).epsilon(0.03));
  CHECK(stddev(init::LecunUniform({.seed = 2})) == doctest::Approx(std::sqrt(1.0 / 200)).epsilon(0.03));
  const Stats he = stats_of((*init::HeUniform({.seed = 2}))(shape));
  CHECK(he.max <= std::sqrt(6.0 / 200) + 1e-6);
}

TEST_CASE("initializers: random normal, uniform and truncated normal") {
  const Stats n = stats_of((*init::RandomNormal({.mean = 1.0, .stddev = 0.5, .seed = 4}))(Shape{50000}));
  CHECK(n.mean == doctest::Approx(1.0).epsilon(0.01));
  CHECK(n.stddev == doctest::Approx(0.5).epsilon(0.02));
  const Stats u = stats_of((*init::RandomUniform({.minval = -2.0, .maxval = 3.0, .seed = 4}))(Shape{50000}));
  CHECK(u.min >= -2.0);
  CHECK(u.max < 3.0);
  CHECK(u.mean == doctest::Approx(0.5).epsilon(0.05));
  const Stats t = stats_of((*init::TruncatedNormal({.stddev = 1.0, .seed = 4}))(Shape{50000}));
  CHECK(t.min >= -2.0);
  CHECK(t.max <= 2.0);
  CHECK(t.stddev == doctest::Approx(0.87962566103423978).epsilon(0.02));
  // Keras's defaults.
  CHECK(init::RandomNormal()->get_config() == Config{{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}});
  CHECK(init::RandomUniform()->get_config() == Config{{"minval", -0.05}, {"maxval", 0.05}, {"seed", nullptr}});
}

TEST_CASE("initializers: a seeded initializer gives the same values on every call") {
  for (const auto& i : {init::GlorotUniform({.seed = 42}), init::HeNormal({.seed = 42}),
                        init::RandomNormal({.seed = 42}), init::Orthogonal({.seed = 42})}) {
    INFO(i->class_name());
    CHECK((*i)(Shape{4, 5}).to_vector<float>() == (*i)(Shape{4, 5}).to_vector<float>());
  }
  CHECK((*init::GlorotUniform({.seed = 1}))(Shape{4, 5}).to_vector<float>() !=
        (*init::GlorotUniform({.seed = 2}))(Shape{4, 5}).to_vector<float>());
  // Unseeded: fresh values per call, reproducible through the global seed.
  auto unseeded = init::GlorotUniform();
  set_random_seed(9);
  const auto a = (*unseeded)(Shape{3, 3}).to_vector<float>();
  const auto b = (*unseeded)(Shape{3, 3}).to_vector<float>();
  CHECK(a != b);
  set_random_seed(9);
  CHECK((*unseeded)(Shape{3, 3}).to_vector<float>() == a);
}

TEST_CASE("initializers: orthogonal is orthogonal") {
  struct Case {
    Shape shape;
    std::int64_t rows, cols;
  };
  for (const Case& c : {Case{{6, 6}, 6, 6}, Case{{10, 4}, 10, 4}, Case{{3, 8}, 3, 8}, Case{{2, 3, 5}, 6, 5}}) {
    INFO("shape " << c.shape.to_string());
    const Tensor q = (*init::Orthogonal({.gain = 2.0, .seed = 3}))(c.shape, float64);
    CHECK(q.shape() == c.shape);
    const auto v = q.to_vector<double>();
    // Q^T Q = gain^2 I when rows >= cols, Q Q^T = gain^2 I otherwise.
    const bool tall = c.rows >= c.cols;
    const std::int64_t k = tall ? c.cols : c.rows, len = tall ? c.rows : c.cols;
    double worst = 0;
    for (std::int64_t i = 0; i < k; ++i)
      for (std::int64_t j = 0; j < k; ++j) {
        double dot = 0;
        for (std::int64_t r = 0; r < len; ++r)
          dot += tall ? v[r * c.cols + i] * v[r * c.cols + j] : v[i * c.cols + r] * v[j * c.cols + r];
        worst = std::max(worst, std::abs(dot - (i == j ? 4.0 : 0.0)));
      }
    CHECK(worst < 1e-10);
  }
  CHECK_THROWS_AS((*init::Orthogonal())(Shape{5}), ValueError);
}

TEST_CASE("initializers: names, serialize and deserialize") {
  for (const char* name : {"zeros", "ones", "constant", "identity", "random_normal", "random_uniform",
                           "truncated_normal", "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal",
                           "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", "GlorotUniform",
                           "OrthogonalInitializer", "IdentityInitializer", "Zeros", "uniform", "normal"}) {
    INFO(name);
    CHECK(init::get(name) != nullptr);
  }
  CHECK(init::get("glorot_uniform")->class_name() == "GlorotUniform");
  CHECK(init::get("orthogonal")->class_name() == "OrthogonalInitializer");
  try {
    init::get("glorot_uniformm");
    FAIL("an unknown name was accepted");
  } catch (const ValueError& e) {
    CHECK(std::string(e.what()).find("glorot_uniform") != std::string::npos);  // lists the known ones
  }
  // Keras 3's layout, as in a real Keras 3.3 file.
  const Config glorot = Config::parse(
      R"({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null})");
  CHECK(init::serialize(*init::GlorotUniform()) == glorot);
  CHECK(init::serialize(*init::Zeros()) ==
        Config::parse(R"({"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null})"));
  CHECK(init::serialize(*init::Orthogonal()) ==
        Config::parse(R"({"module": "keras.initializers", "class_name": "OrthogonalInitializer",
                          "config": {"gain": 1.0, "seed": null}, "registered_name": null})"));
  CHECK(init::serialize(*init::VarianceScaling({.scale = 2.0, .mode = "fan_out", .distribution = "uniform", .seed = 7}))["config"] ==
        Config{{"scale", 2.0}, {"mode", "fan_out"}, {"distribution", "uniform"}, {"seed", 7}});
  // Round trips, Keras 3 and Keras 2 layouts, and a plain name.
  for (const auto& i : {init::GlorotUniform({.seed = 3}), init::Constant(0.5), init::RandomUniform({.minval = 0.0, .maxval = 2.0}),
                        init::VarianceScaling({.scale = 3.0, .mode = "fan_avg", .seed = 1}), init::Identity(0.5),
                        init::Orthogonal({.gain = 1.5})}) {
    INFO(i->class_name());
    const Config s = init::serialize(*i);
    CHECK(init::serialize(*init::deserialize(s)) == s);
    CHECK(init::serialize(*init::deserialize(Config{{"class_name", s["class_name"]}, {"config", s["config"]}})) == s);
  }
  CHECK(init::deserialize(Config::parse(R"({"class_name": "HeNormal", "config": {"seed": 5}})"))->get_config() ==
        Config{{"seed", 5}});
  CHECK(init::deserialize(Config("he_uniform"))->class_name() == "HeUniform");
  CHECK_THROWS_AS(init::deserialize(Config{{"config", Config::object()}}), ValueError);
  CHECK_THROWS_AS(init::deserialize(Config::parse(R"({"class_name": "Nope", "config": {}})")), ValueError);
}

TEST_CASE("initializers: integer dtypes are refused for random initializers") {
  CHECK_THROWS_AS((*init::GlorotUniform())(Shape{2, 2}, int32), DTypeError);
  CHECK((*init::Zeros())(Shape{2}, int32).dtype() == int32);
}
