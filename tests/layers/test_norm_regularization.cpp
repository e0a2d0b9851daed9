// GroupNormalization, UnitNormalization, SpatialDropout1D/2D/3D and AlphaDropout: the layer
// harness, behaviour, registry configs and errors; and the PyTorch reference cases of
// tests/data/layers_reference.json (bilinear UpSampling2D, GroupNormalization), written by
// tests/data/make_layer_reference.py.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "support/gradient_check.hpp"
#include "support/layer_harness.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::random_f32;
using strata::testing::run_layer_test;

TEST_CASE("layer harness: GroupNormalization") {
  run_layer_test({.name = "GroupNormalization",
                  .make = [] { return GroupNormalization({.groups = 2}).ptr(); },
                  .make_f64 = [] { return GroupNormalization({.groups = 2, .dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 4},
                  .trainable_weights = 2,
                  .expected_config = {{"groups", 2}, {"axis", -1}, {"epsilon", 1e-3}, {"center", true}, {"scale", true},
                                      {"gamma_regularizer", nullptr}},
                  .bad_input_shape = Shape{5}});
  run_layer_test({.name = "GroupNormalization",
                  .make = [] { return GroupNormalization({.groups = -1, .axis = 1, .center = false}).ptr(); },
                  .make_f64 = [] { return GroupNormalization({.groups = -1, .axis = 1, .center = false, .dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 2, 2},
                  .expected_output_shape = {2, 3, 2, 2},
                  .trainable_weights = 1,
                  .expected_config = {{"groups", -1}, {"axis", 1}, {"center", false}}});
  // groups must divide the channels and not exceed them (Keras's ValueErrors).
  CHECK_THROWS_AS(GroupNormalization({.groups = 3})(zeros({1, 2, 4})), ValueError);
  CHECK_THROWS_AS(GroupNormalization({.groups = 8})(zeros({1, 2, 4})), ValueError);
  CHECK_THROWS_AS(GroupNormalization({.groups = 0}), ValueError);
  // Keras's default of 32 groups.
  CHECK(GroupNormalization()->get_config()["groups"] == 32);
}

TEST_CASE("layer harness: UnitNormalization") {
  run_layer_test({.name = "UnitNormalization",
                  .make = [] { return UnitNormalization().ptr(); },
                  .make_f64 = [] { return UnitNormalization({.dtype = float64}).ptr(); },
                  .input_shape = {3, 4},
                  .expected_output_shape = {3, 4},
                  .expected_config = {{"axis", -1}}});
  run_layer_test({.name = "UnitNormalization",
                  .make = [] { return UnitNormalization({.axis = {1, 2}}).ptr(); },
                  .make_f64 = [] { return UnitNormalization({.axis = {1, 2}, .dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 2},
                  .expected_output_shape = {2, 3, 2},
                  .expected_config = {{"axis", {1, 2}}},
                  .bad_input_shape = Shape{4}});
  const Tensor y = UnitNormalization()(Tensor::from_vector<float>({3, 4, 0, 0}, Shape{2, 2}));
  const auto v = y.to_vector<float>();
  CHECK(v[0] == doctest::Approx(0.6));
  CHECK(v[1] == doctest::Approx(0.8));
  CHECK(v[2] == 0.0f);  // a zero vector stays zero (the norm is floored at 1e-6)
}

TEST_CASE("layer harness: SpatialDropout1D/2D/3D") {
  run_layer_test({.name = "SpatialDropout1D",
                  .make = [] { return SpatialDropout1D(0.5, {.seed = 3}).ptr(); },
                  .input_shape = {2, 4, 3},
                  .expected_output_shape = {2, 4, 3},
                  .expected_config = {{"rate", 0.5}, {"seed", 3}},
                  .bad_input_shape = Shape{2, 4}});
  run_layer_test({.name = "SpatialDropout2D",
                  .make = [] { return SpatialDropout2D(0.25, {.data_format = "channels_first"}).ptr(); },
                  .input_shape = {2, 3, 2, 2},
                  .expected_output_shape = {2, 3, 2, 2},
                  .expected_config = {{"rate", 0.25}, {"data_format", "channels_first"}}});
  run_layer_test({.name = "SpatialDropout3D",
                  .make = [] { return SpatialDropout3D(0.25).ptr(); },
                  .input_shape = {2, 2, 2, 2, 3},
                  .expected_output_shape = {2, 2, 2, 2, 3},
                  .expected_config = {{"rate", 0.25}, {"data_format", "channels_last"}}});
}

TEST_CASE("SpatialDropout: whole channels dropped in training, identity at inference") {
  const Tensor x = ones({8, 5, 4, 16});
  for (const char* format : {"channels_last", "channels_first"}) {
    INFO(format);
    auto layer = SpatialDropout2D(0.5, {.data_format = format, .seed = 42});
    CHECK(layer(x).to_vector<float>() == x.to_vector<float>());
    const auto y = layer(x, true).to_vector<float>();
    int dropped = 0, kept = 0;
    const bool last = std::string(format) == "channels_last";
    const std::int64_t channels = last ? 16 : 5;
    for (std::int64_t b = 0; b < 8; ++b)
      for (std::int64_t c = 0; c < channels; ++c) {
        // Every element of one (sample, channel) map has the same value: 0 or 1 / (1 - rate).
        std::vector<float> map;
        for (std::int64_t i = 0; i < 5 * 4 * 16 / channels; ++i) {
          std::int64_t flat;
          if (last) flat = (b * 5 * 4 + i) * 16 + c;
          else flat = (b * 5 + c) * 4 * 16 + i;
          map.push_back(y[static_cast<std::size_t>(flat)]);
        }
        for (float v : map) CHECK(v == map[0]);
        CHECK((map[0] == 0.0f || map[0] == 2.0f));
        (map[0] == 0.0f ? dropped : kept)++;
      }
    CHECK(dropped > 0);
    CHECK(kept > 0);
  }
  CHECK_THROWS_AS(SpatialDropout1D(1.5), ValueError);
  CHECK_THROWS_AS(SpatialDropout1D(0.5, {.data_format = "channels_first"}), ValueError);
}

TEST_CASE("layer harness: AlphaDropout") {
  run_layer_test({.name = "AlphaDropout",
                  .make = [] { return AlphaDropout(0.2, {.seed = 7}).ptr(); },
                  .input_shape = {3, 4},
                  .expected_output_shape = {3, 4},
                  .expected_config = {{"rate", 0.2}, {"noise_shape", nullptr}, {"seed", 7}}});
}

TEST_CASE("AlphaDropout: Keras's affine map keeps zero mean and unit variance") {
  const double rate = 0.3;
  auto layer = AlphaDropout(rate, {.seed = 1});
  const Tensor x = normal({200000}, {.seed = 5});
  CHECK(layer(x).to_vector<float>() == x.to_vector<float>());  // inference: identity
  const auto y = layer(x, true).to_vector<float>();
  const auto xv = x.to_vector<float>();
  const double alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;
  const double a = std::pow((1 - rate) * (1 + rate * alpha_p * alpha_p), -0.5), b = -a * alpha_p * rate;
  double mean = 0, square = 0;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const bool kept = std::abs(y[i] - (a * xv[i] + b)) < 1e-5;
    const bool drop = std::abs(y[i] - (a * alpha_p + b)) < 1e-5;
    REQUIRE((kept || drop));
    dropped += drop && !kept;
    mean += y[i], square += double(y[i]) * y[i];
  }
  mean /= double(y.size());
  const double variance = square / double(y.size()) - mean * mean;
  CHECK(double(dropped) / double(y.size()) == doctest::Approx(rate).epsilon(0.02));
  CHECK(std::abs(mean) < 0.02);
  CHECK(variance == doctest::Approx(1.0).epsilon(0.02));
  // A noise_shape of (-1, 1) drops whole rows.
  const auto rows = AlphaDropout(0.5, {.noise_shape = {-1, 1}, .seed = 2})(ones({6, 4}), true).to_vector<float>();
  for (std::size_t r = 0; r < 6; ++r)
    for (std::size_t c = 1; c < 4; ++c) CHECK(rows[r * 4 + c] == rows[r * 4]);
}

TEST_CASE("normalization and regularization layers: Keras configs through the registry") {
  for (const LayerPtr& layer : std::vector<LayerPtr>{
           GroupNormalization({.groups = 4, .epsilon = 1e-5, .scale = false}).ptr(),
           UnitNormalization({.axis = {1, 2}}).ptr(), SpatialDropout1D(0.3, {.seed = 9}).ptr(),
           SpatialDropout2D(0.1, {.data_format = "channels_first"}).ptr(), SpatialDropout3D(0.2).ptr(),
           AlphaDropout(0.4, {.noise_shape = {-1, 1, 5}}).ptr()}) {
    INFO(layer->class_name());
    const LayerPtr copy = layer_from_config(Config::parse(serialize_layer(*layer).dump()));
    CHECK(copy->class_name() == layer->class_name());
    CHECK(copy->get_config() == layer->get_config());
  }
}

// --- PyTorch references (tests/data/make_layer_reference.py) ---

TEST_CASE("PyTorch references: bilinear UpSampling2D, GroupNormalization") {
  std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/layers_reference.json");
  REQUIRE(in.good());
  const Config data = Config::parse(in);
  auto tensor = [](const Config& j) {
    return Tensor::from_vector(j["data"].get<std::vector<double>>(), Shape(j["shape"].get<std::vector<std::int64_t>>()),
                               float64);
  };
  int ran = 0;
  double worst = 0;
  for (const auto& c : data["cases"]) {
    const std::string kind = c["layer"].get<std::string>();
    if (kind != "UpSampling2D" && kind != "GroupNormalization") continue;  // attention: test_attention.cpp
    INFO(kind << " " << c["config"].dump());
    LayerPtr layer;
    if (kind == "UpSampling2D")
      layer = UpSampling2D(c["config"]["size"].get<std::vector<std::int64_t>>(),
                           {.interpolation = c["config"]["interpolation"].get<std::string>(), .dtype = float64})
                  .ptr();
    else if (kind == "GroupNormalization")
      layer = GroupNormalization({.groups = c["config"]["groups"].get<std::int64_t>(),
                                  .epsilon = c["config"]["epsilon"].get<double>(),
                                  .dtype = float64})
                  .ptr();
    REQUIRE(layer);
    const Tensor x = tensor(c["input"]);
    layer->ensure_built(x.shape());
    std::vector<Tensor> weights;
    for (const auto& w : c["weights"]) weights.push_back(tensor(w));
    if (!weights.empty()) layer->set_weights(weights);
    const Tensor y = (*layer)(x);
    const Tensor expected = tensor(c["expected"]);
    REQUIRE(y.shape() == expected.shape());
    const auto a = y.to_vector<double>(), e = expected.to_vector<double>();
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i]));
    ++ran;
  }
  MESSAGE("PyTorch references: " << ran << " cases, worst abs error " << worst);
  CHECK(ran == 7);
  CHECK(worst < 1e-10);
}
