// Single operators, float and int8: hand-computed values, and each int8 kernel against the float
// kernel on dequantized values (within one quantization step).
#include <cmath>
#include <random>

#include "lite/single_op_model.hpp"
#include "strata/framework/errors.hpp"

using namespace strata::lite::testing;
using tflite::TensorType_FLOAT32;
using tflite::TensorType_INT32;
using tflite::TensorType_INT8;

namespace {

std::vector<std::int8_t> quantize(const std::vector<float>& x, float scale, int zp) {
  std::vector<std::int8_t> q;
  for (float v : x) q.push_back(static_cast<std::int8_t>(std::clamp<int>(static_cast<int>(std::round(v / scale)) + zp, -128, 127)));
  return q;
}
std::vector<float> dequantize(const std::vector<std::int8_t>& q, float scale, int zp) {
  std::vector<float> x;
  for (auto v : q) x.push_back(scale * static_cast<float>(v - zp));
  return x;
}
std::vector<float> random_values(std::size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}
// The int8 output is within one step of the float result of the same (dequantized) inputs.
void check_close(const std::vector<std::int8_t>& q, const std::vector<float>& reference, float scale, int zp) {
  REQUIRE(q.size() == reference.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    const float expected = std::clamp(std::round(reference[i] / scale) + static_cast<float>(zp), -128.0f, 127.0f);
    CHECK(std::abs(static_cast<float>(q[i]) - expected) <= 1.0f);
  }
}

}  // namespace

TEST_CASE("lite ops: CONV_2D float by hand, int8 per-channel against float") {
  // x 1x3x3x1 = 1..9; two 2x2 filters (ones, and [1,0;0,-1]), VALID, stride 1, bias {0.5, 0}.
  tflite::Conv2DOptionsT o;
  o.padding = tflite::Padding_VALID;
  o.stride_w = o.stride_h = 1;
  const std::vector<float> w{1, 1, 1, 1, 1, 0, 0, -1};
  auto model = single_op_model(tflite::BuiltinOperator_CONV_2D,
                               {{{1, 3, 3, 1}}, {{2, 2, 2, 1}, TensorType_FLOAT32, bytes_of(w)},
                                {{2}, TensorType_FLOAT32, bytes_of(std::vector<float>{0.5f, 0.0f})}, {{1, 2, 2, 2}}},
                               {0, 1, 2}, {3}, options(o));
  const auto y = run_single<float, float>(model, {{1, 2, 3, 4, 5, 6, 7, 8, 9}});
  CHECK(y == std::vector<float>{12.5f, -4, 16.5f, -4, 24.5f, -4, 28.5f, -4});

  // int8, SAME padding, stride 2, per-channel weights, RELU: against the float kernel.
  o.padding = tflite::Padding_SAME;
  o.stride_w = o.stride_h = 2;
  o.fused_activation_function = tflite::ActivationFunctionType_RELU;
  const auto xf = random_values(1 * 5 * 5 * 3, -1, 1, 1);
  const auto wf = random_values(4 * 3 * 3 * 3, -0.5f, 0.5f, 2);
  const std::vector<float> w_scales{0.004f, 0.002f, 0.003f, 0.0045f};
  std::vector<std::int8_t> wq;
  for (std::size_t i = 0; i < wf.size(); ++i) wq.push_back(quantize({wf[i]}, w_scales[i / 27], 0)[0]);
  const float xs = 2.0f / 255, ys = 0.02f;
  const int xzp = -1, yzp = -100;
  const auto xq = quantize(xf, xs, xzp);
  std::vector<std::int32_t> bq{10, -20, 300, 0};
  auto int8_model = single_op_model(
      tflite::BuiltinOperator_CONV_2D,
      {{{1, 5, 5, 3}, TensorType_INT8, {}, {xs}, {xzp}},
       {{4, 3, 3, 3}, TensorType_INT8, bytes_of(wq), w_scales, {0, 0, 0, 0}, 0},
       {{4}, TensorType_INT32, bytes_of(bq), {xs * 0.004f, xs * 0.002f, xs * 0.003f, xs * 0.0045f}},
       {{1, 3, 3, 4}, TensorType_INT8, {}, {ys}, {yzp}}},
      {0, 1, 2}, {3}, options(o));
  const auto yq = run_single<std::int8_t, std::int8_t>(int8_model, {xq});
  // The float model of the dequantized int8 values.
  std::vector<float> wd, bd;
  for (std::size_t i = 0; i < wq.size(); ++i) wd.push_back(w_scales[i / 27] * wq[i]);
  for (std::size_t c = 0; c < 4; ++c) bd.push_back(xs * w_scales[c] * static_cast<float>(bq[c]));
  auto float_model = single_op_model(tflite::BuiltinOperator_CONV_2D,
                                     {{{1, 5, 5, 3}}, {{4, 3, 3, 3}, TensorType_FLOAT32, bytes_of(wd)},
                                      {{4}, TensorType_FLOAT32, bytes_of(bd)}, {{1, 3, 3, 4}}},
                                     {0, 1, 2}, {3}, options(o));
  check_close(yq, run_single<float, float>(float_model, {dequantize(xq, xs, xzp)}), ys, yzp);
}

