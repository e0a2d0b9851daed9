// st::lite::convert with TFLite's post-training quantization: the formulas against hand-computed
// values, the tensors each mode writes, int8 files within a few quantization steps of float, and a
// representative dataset of the wrong shape.
#include <doctest/doctest.h>

#include <cmath>

#include "lite/converter_test_util.hpp"

namespace st = strata;
using namespace strata::layers;
using namespace strata::lite::testing;
using st::lite::convert;
using st::lite::Quantization;

TEST_CASE("quantization formulas: asymmetric activations, nudged zero point; symmetric per-channel weights") {
  // [-1, 3]: scale 4/255; zero point from min -128 + 63.75 = -64.25 -> -64.
  auto p = st::lite::asymmetric_int8(-1.0f, 3.0f);
  CHECK(p.scale == doctest::Approx(4.0 / 255.0));
  CHECK(p.zero_point == -64);
  // The range is widened to hold 0: [0.5, 2] acts as [0, 2], zero point -128.
  p = st::lite::asymmetric_int8(0.5f, 2.0f);
  CHECK(p.scale == doctest::Approx(2.0 / 255.0));
  CHECK(p.zero_point == -128);
  // All negative: [-2, 0] -> zero point 127.
  p = st::lite::asymmetric_int8(-2.0f, -0.5f);
  CHECK(p.zero_point == 127);
  // A point range: scale 1, zero point 0.
  p = st::lite::asymmetric_int8(0.0f, 0.0f);
  CHECK(p.scale == 1.0f);
  CHECK(p.zero_point == 0);
  // Weights [2, 3], channel axis 0: max|w| / 127 per row; an all-zero row gets scale 1.
  const auto s = st::lite::symmetric_scales({0.5f, -1.27f, 0.2f, 0.0f, 0.0f, 0.0f}, {2, 3}, 0);
  CHECK(s[0] == doctest::Approx(0.01));
  CHECK(s[1] == 1.0f);
  // Axis 1 (depthwise [1, kh, kw, C] uses the last): per column.
  const auto c = st::lite::symmetric_scales({0.5f, -1.27f, 0.2f, 2.54f}, {2, 2}, 1);
  CHECK(c[0] == doctest::Approx(0.5 / 127.0));
  CHECK(c[1] == doctest::Approx(0.02));
}

namespace {

st::Sequential mlp() {
  st::set_random_seed(21);
  return st::Sequential({Input({16}), Dense(64, "relu", {.name = "h1"}), Dense(32, "relu", {.name = "h2"}),
                         Dense(4, "softmax", {.name = "out"})});
}

}  // namespace

TEST_CASE("int8: weights per-channel symmetric, int32 biases of scale s_in*s_w, softmax output 1/256 zp -128") {
  auto model = mlp();
  const st::Tensor rep = st::normal({64, 16}, {.seed = 22});
  const auto bytes = convert(model, {.quantization = Quantization::int8, .representative_data = rep});
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  REQUIRE(tflite::VerifyModelBuffer(verifier));
  CHECK(op_codes(bytes) == std::vector<int>{tflite::BuiltinOperator_QUANTIZE, 9, 9, 9, tflite::BuiltinOperator_SOFTMAX,
                                            tflite::BuiltinOperator_DEQUANTIZE});
  const auto* w = tensor_named(bytes, "h1/kernel");
  REQUIRE(w != nullptr);
  CHECK(w->type() == tflite::TensorType_INT8);
  REQUIRE(w->quantization()->scale()->size() == 64);
  CHECK(w->quantization()->quantized_dimension() == 0);
  // Channel 5's scale is max|kernel[:, 5]| / 127.
  const auto kernel = model.get_layer("h1")->get_weights()[0].to_vector<float>();
  float max_abs = 0.0f;
  for (int i = 0; i < 16; ++i) max_abs = std::max(max_abs, std::abs(kernel[i * 64 + 5]));
  CHECK(w->quantization()->scale()->Get(5) == doctest::Approx(max_abs / 127.0f));
  const auto* m = model_of(bytes);
  const auto* wq = reinterpret_cast<const std::int8_t*>(m->buffers()->Get(w->buffer())->data()->data());
  CHECK(wq[5 * 16 + 3] == static_cast<int>(std::round(kernel[3 * 64 + 5] / (max_abs / 127.0f))));
  // The input's range comes from the representative data: min / max of rep.
  const auto* in = tensor_named(bytes, "serving_default_h1_input_int8");
  REQUIRE(in != nullptr);
  const auto r = rep.to_vector<float>();
  const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
  const auto expected = st::lite::asymmetric_int8(*lo, *hi);
  CHECK(in->quantization()->scale()->Get(0) == doctest::Approx(expected.scale));
  CHECK(in->quantization()->zero_point()->Get(0) == expected.zero_point);
  const auto* b = tensor_named(bytes, "h1/bias");
  CHECK(b->type() == tflite::TensorType_INT32);
  CHECK(b->quantization()->scale()->Get(5) == doctest::Approx(expected.scale * w->quantization()->scale()->Get(5)));
  const auto* sm = m->subgraphs()->Get(0)->tensors()->Get(m->subgraphs()->Get(0)->operators()->Get(4)->outputs()->Get(0));
  CHECK(sm->quantization()->scale()->Get(0) == 1.0f / 256.0f);
  CHECK(sm->quantization()->zero_point()->Get(0) == -128);
}

