// Hybrid (dynamic-range) kernels: TFLite's per-row input quantization by hand, hybrid FULLY_CONNECTED
// against the float formula, every dot-product path identical, and converted dynamic-range files
// within the hybrid error of the float model.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "lite/converter_test_util.hpp"
#include "strata/backend/cpu/lite/kernels.hpp"

namespace st = strata;
namespace k = strata::lite::kernels;
using namespace strata::layers;
using namespace strata::lite::testing;

TEST_CASE("lite hybrid: symmetric and asymmetric input quantization by hand") {
  std::int16_t row[3];
  // Symmetric: range 1.27, scale 0.01, round(x * 100).
  const float sym[] = {0.5f, -1.27f, 0.2f};
  CHECK(k::quantize_row(sym, 3, false, row) == doctest::Approx(0.01));
  CHECK(row[0] == 50);
  CHECK(row[1] == -127);
  CHECK(row[2] == 20);
  // Asymmetric [-1, 3]: scale 4/255, zero point -64.25 -> -64; rows hold q - zero point.
  const float asym[] = {-1.0f, 3.0f, 0.0f};
  CHECK(k::quantize_row(asym, 3, true, row) == doctest::Approx(4.0 / 255.0));
  CHECK(row[0] == -64);  // q = -128
  CHECK(row[1] == 191);  // q = 127
  CHECK(row[2] == 0);
  // All zero: scale 1, zeros.
  const float zero[] = {0.0f, 0.0f, 0.0f};
  CHECK(k::quantize_row(zero, 3, true, row) == 1.0f);
  CHECK(row[1] == 0);
}

TEST_CASE("lite hybrid: FULLY_CONNECTED is bias + scale * integer dot, the same on every dot-product path") {
  std::mt19937 rng(5);
  const std::int64_t batches = 3, in = 77, out = 13;
  std::vector<float> x(static_cast<std::size_t>(batches * in)), bias(static_cast<std::size_t>(out)),
      scale(static_cast<std::size_t>(out));
  std::vector<std::int8_t> w(static_cast<std::size_t>(out * in));
  std::normal_distribution<float> normal;
  for (auto& v : x) v = normal(rng);
  for (auto& v : bias) v = normal(rng);
  for (auto& v : scale) v = 0.01f + 0.001f * static_cast<float>(rng() % 10);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(rng() % 255) - 127);
  for (const bool asymmetric : {false, true}) {
    std::vector<float> expected(static_cast<std::size_t>(batches * out));
    for (std::int64_t b = 0; b < batches; ++b) {
      std::vector<std::int16_t> row(static_cast<std::size_t>(in));
      const float s = k::quantize_row(x.data() + b * in, in, asymmetric, row.data());
      for (std::int64_t o = 0; o < out; ++o) {
        std::int32_t acc = 0;
        for (std::int64_t i = 0; i < in; ++i) acc += w[static_cast<std::size_t>(o * in + i)] * row[static_cast<std::size_t>(i)];
        expected[static_cast<std::size_t>(b * out + o)] = std::max(0.0f, bias[static_cast<std::size_t>(o)] + static_cast<float>(acc) * (s * scale[static_cast<std::size_t>(o)]));
      }
    }
    const k::Int8Isa saved = k::int8_isa();
    std::vector<float> first;
    for (auto isa : {k::Int8Isa::scalar, k::Int8Isa::avx2, k::Int8Isa::avx512, k::Int8Isa::avx512_vnni}) {
      if (static_cast<int>(isa) > static_cast<int>(k::best_int8_isa())) continue;
      k::set_int8_isa(isa);
      std::vector<float> got(expected.size());
      k::fully_connected_hybrid(x.data(), w.data(), scale.data(), true, bias.data(), got.data(), batches, in, out,
                                asymmetric, 0.0f, 1e30f);
      // The formula within float rounding (the compiler may fuse the multiply-add); paths identical.
      for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-6).scale(1e-6));
      if (first.empty()) first = got;
      CHECK(got == first);
    }
    k::set_int8_isa(saved);
  }
}

TEST_CASE("lite hybrid: dynamic-range MLP and convnet files run within the hybrid error of the float model") {
  st::set_random_seed(31);
  st::Sequential mlp({Input({40}), Dense(64, "relu"), Dense(32, "relu"), Dense(5, "softmax")});
  st::Sequential convnet({Input({9, 9, 4}), Conv2D(32, 3, "relu"), Conv2D(8, {3, 3}, {.padding = "same"}), Flatten(),
                          Dense(6, "softmax")});
  const std::pair<st::Sequential*, std::vector<std::int64_t>> cases[] = {{&mlp, {7, 40}}, {&convnet, {7, 9, 9, 4}}};
  for (const auto& [model, shape] : cases) {
    const st::Tensor x = st::normal(st::Shape(shape), {.seed = 32});
    const auto bytes = st::lite::convert(*model, {.quantization = st::lite::Quantization::dynamic});
    int int8_weights = 0;
    for (const auto* t : *model_of(bytes)->subgraphs()->Get(0)->tensors()) int8_weights += t->type() == tflite::TensorType_INT8;
    CHECK(int8_weights >= 2);
    const auto expected = model->predict(x).to_vector<float>();
    const auto got = run_tflite(bytes, x);
    REQUIRE(got.size() == expected.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - expected[i]));
    CHECK(worst < 0.02);  // probabilities: 8-bit weights and inputs, a few layers deep
    CHECK(worst > 0.0);   // and it did run the int8 weights
  }
}