TEST_CASE("lite ops: DEPTHWISE_CONV_2D float by hand and int8 against float") {
  tflite::DepthwiseConv2DOptionsT o;
  o.padding = tflite::Padding_VALID;
  o.stride_w = o.stride_h = 1;
  o.depth_multiplier = 1;
  // x 1x2x2x2 (channel 0 = 1,2,3,4; channel 1 = 10,20,30,40), filter 1x2x2x2.
  const std::vector<float> w{1, 0, 1, 0, 1, 0, 1, 1};  // [ky][kx][c]
  auto model = single_op_model(tflite::BuiltinOperator_DEPTHWISE_CONV_2D,
                               {{{1, 2, 2, 2}}, {{1, 2, 2, 2}, TensorType_FLOAT32, bytes_of(w)}, {{1, 1, 1, 2}}},
                               {0, 1, -1}, {2}, options(o));
  const auto y = run_single<float, float>(model, {{1, 10, 2, 20, 3, 30, 4, 40}});
  CHECK(y == std::vector<float>{10, 40});

  o.padding = tflite::Padding_SAME;
  const auto xf = random_values(1 * 4 * 4 * 2, -1, 1, 3);
  const auto wf = random_values(1 * 3 * 3 * 4, -1, 1, 4);  // depth multiplier 2
  o.depth_multiplier = 2;
  const std::vector<float> w_scales{0.008f, 0.007f, 0.006f, 0.009f};
  std::vector<std::int8_t> wq;
  for (std::size_t i = 0; i < wf.size(); ++i) wq.push_back(quantize({wf[i]}, w_scales[i % 4], 0)[0]);
  const float xs = 1.0f / 127, ys = 0.03f;
  const auto xq = quantize(xf, xs, 0);
  auto int8_model = single_op_model(tflite::BuiltinOperator_DEPTHWISE_CONV_2D,
                                    {{{1, 4, 4, 2}, TensorType_INT8, {}, {xs}, {0}},
                                     {{1, 3, 3, 4}, TensorType_INT8, bytes_of(wq), w_scales, {0, 0, 0, 0}, 3},
                                     {{1, 4, 4, 4}, TensorType_INT8, {}, {ys}, {5}}},
                                    {0, 1, -1}, {2}, options(o));
  const auto yq = run_single<std::int8_t, std::int8_t>(int8_model, {xq});
  std::vector<float> wd;
  for (std::size_t i = 0; i < wq.size(); ++i) wd.push_back(w_scales[i % 4] * wq[i]);
  auto float_model = single_op_model(tflite::BuiltinOperator_DEPTHWISE_CONV_2D,
                                     {{{1, 4, 4, 2}}, {{1, 3, 3, 4}, TensorType_FLOAT32, bytes_of(wd)}, {{1, 4, 4, 4}}},
                                     {0, 1, -1}, {2}, options(o));
  check_close(yq, run_single<float, float>(float_model, {dequantize(xq, xs, 0)}), ys, 5);
}

TEST_CASE("lite ops: pooling, float and int8") {
  tflite::Pool2DOptionsT o;
  o.padding = tflite::Padding_VALID;
  o.stride_w = o.stride_h = 2;
  o.filter_width = o.filter_height = 2;
  const std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  auto max_model = single_op_model(tflite::BuiltinOperator_MAX_POOL_2D, {{{1, 4, 4, 1}}, {{1, 2, 2, 1}}}, {0}, {1},
                                   options(o));
  CHECK(run_single<float, float>(max_model, {x}) == std::vector<float>{6, 8, 14, 16});
  auto avg_model = single_op_model(tflite::BuiltinOperator_AVERAGE_POOL_2D, {{{1, 4, 4, 1}}, {{1, 2, 2, 1}}}, {0}, {1},
                                   options(o));
  CHECK(run_single<float, float>(avg_model, {x}) == std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f});
  // int8 average: (1 + 2 + 5 + 7) / 4 = 3.75 -> 4; (-1 - 2 - 5 - 6) / 4 = -3.5 -> -4 (half away from zero).
  auto avg8 = single_op_model(tflite::BuiltinOperator_AVERAGE_POOL_2D,
                              {{{1, 2, 4, 1}, TensorType_INT8, {}, {0.1f}, {0}}, {{1, 1, 2, 1}, TensorType_INT8, {}, {0.1f}, {0}}},
                              {0}, {1}, options(o));
  CHECK(run_single<std::int8_t, std::int8_t>(avg8, {{1, 2, -1, -2, 5, 7, -5, -6}}) == std::vector<std::int8_t>{4, -4});
}