TEST_CASE("int8: outputs within a few quantization steps of the float model; --int8-io gives int8 ends") {
  auto model = mlp();
  const st::Tensor rep = st::normal({128, 16}, {.seed = 23});
  const st::Tensor x = st::normal({8, 16}, {.seed = 24});
  const auto expected = model.predict(x).to_vector<float>();
  const auto got = run_tflite(convert(model, {.quantization = Quantization::int8, .representative_data = rep}), x);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - expected[i]) <= 4.0 / 256.0);

  const auto bytes =
      convert(model, {.quantization = Quantization::int8, .representative_data = rep, .int8_io = true});
  auto interpreter = st::lite::Interpreter::from_bytes(bytes);
  const auto in = interpreter.get_input_details()[0], out = interpreter.get_output_details()[0];
  CHECK(in.dtype == st::lite::ElementType::int8);
  CHECK(out.dtype == st::lite::ElementType::int8);
  CHECK(out.quantization.scale[0] == 1.0f / 256.0f);
  CHECK(op_codes(bytes).front() == 9);
}

TEST_CASE("float16: float16 weight buffers and DEQUANTIZE ops; outputs within float16 error") {
  auto model = mlp();
  const auto bytes = convert(model, {.quantization = Quantization::float16});
  const auto codes = op_codes(bytes);
  CHECK(std::count(codes.begin(), codes.end(), tflite::BuiltinOperator_DEQUANTIZE) == 6);  // 3 kernels, 3 biases
  CHECK(tensor_named(bytes, "h1/kernel")->type() == tflite::TensorType_FLOAT16);
  CHECK(tensor_named(bytes, "h1/kernel_dequantized")->type() == tflite::TensorType_FLOAT32);
  const st::Tensor x = st::normal({4, 16}, {.seed = 25});
  const auto expected = model.predict(x).to_vector<float>();
  const auto got = run_tflite(bytes, x);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-2).scale(1.0));
}

TEST_CASE("dynamic range: int8 weights from 1024 elements on, float activations, asymmetric inputs") {
  auto model = mlp();
  const auto bytes = convert(model, {.quantization = Quantization::dynamic});
  CHECK(tensor_named(bytes, "h1/kernel")->type() == tflite::TensorType_INT8);   // 1024 elements
  CHECK(tensor_named(bytes, "h2/kernel")->type() == tflite::TensorType_INT8);   // 2048
  CHECK(tensor_named(bytes, "out/kernel")->type() == tflite::TensorType_FLOAT32);  // 128: stays float
  CHECK(tensor_named(bytes, "h1/bias")->type() == tflite::TensorType_FLOAT32);
  const auto* sg = model_of(bytes)->subgraphs()->Get(0);
  CHECK(sg->operators()->Get(0)->builtin_options_as_FullyConnectedOptions()->asymmetric_quantize_inputs());
  CHECK(sg->tensors()->Get(sg->inputs()->Get(0))->type() == tflite::TensorType_FLOAT32);
}

TEST_CASE("int8: a representative dataset of the wrong shape, or none, is a ValueError naming the shapes") {
  auto model = mlp();
  try {
    convert(model, {.quantization = Quantization::int8, .representative_data = st::normal({10, 15}, {.seed = 1})});
    FAIL("expected ValueError");
  } catch (const st::ValueError& e) {
    CHECK(std::string(e.what()) ==
          "representative dataset has shape (10, 15) but the model's input 'h1_input' expects (None, 16)");
  }
  CHECK_THROWS_AS(convert(model, {.quantization = Quantization::int8}), st::ValueError);
  CHECK_THROWS_AS(convert(model, {.int8_io = true}), st::ValueError);
}

TEST_CASE("int8: a convnet (conv + folded BatchNormalization + ReLU, pooling, padding, depthwise) within a few steps") {
  st::set_random_seed(41);
  st::Sequential model({Input({8, 8, 2}), Conv2D(4, {3, 3}), BatchNormalization(), Activation("relu"),
                        ZeroPadding2D(1), MaxPooling2D(2), DepthwiseConv2D({2, 2}, {.activation = "relu"}),
                        AveragePooling2D(2), Flatten(), Dense(3, "softmax")});
  const st::Tensor rep = st::normal({64, 8, 8, 2}, {.seed = 42});
  const st::Tensor x = st::normal({6, 8, 8, 2}, {.seed = 43});
  const auto bytes = convert(model, {.quantization = Quantization::int8, .representative_data = rep});
  const auto codes = op_codes(bytes);
  CHECK(std::count(codes.begin(), codes.end(), tflite::BuiltinOperator_RELU) == 0);  // fused into the conv
  const auto expected = model.predict(x).to_vector<float>();
  const auto got = run_tflite(bytes, x);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - expected[i]) <= 6.0 / 256.0);
}
