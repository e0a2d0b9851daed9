// st::lite::convert, float graphs: each layer kind converted, run through st::lite::Interpreter and
// compared with Strata's predict (1e-5 relative); the file's structure as TensorFlow's converter
// writes it; unsupported layers and unwritable paths.
#include <doctest/doctest.h>

#include <filesystem>

#include "lite/converter_test_util.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;
using namespace strata::lite::testing;
using st::lite::convert;

namespace {
const st::testing::TempDir temp_dir("lite_converter");
}

TEST_CASE("converter: the file is a verified TFL3 flatbuffer laid out as TensorFlow's converter writes it") {
  st::set_random_seed(1);
  st::Sequential model({Input({3}), Dense(4, "relu", {.name = "hidden"}), Dense(2, {.name = "out"})});
  const auto bytes = convert(model);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  REQUIRE(tflite::VerifyModelBuffer(verifier));
  CHECK(std::string(reinterpret_cast<const char*>(bytes.data()) + 4, 4) == "TFL3");
  const auto* m = model_of(bytes);
  CHECK(m->version() == 3);
  REQUIRE(m->subgraphs()->size() == 1);
  const auto* sg = m->subgraphs()->Get(0);
  CHECK(sg->name()->str() == "main");
  CHECK(op_codes(bytes) == std::vector<int>{tflite::BuiltinOperator_FULLY_CONNECTED, tflite::BuiltinOperator_FULLY_CONNECTED});
  const auto* code = m->operator_codes()->Get(0);
  CHECK(code->deprecated_builtin_code() == 9);
  CHECK(code->builtin_code() == tflite::BuiltinOperator_FULLY_CONNECTED);
  CHECK(m->buffers()->Get(0)->data() == nullptr);  // buffer 0: the empty sentinel
  // FULLY_CONNECTED weights [out, in] = Keras's kernel transposed; fused RELU on the first.
  const auto* w = tensor_named(bytes, "hidden/kernel");
  REQUIRE(w != nullptr);
  CHECK(std::vector<int>(w->shape()->begin(), w->shape()->end()) == std::vector<int>{4, 3});
  const auto kernel = model.get_layer("hidden")->get_weights()[0].to_vector<float>();
  const auto* data = reinterpret_cast<const float*>(m->buffers()->Get(w->buffer())->data()->data());
  CHECK(data[1 * 3 + 2] == kernel[2 * 4 + 1]);
  CHECK(sg->operators()->Get(0)->builtin_options_as_FullyConnectedOptions()->fused_activation_function() ==
        tflite::ActivationFunctionType_RELU);
  const auto* input = sg->tensors()->Get(sg->inputs()->Get(0));
  CHECK(std::vector<int>(input->shape_signature()->begin(), input->shape_signature()->end()) == std::vector<int>{-1, 3});
  REQUIRE(m->signature_defs()->size() == 1);
  CHECK(m->signature_defs()->Get(0)->signature_key()->str() == "serving_default");
  REQUIRE(m->metadata()->size() == 1);
  CHECK(m->metadata()->Get(0)->name()->str() == "min_runtime_version");
}

TEST_CASE("converter: Dense MLP with relu and softmax matches predict") {
  st::set_random_seed(2);
  st::Sequential model({Input({6}), Dense(8, "relu"), Dropout(0.5), Dense(5, "tanh"), Dense(3, "softmax")});
  const st::Tensor x = st::normal({4, 6}, {.seed = 3});
  const auto bytes = convert(model);
  CHECK(op_codes(bytes) == std::vector<int>{9, 9, tflite::BuiltinOperator_TANH, 9, tflite::BuiltinOperator_SOFTMAX});
  check_matches_predict(model, x, bytes);
}

TEST_CASE("converter: Conv2D, BatchNormalization folded, DepthwiseConv2D, SeparableConv2D, Flatten match predict") {
  st::set_random_seed(4);
  auto bn = BatchNormalization();
  st::Sequential model({Input({8, 8, 3}), Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "same"}), bn,
                        Activation("relu"), DepthwiseConv2D({3, 3}, {.strides = 2, .depth_multiplier = 2}),
                        SeparableConv2D(5, {2, 2}, {.padding = "same", .activation = "relu6"}), Flatten(),
                        Dense(3, "sigmoid")});
  // Non-trivial statistics, so that the fold changes the kernel.
  auto w = bn->get_weights();
  w[0] = st::uniform({4}, {.minval = 0.5, .maxval = 1.5, .seed = 5});
  w[1] = st::normal({4}, {.seed = 6});
  w[2] = st::normal({4}, {.seed = 7});
  w[3] = st::uniform({4}, {.minval = 0.5, .maxval = 2.0, .seed = 8});
  bn->set_weights(w);
  const st::Tensor x = st::normal({2, 8, 8, 3}, {.seed = 9});
  const auto bytes = convert(model);
  const auto codes = op_codes(bytes);
  CHECK(std::count(codes.begin(), codes.end(), tflite::BuiltinOperator_MUL) == 0);  // folded
  // The ReLU layer fuses into the conv (the fold left it nothing else to follow).
  CHECK(codes == std::vector<int>{tflite::BuiltinOperator_CONV_2D, tflite::BuiltinOperator_DEPTHWISE_CONV_2D, tflite::BuiltinOperator_DEPTHWISE_CONV_2D,
                                  tflite::BuiltinOperator_CONV_2D, tflite::BuiltinOperator_RESHAPE,
                                  tflite::BuiltinOperator_FULLY_CONNECTED, tflite::BuiltinOperator_LOGISTIC});
  check_matches_predict(model, x, bytes);
}