TEST_CASE("lite ops: ADD and MUL, float with broadcasting and int8 against float") {
  auto add = single_op_model(tflite::BuiltinOperator_ADD, {{{2, 3}}, {{3}}, {{2, 3}}}, {0, 1}, {2});
  CHECK(run_single<float, float>(add, {{1, 2, 3, 4, 5, 6}, {10, 20, 30}}) == std::vector<float>{11, 22, 33, 14, 25, 36});
  auto mul = single_op_model(tflite::BuiltinOperator_MUL, {{{2, 1}}, {{1, 3}}, {{2, 3}}}, {0, 1}, {2});
  CHECK(run_single<float, float>(mul, {{2, 3}, {1, 10, 100}}) == std::vector<float>{2, 20, 200, 3, 30, 300});

  const auto af = random_values(64, -2, 2, 5), bf = random_values(64, -1, 3, 6);
  const float as = 4.0f / 255, bs = 4.0f / 255, ys = 6.0f / 255;
  const auto aq = quantize(af, as, 0), bq = quantize(bf, bs, -64);
  const auto ad = dequantize(aq, as, 0), bd = dequantize(bq, bs, -64);
  std::vector<float> sum, product;
  for (std::size_t i = 0; i < 64; ++i) {
    sum.push_back(ad[i] + bd[i]);
    product.push_back(ad[i] * bd[i]);
  }
  auto add8 = single_op_model(tflite::BuiltinOperator_ADD,
                              {{{64}, TensorType_INT8, {}, {as}, {0}}, {{64}, TensorType_INT8, {}, {bs}, {-64}},
                               {{64}, TensorType_INT8, {}, {ys}, {-20}}},
                              {0, 1}, {2});
  check_close(run_single<std::int8_t, std::int8_t>(add8, {aq, bq}), sum, ys, -20);
  auto mul8 = single_op_model(tflite::BuiltinOperator_MUL,
                              {{{64}, TensorType_INT8, {}, {as}, {0}}, {{64}, TensorType_INT8, {}, {bs}, {-64}},
                               {{64}, TensorType_INT8, {}, {0.05f}, {3}}},
                              {0, 1}, {2});
  check_close(run_single<std::int8_t, std::int8_t>(mul8, {aq, bq}), product, 0.05f, 3);
}

TEST_CASE("lite ops: CONCATENATION, PAD, GATHER, MEAN") {
  tflite::ConcatenationOptionsT c;
  c.axis = -1;
  auto concat = single_op_model(tflite::BuiltinOperator_CONCATENATION, {{{2, 1}}, {{2, 2}}, {{2, 3}}}, {0, 1}, {2}, options(c));
  CHECK(run_single<float, float>(concat, {{1, 2}, {10, 11, 20, 21}}) == std::vector<float>{1, 10, 11, 2, 20, 21});

  auto pad = single_op_model(tflite::BuiltinOperator_PAD,
                             {{{1, 2}}, {{2, 2}, TensorType_INT32, bytes_of(std::vector<std::int32_t>{0, 1, 1, 0})}, {{2, 3}}},
                             {0, 1}, {2}, options(tflite::PadOptionsT{}));
  CHECK(run_single<float, float>(pad, {{5, 6}}) == std::vector<float>{0, 5, 6, 0, 0, 0});

  auto gather = single_op_model(tflite::BuiltinOperator_GATHER,
                                {{{3, 2}, TensorType_FLOAT32, bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6})},
                                 {{4}, TensorType_INT32}, {{4, 2}}},
                                {0, 1}, {2}, options(tflite::GatherOptionsT{}));
  CHECK(run_single<float, std::int32_t>(gather, {{2, 0, 0, 1}}) == std::vector<float>{5, 6, 1, 2, 1, 2, 3, 4});
  const auto out_of_range = [&] { run_single<float, std::int32_t>(gather, {{3, 0, 0, 0}}); };
  CHECK_THROWS_WITH_AS(out_of_range(), doctest::Contains("index 3 is out of range [0, 3)"), strata::ValueError);

  tflite::ReducerOptionsT r;
  r.keep_dims = true;
  auto mean = single_op_model(tflite::BuiltinOperator_MEAN,
                              {{{1, 2, 2, 2}}, {{2}, TensorType_INT32, bytes_of(std::vector<std::int32_t>{1, 2})}, {{1, 1, 1, 2}}},
                              {0, 1}, {2}, options(r));
  CHECK(run_single<float, float>(mean, {{1, 10, 2, 20, 3, 30, 4, 40}}) == std::vector<float>{2.5f, 25});
}

