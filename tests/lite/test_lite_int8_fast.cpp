// The fast int8 FULLY_CONNECTED / CONV_2D paths (scalar, AVX2, AVX-512, AVX-512 VNNI dot products)
// against the reference loops, bit for bit, on random shapes with odd sizes and vector tails.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include <filesystem>

#include "lite/converter_test_util.hpp"
#include "lite/lite_test_util.hpp"
#include "strata/backend/cpu/lite/kernels.hpp"

namespace k = strata::lite::kernels;

namespace {

std::vector<std::int8_t> random_i8(std::mt19937& rng, std::int64_t n) {
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<std::int8_t> v(static_cast<std::size_t>(n));
  for (auto& e : v) e = static_cast<std::int8_t>(d(rng));
  return v;
}

// Per-channel or per-tensor multipliers in TFLite's range, a random input zero point and a fused
// activation that clips some outputs.
struct Quant {
  std::vector<std::int32_t> multiplier;
  std::vector<int> shift;
  k::Requantize q;
  Quant(std::mt19937& rng, std::int64_t channels, std::int64_t depth) {
    const bool per_channel = rng() % 2 == 0;
    const std::int64_t n = per_channel ? channels : 1;
    for (std::int64_t c = 0; c < n; ++c) {
      std::int32_t m = 0;
      int s = 0;
      // About 1 / (depth * 64 * 2): the accumulator spread maps onto the int8 range.
      strata::lite::qmath::quantize_multiplier(std::uniform_real_distribution<double>(0.3, 3.0)(rng) / (depth * 128.0),
                                               &m, &s);
      multiplier.push_back(m);
      shift.push_back(s);
    }
    q.multiplier = multiplier.data();
    q.shift = shift.data();
    q.per_channel = per_channel;
    q.input_offset = static_cast<std::int32_t>(rng() % 256) - 127;  // -zero point, zero point in [-128, 127]
    q.output_offset = static_cast<std::int32_t>(rng() % 41) - 20;
    q.act_min = rng() % 3 == 0 ? q.output_offset : -128;
  }
};

std::vector<k::Int8Isa> paths() {
  std::vector<k::Int8Isa> out;
  for (auto isa : {k::Int8Isa::scalar, k::Int8Isa::avx2, k::Int8Isa::avx512, k::Int8Isa::avx512_vnni})
    if (static_cast<int>(isa) <= static_cast<int>(k::best_int8_isa())) out.push_back(isa);
  return out;
}

// Restores the start-up choice when a test ends.
struct IsaGuard {
  k::Int8Isa saved = k::int8_isa();
  ~IsaGuard() { k::set_int8_isa(saved); }
};

}  // namespace

TEST_CASE("lite int8 fast paths: FULLY_CONNECTED bit-identical to the reference") {
  IsaGuard guard;
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    const std::int64_t batches = 1 + rng() % 4;
    // Sizes around the vector widths (16, 32) and their tails, and a few long rows.
    const std::int64_t in = trial % 10 == 0 ? 16384 + 1 + rng() % 70 : 1 + rng() % 300;
    const std::int64_t out = 1 + rng() % 37;
    const auto x = random_i8(rng, batches * in);
    const auto w = random_i8(rng, out * in);
    std::vector<std::int32_t> bias(static_cast<std::size_t>(out));
    for (auto& b : bias) b = static_cast<std::int32_t>(rng() % 20001) - 10000;
    Quant quant(rng, out, in);
    std::vector<std::int8_t> expected(static_cast<std::size_t>(batches * out)), got(expected.size());
    k::set_int8_isa(k::Int8Isa::reference);
    k::fully_connected_i8(x.data(), w.data(), trial % 5 ? bias.data() : nullptr, expected.data(), batches, in, out,
                          quant.q);
    for (const auto isa : paths()) {
      CAPTURE(k::int8_isa_name(isa));
      CAPTURE(in);
      k::set_int8_isa(isa);
      REQUIRE(k::int8_isa() == isa);
      std::fill(got.begin(), got.end(), std::int8_t{0});
      k::fully_connected_i8(x.data(), w.data(), trial % 5 ? bias.data() : nullptr, got.data(), batches, in, out,
                            quant.q);
      REQUIRE(got == expected);
    }
  }
}

