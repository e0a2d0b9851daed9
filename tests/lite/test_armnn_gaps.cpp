// The operators the converter writes that Arm NN 20.08's TfLiteParser lacks (so
// tests/lite/armnn_check.py cannot cross-check them): checked here against TFLite's reference
// formulas with hand-computed values. UNIDIRECTIONAL_SEQUENCE_LSTM float (kernels/lstm_eval.cc),
// GATHER int8 (a copy: the output shares the input's quantization). Float GATHER is in
// test_lite_ops.cpp, int8 LSTM against TFLite Micro's mnist_lstm in test_lite_fixtures.cpp.
#include <doctest/doctest.h>

#include "lite/single_op_model.hpp"

using namespace strata::lite::testing;
using tflite::TensorType_FLOAT32;
using tflite::TensorType_INT32;
using tflite::TensorType_INT8;

TEST_CASE("armnn gaps: UNIDIRECTIONAL_SEQUENCE_LSTM float, two steps of one unit by hand") {
  // i = σ(W_i x + R_i h + b_i), f, o likewise, g = tanh(W_c x + R_c h + b_c), c = f c + i g, h = o tanh(c).
  // W = (i 0.5, f -0.3, c 0.8, o 0.2), R = (0.1, 0.4, -0.6, 0.9), b = (0.1, 1.0, 0, -0.2); x = 1, -2:
  // step 1: c = 0.428739528, h = 0.202133688; step 2: c = 0.086387713, h = 0.034208824.
  const auto scalar = [](float v) { return TensorSpec{{1, 1}, TensorType_FLOAT32, bytes_of(std::vector<float>{v})}; };
  const auto bias = [](float v) { return TensorSpec{{1}, TensorType_FLOAT32, bytes_of(std::vector<float>{v})}; };
  TensorSpec state{{1, 1}};
  state.is_variable = true;
  std::vector<TensorSpec> tensors = {{{1, 2, 1}},                                                       // 0 input
                                     scalar(0.5f), scalar(-0.3f), scalar(0.8f), scalar(0.2f),           // 1-4
                                     scalar(0.1f), scalar(0.4f), scalar(-0.6f), scalar(0.9f),           // 5-8
                                     bias(0.1f), bias(1.0f), bias(0.0f), bias(-0.2f),                   // 9-12
                                     state, state,                                                      // 13-14 h, c
                                     {{1, 2, 1}}};                                                      // 15 output
  const std::vector<int> inputs = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1};
  tflite::UnidirectionalSequenceLSTMOptionsT o;
  o.fused_activation_function = tflite::ActivationFunctionType_TANH;
  const auto bytes = single_op_model(tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM, tensors, inputs, {15}, options(o));
  const auto h = run_single<float, float>(bytes, {{1.0f, -2.0f}});
  REQUIRE(h.size() == 2);
  CHECK(h[0] == doctest::Approx(0.2021336880699005).epsilon(1e-6));
  CHECK(h[1] == doctest::Approx(0.03420882365410018).epsilon(1e-5));
}

TEST_CASE("armnn gaps: GATHER int8 copies rows and keeps the quantization") {
  const std::vector<std::int8_t> table = {-128, 1, 7, 127, -3, 0};
  auto gather = single_op_model(tflite::BuiltinOperator_GATHER,
                                {{{3, 2}, TensorType_INT8, bytes_of(table), {0.5f}, {1}},
                                 {{3}, TensorType_INT32},
                                 {{3, 2}, TensorType_INT8, {}, {0.5f}, {1}}},
                                {0, 1}, {2}, options(tflite::GatherOptionsT{}));
  CHECK(run_single<std::int8_t, std::int32_t>(gather, {{2, 2, 0}}) == std::vector<std::int8_t>{-3, 0, -3, 0, -128, 1});
}