TEST_CASE("converter: BatchNormalization after a fused activation is a MUL and an ADD") {
  st::set_random_seed(10);
  st::Sequential model({Input({4}), Dense(3, "relu"), BatchNormalization()});
  const auto codes = op_codes(convert(model));
  CHECK(codes == std::vector<int>{tflite::BuiltinOperator_FULLY_CONNECTED, tflite::BuiltinOperator_MUL,
                                  tflite::BuiltinOperator_ADD});
}

TEST_CASE("converter: Conv1D, Reshape and activation layers match predict") {
  st::set_random_seed(11);
  st::Sequential model({Input({10, 3}), Conv1D(4, 3, {.strides = 2, .activation = "relu"}), LeakyReLU(0.1),
                        Reshape({16}), Dense(6), Activation("tanh"), Dense(2)});
  const st::Tensor x = st::normal({3, 10, 3}, {.seed = 12});
  const auto bytes = convert(model);
  const auto codes = op_codes(bytes);
  CHECK(codes == std::vector<int>{tflite::BuiltinOperator_RESHAPE, tflite::BuiltinOperator_CONV_2D,
                                  tflite::BuiltinOperator_RESHAPE, tflite::BuiltinOperator_LEAKY_RELU,
                                  tflite::BuiltinOperator_RESHAPE, 9, tflite::BuiltinOperator_TANH, 9});
  check_matches_predict(model, x, bytes);
}

TEST_CASE("converter: swish is LOGISTIC and MUL, and matches predict") {
  st::set_random_seed(25);
  st::Sequential model({Input({5}), Dense(4, "swish"), Dense(2)});
  const auto bytes = convert(model);
  CHECK(op_codes(bytes) == std::vector<int>{9, tflite::BuiltinOperator_LOGISTIC, tflite::BuiltinOperator_MUL, 9});
  check_matches_predict(model, st::normal({3, 5}, {.seed = 26}), bytes);
}

TEST_CASE("converter: LSTM with return_sequences is UNIDIRECTIONAL_SEQUENCE_LSTM and matches predict") {
  st::set_random_seed(13);
  st::Sequential model({Input({5, 3}), LSTM(4, {.return_sequences = true}), Flatten(), Dense(2)});
  const st::Tensor x = st::normal({1, 5, 3}, {.seed = 14});
  const auto bytes = convert(model);
  CHECK(op_codes(bytes)[0] == tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM);
  check_matches_predict(model, x, bytes, 1e-4);
}

TEST_CASE("converter: a Functional model keeps its inputs' and outputs' names in the signature") {
  st::set_random_seed(15);
  auto x = Input({4}, {.name = "features"});
  auto y = Dense(2, {.name = "score"})(Dense(3, "relu")(x));
  st::Model model({x}, {y});
  const auto bytes = convert(model);
  const auto* sig = model_of(bytes)->signature_defs()->Get(0);
  CHECK(sig->inputs()->Get(0)->name()->str() == "features");
  CHECK(sig->outputs()->Get(0)->name()->str() == "score");
  check_matches_predict(model, st::normal({3, 4}, {.seed = 16}), bytes);
}