TEST_CASE("lite int8 fast paths: CONV_2D and DEPTHWISE_CONV_2D bit-identical to the reference") {
  IsaGuard guard;
  std::mt19937 rng(11);
  for (int trial = 0; trial < 80; ++trial) {
    const bool depthwise = trial % 2 == 1;
    CAPTURE(depthwise);
    k::ConvShape s{};
    s.batches = 1 + rng() % 2;
    s.in_h = 3 + rng() % 9;
    s.in_w = 3 + rng() % 9;
    s.in_c = 1 + rng() % 40;
    s.depth_multiplier = depthwise ? 1 + rng() % 3 : 1;
    s.out_c = depthwise ? s.in_c * s.depth_multiplier : 1 + rng() % 19;
    s.k_h = 1 + rng() % 3;
    s.k_w = 1 + rng() % 3;
    s.stride_h = 1 + rng() % 2;
    s.stride_w = 1 + rng() % 2;
    s.dil_h = 1 + rng() % 2;
    s.dil_w = 1;
    const bool same = rng() % 2 == 0;
    const std::int64_t eff_h = (s.k_h - 1) * s.dil_h + 1, eff_w = (s.k_w - 1) * s.dil_w + 1;
    if (same) {
      s.out_h = (s.in_h + s.stride_h - 1) / s.stride_h;
      s.out_w = (s.in_w + s.stride_w - 1) / s.stride_w;
      s.pad_top = static_cast<int>(std::max<std::int64_t>(0, (s.out_h - 1) * s.stride_h + eff_h - s.in_h) / 2);
      s.pad_left = static_cast<int>(std::max<std::int64_t>(0, (s.out_w - 1) * s.stride_w + eff_w - s.in_w) / 2);
    } else {
      if (eff_h > s.in_h || eff_w > s.in_w) continue;
      s.out_h = (s.in_h - eff_h) / s.stride_h + 1;
      s.out_w = (s.in_w - eff_w) / s.stride_w + 1;
    }
    const auto x = random_i8(rng, s.batches * s.in_h * s.in_w * s.in_c);
    const auto w = random_i8(rng, s.out_c * s.k_h * s.k_w * (depthwise ? 1 : s.in_c));
    std::vector<std::int32_t> bias(static_cast<std::size_t>(s.out_c));
    for (auto& b : bias) b = static_cast<std::int32_t>(rng() % 20001) - 10000;
    Quant quant(rng, s.out_c, s.k_h * s.k_w * (depthwise ? 1 : s.in_c));
    auto run = [&](std::int8_t* out) {
      if (depthwise) k::depthwise_conv2d_i8(x.data(), w.data(), bias.data(), out, s, quant.q);
      else k::conv2d_i8(x.data(), w.data(), bias.data(), out, s, quant.q);
    };
    const std::size_t n = static_cast<std::size_t>(s.batches * s.out_h * s.out_w * s.out_c);
    std::vector<std::int8_t> expected(n), got(n);
    k::set_int8_isa(k::Int8Isa::reference);
    run(expected.data());
    for (const auto isa : paths()) {
      CAPTURE(k::int8_isa_name(isa));
      k::set_int8_isa(isa);
      std::fill(got.begin(), got.end(), std::int8_t{0});
      run(got.data());
      REQUIRE(got == expected);
    }
  }
}

TEST_CASE("lite int8 fast paths: a converted int8 conv + depthwise + dense model, identical outputs on every path") {
  IsaGuard guard;
  namespace st = strata;
  using namespace strata::layers;
  st::set_random_seed(3);
  st::Sequential cnn({st::layers::Input({7, 7, 3}), Conv2D(8, 3, "relu"), DepthwiseConv2D({2, 2}), Flatten(), Dense(3)});
  const auto bytes = st::lite::convert(cnn, {.quantization = st::lite::Quantization::int8,
                                             .representative_data = st::normal({32, 7, 7, 3}, {.seed = 4})});
  const st::Tensor x = st::normal({4, 7, 7, 3}, {.seed = 5});
  k::set_int8_isa(k::Int8Isa::reference);
  const auto expected = strata::lite::testing::run_tflite(bytes, x);
  for (const auto isa : paths()) {
    CAPTURE(k::int8_isa_name(isa));
    k::set_int8_isa(isa);
    CHECK(strata::lite::testing::run_tflite(bytes, x) == expected);
  }
}

TEST_CASE("lite int8 fast paths: TFLite's int8 LSTM (mnist_lstm fixture), identical outputs on every path") {
  const auto path = strata::lite::testing::tflite_fixture("mnist_lstm/trained_lstm_int8.tflite");
  if (!std::filesystem::exists(path)) return;  // the shared fixtures are absent (CI)
  IsaGuard guard;
  std::mt19937 rng(9);
  const auto x = random_i8(rng, 784);
  auto run = [&] {
    strata::lite::Interpreter interpreter(path.string());
    interpreter.allocate_tensors();
    interpreter.set_tensor(interpreter.input_tensor_index(0), x);
    interpreter.invoke();
    return interpreter.get_output<std::int8_t>(0);
  };
  k::set_int8_isa(k::Int8Isa::reference);
  const auto expected = run();
  for (const auto isa : paths()) {
    CAPTURE(k::int8_isa_name(isa));
    k::set_int8_isa(isa);
    CHECK(run() == expected);
  }
}

TEST_CASE("lite int8 fast paths: the start-up choice is the best the CPU runs, and never above it") {
  IsaGuard guard;
  CHECK(k::int8_isa() == k::best_int8_isa());
  k::set_int8_isa(k::Int8Isa::avx512_vnni);
  CHECK(static_cast<int>(k::int8_isa()) <= static_cast<int>(k::best_int8_isa()));
}