TEST_CASE("lite ops: TRANSPOSE_CONV float by hand") {
  tflite::TransposeConvOptionsT o;
  o.padding = tflite::Padding_VALID;
  o.stride_w = o.stride_h = 2;
  // x 1x2x2x1 = [1, 2; 3, 4], filter 1x2x2x1 of ones, stride 2: each input fills its own 2x2 block.
  auto model = single_op_model(tflite::BuiltinOperator_TRANSPOSE_CONV,
                               {{{4}, TensorType_INT32, bytes_of(std::vector<std::int32_t>{1, 4, 4, 1})},
                                {{1, 2, 2, 1}, TensorType_FLOAT32, bytes_of(std::vector<float>{1, 1, 1, 1})},
                                {{1, 2, 2, 1}}, {{1, 4, 4, 1}}},
                               {0, 1, 2}, {3}, options(o));
  CHECK(run_single<float, float>(model, {{1, 2, 3, 4}}) ==
        std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
}

TEST_CASE("lite ops: QUANTIZE, DEQUANTIZE, int8 LOGISTIC") {
  auto q = single_op_model(tflite::BuiltinOperator_QUANTIZE, {{{4}}, {{4}, TensorType_INT8, {}, {0.5f}, {-1}}}, {0}, {1});
  // round(x / 0.5) - 1, clamped: 1.25 -> 2.5 -> 3 (half away from zero) -> 2
  CHECK(run_single<std::int8_t, float>(q, {{0.0f, 1.25f, -1.0f, 1000.0f}}) == std::vector<std::int8_t>{-1, 2, -3, 127});
  auto dq = single_op_model(tflite::BuiltinOperator_DEQUANTIZE, {{{2}, TensorType_INT8, {}, {0.5f}, {-1}}, {{2}}}, {0}, {1});
  CHECK(run_single<float, std::int8_t>(dq, {{-1, 3}}) == std::vector<float>{0.0f, 2.0f});
  auto sigmoid = single_op_model(tflite::BuiltinOperator_LOGISTIC,
                                 {{{256}, TensorType_INT8, {}, {0.05f}, {0}}, {{256}, TensorType_INT8, {}, {1.0f / 256}, {-128}}},
                                 {0}, {1});
  std::vector<std::int8_t> all;
  std::vector<float> expected;
  for (int v = -128; v <= 127; ++v) {
    all.push_back(static_cast<std::int8_t>(v));
    expected.push_back(1.0f / (1.0f + std::exp(-0.05f * static_cast<float>(v))));
  }
  check_close(run_single<std::int8_t, std::int8_t>(sigmoid, {all}), expected, 1.0f / 256, -128);
}

TEST_CASE("lite ops: int8 LEAKY_RELU against float, and by hand") {
  tflite::LeakyReluOptionsT o;
  o.alpha = 0.25f;
  auto model = single_op_model(tflite::BuiltinOperator_LEAKY_RELU,
                               {{{256}, TensorType_INT8, {}, {0.04f}, {10}}, {{256}, TensorType_INT8, {}, {0.03f}, {-20}}},
                               {0}, {1}, options(o));
  std::vector<std::int8_t> all;
  std::vector<float> expected;
  for (int v = -128; v <= 127; ++v) {
    all.push_back(static_cast<std::int8_t>(v));
    const float real = 0.04f * static_cast<float>(v - 10);
    expected.push_back(real >= 0 ? real : 0.25f * real);
  }
  const auto y = run_single<std::int8_t, std::int8_t>(model, {all});
  check_close(y, expected, 0.03f, -20);
  // x = 13 (real 0.12): 3 * 0.04 / 0.03 = 4 -> -16; x = -2 (real -0.48): -12 * 0.01 / 0.03 = -4 -> -24.
  CHECK(y[13 + 128] == -16);
  CHECK(y[-2 + 128] == -24);
}