TEST_CASE("converter: merging, pooling, padding and embedding layers become TFLite's operators") {
  st::set_random_seed(17);
  auto in = Input({6, 6, 2});
  auto a = Conv2D(3, {3, 3}, {.padding = "same"})(in);
  auto b = Conv2D(3, {1, 1})(in);
  auto s = Add()({a, b});
  auto m = Multiply()({s, b});
  auto c = Concatenate()({m, a});
  auto p = MaxPooling2D({2, 2})(ZeroPadding2D({1, 1})(c));
  auto q = AveragePooling2D({2, 2})(p);
  auto g = GlobalAveragePooling2D()(q);
  st::Model model({in}, {Dense(2)(g)});
  const auto bytes = convert(model);
  const auto codes = op_codes(bytes);
  for (int code : {tflite::BuiltinOperator_ADD, tflite::BuiltinOperator_MUL, tflite::BuiltinOperator_CONCATENATION,
                   tflite::BuiltinOperator_PAD, tflite::BuiltinOperator_MAX_POOL_2D,
                   tflite::BuiltinOperator_AVERAGE_POOL_2D, tflite::BuiltinOperator_MEAN})
    CHECK(std::count(codes.begin(), codes.end(), code) == 1);
  const auto* sg = model_of(bytes)->subgraphs()->Get(0);
  for (const auto* op : *sg->operators()) {
    if (const auto* pool = op->builtin_options_as_Pool2DOptions()) {
      CHECK(pool->filter_width() == 2);
      CHECK(pool->stride_h() == 2);
    }
    if (const auto* concat = op->builtin_options_as_ConcatenationOptions()) CHECK(concat->axis() == 3);
  }
  check_matches_predict(model, st::normal({2, 6, 6, 2}, {.seed = 18}), bytes);
  // PAD's paddings: [[0, 0], [1, 1], [1, 1], [0, 0]].
  const auto* pads = tensor_named(bytes, std::string(model.layers()[7]->name()) + "_paddings");
  if (pads == nullptr)
    for (const auto* t : *sg->tensors())
      if (t->name()->str().ends_with("_paddings")) pads = t;
  REQUIRE(pads != nullptr);
  const auto* pd = reinterpret_cast<const std::int32_t*>(model_of(bytes)->buffers()->Get(pads->buffer())->data()->data());
  CHECK(std::vector<int>(pd, pd + 8) == std::vector<int>{0, 0, 1, 1, 1, 1, 0, 0});

  st::Sequential embed({Input({5}), Embedding(10, 4), Flatten(), Dense(1)});
  const auto ecodes = op_codes(convert(embed));
  CHECK(ecodes[0] == tflite::BuiltinOperator_CAST);
  CHECK(ecodes[1] == tflite::BuiltinOperator_GATHER);
}

TEST_CASE("converter: Conv2DTranspose, Conv1D pooling and a BatchNormalization without a kernel match predict") {
  st::set_random_seed(19);
  st::Sequential image({Input({4, 4, 2}), Conv2DTranspose(3, {3, 3}, {.strides = 2, .padding = "same"}),
                        Conv2DTranspose(2, {2, 2}, {.activation = "relu"}), GlobalMaxPooling2D(), Dense(2)});
  const auto codes = op_codes(convert(image));
  CHECK(codes[0] == tflite::BuiltinOperator_TRANSPOSE_CONV);
  CHECK(codes[2] == tflite::BuiltinOperator_RELU);  // not fused into TRANSPOSE_CONV
  CHECK(codes[3] == tflite::BuiltinOperator_REDUCE_MAX);
  st::Sequential no_pool({Input({4, 4, 2}), Conv2DTranspose(3, {3, 3}, {.strides = 2, .padding = "same"}),
                          Conv2DTranspose(2, {2, 2}, {.activation = "relu"}), Flatten(), Dense(2)});
  check_matches_predict(no_pool, st::normal({1, 4, 4, 2}, {.seed = 20}), convert(no_pool));
  st::Sequential seq({Input({12, 3}), BatchNormalization(), MaxPooling1D(2), Conv1D(4, 3, {.padding = "same"}),
                      AveragePooling1D(3), GlobalAveragePooling1D(), Dense(2)});
  check_matches_predict(seq, st::normal({3, 12, 3}, {.seed = 21}), convert(seq));
}

TEST_CASE("converter: one error lists every unsupported layer") {
  st::Sequential model({Input({5, 3}), GRU(4, {.return_sequences = true}), LayerNormalization(), LSTM(3),
                        Dense(2, {.name = "fine"})});
  try {
    convert(model);
    FAIL("expected NotImplementedError");
  } catch (const st::NotImplementedError& e) {
    const std::string message = e.what();
    CHECK(message.find("3 layer(s) not supported for TF Lite export") != std::string::npos);
    CHECK(message.find("(GRU)") != std::string::npos);
    CHECK(message.find("(LayerNormalization)") != std::string::npos);
    CHECK(message.find("(LSTM): LSTM without return_sequences=True") != std::string::npos);
    CHECK(message.find("fine") == std::string::npos);
  }
}

TEST_CASE("converter: an unwritable output path is an IOError naming it") {
  st::Sequential model({Input({2}), Dense(1)});
  const std::string path = temp_dir.file("no_such_dir/sub/model.tflite");
  CHECK_THROWS_AS(convert(model, path), st::IOError);
  const std::string ok = temp_dir.file("model.tflite");
  convert(model, ok);
  CHECK(std::filesystem::file_size(ok) == convert(model).size());
}
