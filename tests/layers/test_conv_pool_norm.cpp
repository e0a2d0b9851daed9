// Convolution, pooling and normalization: every layer through the layer harness, gradient checks
// of the conv / pool ops, and Keras's own outputs (the keras-js goldens of the shared folder).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "support/gradient_check.hpp"
#include "support/keras_goldens.hpp"
#include "support/layer_harness.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::check_gradients;
using strata::testing::distinct_f64;
using strata::testing::InputValues;
using strata::testing::json_tensor;
using strata::testing::random_f32;
using strata::testing::random_f64;
using strata::testing::run_layer_test;
using Inputs = std::vector<Tensor>;

// --- the layer harness ---

TEST_CASE("layer harness: Conv2D") {
  run_layer_test({.name = "Conv2D",
                  .make = [] { return Conv2D(3, 3, "tanh").ptr(); },
                  .make_f64 = [] { return Conv2D(3, 3, "tanh", {.dtype = float64}).ptr(); },
                  .input_shape = {2, 5, 5, 2},
                  .expected_output_shape = {2, 3, 3, 3},
                  .trainable_weights = 2,
                  .expected_config = {{"filters", 3},
                                      {"kernel_size", {3, 3}},
                                      {"strides", {1, 1}},
                                      {"padding", "valid"},
                                      {"data_format", "channels_last"},
                                      {"dilation_rate", {1, 1}},
                                      {"groups", 1},
                                      {"activation", "tanh"},
                                      {"use_bias", true},
                                      {"kernel_regularizer", nullptr},
                                      {"bias_constraint", nullptr}},
                  .bad_input_shape = Shape{2, 5, 5}});
  auto conv = Conv2D(4, {3, 2});
  (void)conv(zeros({1, 5, 5, 6}));
  CHECK(conv->kernel().shape() == Shape{3, 2, 6, 4});
}

TEST_CASE("layer harness: Conv2D with strides, same padding and groups") {
  run_layer_test({.name = "Conv2D",
                  .make = [] { return Conv2D(4, {3, 2}, {.strides = {2, 1}, .padding = "same", .groups = 2}).ptr(); },
                  .make_f64 = [] {
                    return Conv2D(4, {3, 2}, {.strides = {2, 1}, .padding = "same", .groups = 2, .dtype = float64}).ptr();
                  },
                  .input_shape = {2, 5, 4, 2},
                  .expected_output_shape = {2, 3, 4, 4},
                  .trainable_weights = 2,
                  .expected_config = {{"strides", {2, 1}}, {"padding", "same"}, {"groups", 2}},
                  .bad_input_shape = Shape{2, 5, 4, 3}});
}

TEST_CASE("layer harness: Conv2D channels_first, dilated, no bias") {
  run_layer_test({.name = "Conv2D",
                  .make = [] { return Conv2D(2, 2, {.data_format = "channels_first", .dilation_rate = 2, .use_bias = false}).ptr(); },
                  .make_f64 = [] {
                    return Conv2D(2, 2, {.data_format = "channels_first", .dilation_rate = 2, .use_bias = false, .dtype = float64})
                        .ptr();
                  },
                  .input_shape = {2, 3, 5, 5},
                  .expected_output_shape = {2, 2, 3, 3},
                  .trainable_weights = 1,
                  .expected_config = {{"data_format", "channels_first"}, {"dilation_rate", {2, 2}}, {"use_bias", false}}});
}

TEST_CASE("layer harness: Conv1D") {
  run_layer_test({.name = "Conv1D",
                  .make = [] { return Conv1D(3, 3, {.padding = "causal", .dilation_rate = 2}).ptr(); },
                  .make_f64 = [] { return Conv1D(3, 3, {.padding = "causal", .dilation_rate = 2, .dtype = float64}).ptr(); },
                  .input_shape = {2, 6, 2},
                  .expected_output_shape = {2, 6, 3},
                  .trainable_weights = 2,
                  .expected_config = {{"filters", 3}, {"kernel_size", {3}}, {"padding", "causal"}, {"dilation_rate", {2}}},
                  .bad_input_shape = Shape{2, 6}});
  run_layer_test({.name = "Conv1D",
                  .make = [] { return Conv1D(2, 2, "sigmoid", {.strides = 2}).ptr(); },
                  .make_f64 = [] { return Conv1D(2, 2, "sigmoid", {.strides = 2, .dtype = float64}).ptr(); },
                  .input_shape = {2, 7, 3},
                  .expected_output_shape = {2, 3, 2},
                  .trainable_weights = 2,
                  .expected_config = {{"strides", {2}}, {"activation", "sigmoid"}}});
  auto conv = Conv1D(5, 4);
  (void)conv(zeros({1, 9, 3}));
  CHECK(conv->kernel().shape() == Shape{4, 3, 5});
}

TEST_CASE("layer harness: MaxPooling2D and AveragePooling2D") {
  run_layer_test({.name = "MaxPooling2D",
                  .make = [] { return MaxPooling2D(2).ptr(); },
                  .input_shape = {2, 4, 4, 3},
                  .expected_output_shape = {2, 2, 2, 3},
                  .expected_config = {{"pool_size", {2, 2}}, {"strides", {2, 2}}, {"padding", "valid"},
                                      {"data_format", "channels_last"}},
                  .input_values = InputValues::distinct,
                  .bad_input_shape = Shape{2, 4, 4}});
  run_layer_test({.name = "MaxPooling2D",
                  .make = [] { return MaxPooling2D(3, {.strides = 2, .padding = "same"}).ptr(); },
                  .input_shape = {2, 5, 5, 2},
                  .expected_output_shape = {2, 3, 3, 2},
                  .expected_config = {{"pool_size", {3, 3}}, {"strides", {2, 2}}, {"padding", "same"}},
                  .input_values = InputValues::distinct});
  run_layer_test({.name = "AveragePooling2D",
                  .make = [] { return AveragePooling2D({2, 3}, {.padding = "same"}).ptr(); },
                  .input_shape = {2, 5, 5, 2},
                  .expected_output_shape = {2, 3, 2, 2},
                  .expected_config = {{"pool_size", {2, 3}}, {"strides", {2, 3}}, {"padding", "same"}},
                  .bad_input_shape = Shape{5, 5, 2}});
  run_layer_test({.name = "AveragePooling2D",
                  .make = [] { return AveragePooling2D(2, {.strides = 1, .data_format = "channels_first"}).ptr(); },
                  .input_shape = {2, 3, 4, 5},
                  .expected_output_shape = {2, 3, 3, 4},
                  .expected_config = {{"data_format", "channels_first"}, {"strides", {1, 1}}}});
}

TEST_CASE("layer harness: MaxPooling1D and AveragePooling1D") {
  run_layer_test({.name = "MaxPooling1D",
                  .make = [] { return MaxPooling1D().ptr(); },
                  .input_shape = {2, 6, 3},
                  .expected_output_shape = {2, 3, 3},
                  .expected_config = {{"pool_size", {2}}, {"strides", {2}}, {"padding", "valid"}},
                  .input_values = InputValues::distinct,
                  .bad_input_shape = Shape{2, 6, 3, 1}});
  run_layer_test({.name = "AveragePooling1D",
                  .make = [] { return AveragePooling1D(3, {.strides = 1, .padding = "same"}).ptr(); },
                  .input_shape = {2, 5, 2},
                  .expected_output_shape = {2, 5, 2},
                  .expected_config = {{"pool_size", {3}}, {"strides", {1}}, {"padding", "same"}}});
}

TEST_CASE("layer harness: global pooling") {
  run_layer_test({.name = "GlobalMaxPooling1D",
                  .make = [] { return GlobalMaxPooling1D().ptr(); },
                  .input_shape = {2, 4, 3},
                  .expected_output_shape = {2, 3},
                  .expected_config = {{"data_format", "channels_last"}, {"keepdims", false}},
                  .input_values = InputValues::distinct,
                  .bad_input_shape = Shape{2, 4}});
  run_layer_test({.name = "GlobalMaxPooling2D",
                  .make = [] { return GlobalMaxPooling2D({.keepdims = true}).ptr(); },
                  .input_shape = {2, 3, 4, 2},
                  .expected_output_shape = {2, 1, 1, 2},
                  .expected_config = {{"keepdims", true}},
                  .input_values = InputValues::distinct});
  run_layer_test({.name = "GlobalAveragePooling1D",
                  .make = [] { return GlobalAveragePooling1D({.data_format = "channels_first"}).ptr(); },
                  .input_shape = {2, 4, 3},
                  .expected_output_shape = {2, 4},
                  .expected_config = {{"data_format", "channels_first"}}});
  run_layer_test({.name = "GlobalAveragePooling2D",
                  .make = [] { return GlobalAveragePooling2D().ptr(); },
                  .input_shape = {2, 3, 4, 2},
                  .expected_output_shape = {2, 2},
                  .expected_config = {{"keepdims", false}},
                  .bad_input_shape = Shape{2, 3, 4}});
}

TEST_CASE("layer harness: BatchNormalization") {
  run_layer_test({.name = "BatchNormalization",
                  .make = [] { return BatchNormalization().ptr(); },
                  .make_f64 = [] { return BatchNormalization({.dtype = float64}).ptr(); },
                  .input_shape = {4, 3},
                  .expected_output_shape = {4, 3},
                  .trainable_weights = 2,
                  .non_trainable_weights = 2,
                  .expected_config = {{"axis", -1},
                                      {"momentum", 0.99},
                                      {"epsilon", 1e-3},
                                      {"center", true},
                                      {"scale", true},
                                      {"gamma_regularizer", nullptr}},
                  .gradient_check_training = true});
  run_layer_test({.name = "BatchNormalization",
                  .make = [] { return BatchNormalization({.axis = 1, .center = false}).ptr(); },
                  .make_f64 = [] { return BatchNormalization({.axis = 1, .center = false, .dtype = float64}).ptr(); },
                  .input_shape = {3, 2, 4},
                  .expected_output_shape = {3, 2, 4},
                  .trainable_weights = 1,
                  .non_trainable_weights = 2,
                  .expected_config = {{"axis", 1}, {"center", false}},
                  .gradient_check_training = true});
}

TEST_CASE("BatchNormalization: weight order, moving statistics move only in training") {
  auto bn = BatchNormalization({.momentum = 0.9});
  const Tensor x = Tensor::from_vector<float>({1, 10, 3, 20}, Shape{2, 2});
  (void)bn(x);
  const auto weights = bn->weights();
  REQUIRE(weights.size() == 4);
  CHECK(weights[0].name().find("gamma") != std::string::npos);
  CHECK(weights[1].name().find("beta") != std::string::npos);
  CHECK(weights[2].name().find("moving_mean") != std::string::npos);
  CHECK(weights[3].name().find("moving_variance") != std::string::npos);
  CHECK(bn->moving_mean().to_vector<float>() == std::vector<float>{0, 0});
  const Tensor y = bn(x, true);
  const auto mm = bn->moving_mean().to_vector<float>();
  const auto mv = bn->moving_variance().to_vector<float>();
  CHECK(mm[0] == doctest::Approx(0.2));   // 0.1 * mean(1, 3)
  CHECK(mm[1] == doctest::Approx(1.5));   // 0.1 * mean(10, 20)
  CHECK(mv[0] == doctest::Approx(0.9 + 0.1 * 1.0));
  CHECK(mv[1] == doctest::Approx(0.9 + 0.1 * 25.0));
  const auto yv = y.to_vector<float>();
  CHECK(yv[0] == doctest::Approx(-1.0 / std::sqrt(1.0 + 1e-3)).epsilon(1e-5));
  // A frozen layer runs in inference mode, as Keras.
  bn->set_trainable(false);
  (void)bn(x, true);
  CHECK(bn->moving_mean().to_vector<float>() == mm);
}

TEST_CASE("layer harness: LayerNormalization") {
  run_layer_test({.name = "LayerNormalization",
                  .make = [] { return LayerNormalization().ptr(); },
                  .make_f64 = [] { return LayerNormalization({.dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 4},
                  .trainable_weights = 2,
                  .expected_config = {{"axis", -1}, {"epsilon", 1e-3}, {"center", true}, {"scale", true}},
                  .bad_input_shape = Shape{5}});
  run_layer_test({.name = "LayerNormalization",
                  .make = [] { return LayerNormalization({.axis = {1, 2}, .scale = false}).ptr(); },
                  .make_f64 = [] { return LayerNormalization({.axis = {1, 2}, .scale = false, .dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 4},
                  .trainable_weights = 1,
                  .expected_config = {{"axis", {1, 2}}, {"scale", false}}});
}

// --- op gradients ---

TEST_CASE("conv2d op: gradients for input and kernel") {
  struct Case {
    Shape x, kernel;
    Conv2DOptions options;
  };
  const std::vector<Case> cases = {
      {{2, 5, 5, 2}, {3, 3, 2, 3}, {}},
      {{1, 6, 5, 3}, {2, 3, 3, 2}, {.strides = {2, 2}, .padding = "same"}},
      {{2, 7, 7, 2}, {3, 2, 2, 2}, {.strides = {1, 2}, .padding = "same", .dilation_rate = {2, 1}}},
      {{2, 4, 4, 4}, {2, 2, 2, 6}, {.padding = "same", .groups = 2}},
      {{2, 3, 3, 3}, {1, 1, 3, 2}, {}},  // 1x1: no im2col
  };
  for (const auto& c : cases) {
    INFO("x " << c.x.to_string() << ", kernel " << c.kernel.to_string() << ", padding " << c.options.padding);
    check_gradients([&](const Inputs& in) { return conv2d(in[0], in[1], c.options); },
                    {random_f64(c.x, -1, 1, 1), random_f64(c.kernel, -1, 1, 2)});
  }
}

TEST_CASE("conv2d op: its gradient ops are differentiable too") {
  const Conv2DOptions o{.strides = {2, 1}, .padding = "same"};
  const Shape x_shape{2, 5, 4, 2}, k_shape{3, 2, 2, 3};
  const Tensor dy = random_f64(conv2d(zeros(x_shape, float64), zeros(k_shape, float64), o).shape(), -1, 1, 3);
  check_gradients([&](const Inputs& in) { return conv2d_backward_input(in[0], in[1], x_shape, o); },
                  {dy, random_f64(k_shape, -1, 1, 4)});
  check_gradients([&](const Inputs& in) { return conv2d_backward_kernel(in[0], in[1], k_shape, o); },
                  {random_f64(x_shape, -1, 1, 5), dy});
}

TEST_CASE("conv1d op: causal padding, gradients") {
  const Tensor x = random_f64({2, 6, 3}, -1, 1, 6), k = random_f64({3, 3, 2}, -1, 1, 7);
  for (const char* padding : {"valid", "same", "causal"}) {
    INFO(padding);
    check_gradients([&](const Inputs& in) { return conv1d(in[0], in[1], {.padding = padding, .dilation_rate = 2}); },
                    {x, k});
  }
  // causal: output t sees inputs <= t only.
  const Tensor y = conv1d(x, k, {.padding = "causal"});
  CHECK(y.shape() == Shape{2, 6, 2});
  const Tensor y_cut = conv1d(slice(x, 1, 0, 3), k, {.padding = "causal"});
  const auto a = slice(y, 1, 0, 3).to_vector<double>(), b = y_cut.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]));
}

TEST_CASE("pool ops: gradients") {
  for (const char* padding : {"valid", "same"}) {
    INFO(padding);
    const Pool2DOptions o{.pool_size = {3, 2}, .strides = {2, 1}, .padding = padding};
    check_gradients([&](const Inputs& in) { return max_pool2d(in[0], o); }, {distinct_f64({2, 5, 4, 3})});
    check_gradients([&](const Inputs& in) { return avg_pool2d(in[0], o); }, {random_f64({2, 5, 4, 3})});
  }
  const Shape x_shape{1, 4, 4, 2};
  check_gradients([&](const Inputs& in) { return avg_pool2d_backward(in[0], x_shape, {}); },
                  {random_f64({1, 2, 2, 2})});
  // Windows that tile the input (stride == pool size, no padding) take the backend's tiled path,
  // here with a row and a column past the last window.
  check_gradients([&](const Inputs& in) { return max_pool2d(in[0], {.pool_size = {2, 2}}); },
                  {distinct_f64({2, 5, 5, 3})});
  check_gradients([&](const Inputs& in) { return max_pool2d(in[0], {.pool_size = {2, 3}}); },
                  {distinct_f64({1, 4, 7, 2})});
}

TEST_CASE("pool ops: max pooling routes the gradient to the first maximum of each window") {
  // (1, 3, 3, 1): one 2x2 window with a tie at its two maxima, the last row and column uncovered.
  const Tensor x = reshape(Tensor({1.0, 5.0, 9.0, 5.0, 2.0, 9.0, 9.0, 9.0, 9.0}), {1, 3, 3, 1});
  const Tensor dx = max_pool2d_backward(x, full({1, 1, 1, 1}, 7.0), {.pool_size = {2, 2}});
  CHECK(dx.to_vector<double>() == std::vector<double>{0, 7, 0, 0, 0, 0, 0, 0, 0});
  // Overlapping windows (stride 1) take the general path: the gradients add up.
  const Tensor dx2 = max_pool2d_backward(x, full({1, 2, 2, 1}, 1.0), {.pool_size = {2, 2}, .strides = {1, 1}});
  CHECK(dx2.to_vector<double>() == std::vector<double>{0, 1, 1, 0, 0, 1, 1, 0, 0});
}

TEST_CASE("conv ops: conv2d_forward fuses bias and relu") {
  const Tensor x = random_f64({2, 6, 5, 3}, -1.0, 1.0, 3);
  const Tensor k = random_f64({3, 2, 3, 4}, -1.0, 1.0, 4);
  const Tensor b = random_f64({4}, -0.5, 0.5, 5);
  for (const char* padding : {"valid", "same"}) {
    INFO(padding);
    const Conv2DOptions o{.strides = {2, 1}, .padding = padding};
    const Tensor fused = conv2d_forward(x, k, b, true, o);
    const Tensor composed = relu(conv2d(x, k, o) + b);
    const auto f = fused.to_vector<double>(), c = composed.to_vector<double>();
    REQUIRE(f.size() == c.size());
    for (std::size_t i = 0; i < f.size(); ++i) CHECK(f[i] == doctest::Approx(c[i]).epsilon(1e-12));
    check_gradients([&](const Inputs& in) { return conv2d_forward(in[0], in[1], in[2], true, o); }, {x, k, b});
    check_gradients([&](const Inputs& in) { return conv2d_forward(in[0], in[1], Tensor(), false, o); }, {x, k});
  }
  // Grouped: each group's filters take their own slice of the bias.
  const Tensor kg = random_f64({3, 3, 1, 6}, -1.0, 1.0, 6);
  const Tensor bg = random_f64({6}, -0.5, 0.5, 7);
  const Tensor fused = conv2d_forward(x, kg, bg, false, {.groups = 3});
  const auto f = fused.to_vector<double>(), c = (conv2d(x, kg, {.groups = 3}) + bg).to_vector<double>();
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(f[i] == doctest::Approx(c[i]).epsilon(1e-12));
  CHECK_THROWS_WITH_AS(conv2d_forward(x, k, random_f64({3}), true), doctest::Contains("expected (4,)"), ShapeError);
}

TEST_CASE("conv2d op: a large batch (chunked, threaded) equals one sample at a time") {
  const Tensor x = random_f32({40, 12, 12, 8}, -1, 1, 8), k = random_f32({3, 3, 8, 16}, -1, 1, 9);
  const Tensor y = conv2d(x, k, {.padding = "same"});
  const Tensor y1 = conv2d(slice(x, 0, 17, 18), k, {.padding = "same"});
  const auto a = slice(y, 0, 17, 18).to_vector<float>(), b = y1.to_vector<float>();
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
  CHECK(worst < 1e-4);
}

TEST_CASE("conv and pool ops: errors name the op and the shapes") {
  CHECK_THROWS_AS(conv2d(zeros({1, 4, 4, 3}), zeros({3, 3, 2, 4})), ShapeError);
  CHECK_THROWS_AS(conv2d(zeros({1, 2, 2, 1}), zeros({3, 3, 1, 1})), ShapeError);
  CHECK_THROWS_AS(max_pool2d(zeros({1, 4, 4})), ShapeError);
  CHECK_THROWS_AS(conv2d(zeros({1, 4, 4, 1}), zeros({3, 3, 1, 1}), {.padding = "full"}), ValueError);
  auto conv = Conv2D(2, 3);
  CHECK(conv->name().rfind("conv2d", 0) == 0);  // Keras's auto name
  CHECK(MaxPooling2D()->name().rfind("max_pooling2d", 0) == 0);
  try {
    (void)Conv2D(2, 3)(zeros({1, 2, 2, 1}));
    FAIL_CHECK("accepted");
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("conv2d") != std::string::npos);
    CHECK(std::string(e.what()).find("(1, 2, 2, 1)") != std::string::npos);
  }
}

// --- Keras goldens ---

namespace {

// Keras 2.0's hard_sigmoid, clip(0.2 x + 0.5, 0, 1), which the keras-js recurrent goldens use
// (Keras 3's, relu6(x + 3) / 6, is the registry's "hard_sigmoid").
activations::Activation keras2_hard_sigmoid() {
  return {"hard_sigmoid", [](const Tensor& x) { return clip(x * 0.2f + 0.5f, 0.0, 1.0); }};
}

LayerPtr golden_rnn(const std::string& kind, std::int64_t units, RecurrentOptions o) {
  if (kind == "SimpleRNN") return SimpleRNN(units, std::move(o)).ptr();
  if (kind == "LSTM") return LSTM(units, std::move(o)).ptr();
  o.reset_after = false;  // Keras 2.0's GRU
  return GRU(units, std::move(o)).ptr();
}

// The nine recurrent cases of each keras-js notebook (SimpleRNN, LSTM, GRU): units, activations,
// return_sequences, go_backwards, stateful, use_bias as in definitions_index.json.
void add_recurrent_goldens(std::map<std::string, std::function<LayerPtr()>>& table) {
  for (std::string kind : {"SimpleRNN", "LSTM", "GRU"}) {
    auto opts = [&](bool seq, bool back, bool stateful, bool bias, const char* act = "tanh") {
      RecurrentOptions o{.activation = act, .recurrent_activation = keras2_hard_sigmoid()};
      o.use_bias = bias;
      o.return_sequences = seq;
      o.go_backwards = back;
      o.stateful = stateful;
      return o;
    };
    const std::string k = "recurrent." + kind + ".";
    table[k + "0"] = [=] { return golden_rnn(kind, 4, opts(false, false, false, true)); };
    table[k + "1"] = [=] {
      auto o = opts(false, false, false, true, "sigmoid");
      o.recurrent_activation = "sigmoid";
      return golden_rnn(kind, 5, o);
    };
    table[k + "2"] = [=] { return golden_rnn(kind, 4, opts(true, false, false, true)); };
    table[k + "3"] = [=] { return golden_rnn(kind, 4, opts(false, true, false, true)); };
    table[k + "4"] = [=] { return golden_rnn(kind, 4, opts(true, true, false, true)); };
    table[k + "5"] = [=] { return golden_rnn(kind, 4, opts(false, false, true, true)); };
    table[k + "6"] = [=] { return golden_rnn(kind, 4, opts(true, false, true, true)); };
    table[k + "7"] = [=] { return golden_rnn(kind, 4, opts(false, true, true, true)); };
    // LSTM.8 keeps its bias; SimpleRNN.8 and GRU.8 have none.
    table[k + "8"] = [=] { return golden_rnn(kind, 4, opts(true, true, true, kind == "LSTM")); };
  }
  auto k2 = [](RecurrentOptions o) {
    o.recurrent_activation = keras2_hard_sigmoid();
    return o;
  };
  table["wrappers.Bidirectional.0"] = [] { return LayerPtr(Bidirectional(SimpleRNN(4), {.merge_mode = "sum"})); };
  table["wrappers.Bidirectional.1"] = [] { return LayerPtr(Bidirectional(SimpleRNN(4), {.merge_mode = "mul"})); };
  table["wrappers.Bidirectional.2"] = [] { return LayerPtr(Bidirectional(SimpleRNN(4), {.merge_mode = "concat"})); };
  table["wrappers.Bidirectional.3"] = [] { return LayerPtr(Bidirectional(SimpleRNN(4), {.merge_mode = "ave"})); };
  table["wrappers.Bidirectional.4"] = [] { return LayerPtr(Bidirectional(SimpleRNN(4, {.return_sequences = true}))); };
  table["wrappers.Bidirectional.5"] = [k2] {
    return LayerPtr(Bidirectional(GRU(4, k2({.reset_after = false, .return_sequences = true}))));
  };
  table["wrappers.Bidirectional.6"] = [k2] { return LayerPtr(Bidirectional(LSTM(4, k2({.return_sequences = true})))); };
  table["wrappers.Bidirectional.7"] = [] {
    return LayerPtr(Bidirectional(SimpleRNN(4, {.return_sequences = true}), {.merge_mode = "sum"}));
  };
  table["wrappers.TimeDistributed.0"] = [] { return LayerPtr(TimeDistributed(Dense(4))); };
  table["wrappers.TimeDistributed.1"] = [] { return LayerPtr(TimeDistributed(Conv2D(6, {3, 3}))); };
  table["embeddings.Embedding.0"] = [] { return LayerPtr(Embedding(5, 3, {.input_length = 7})); };
  table["embeddings.Embedding.1"] = [] { return LayerPtr(Embedding(20, 5, {.mask_zero = true, .input_length = 10})); };
  table["embeddings.Embedding.2"] = [] { return LayerPtr(Embedding(33, 2, {.input_length = 5})); };
}

const std::map<std::string, std::function<LayerPtr()>>& golden_layers() {
  static std::map<std::string, std::function<LayerPtr()>> table = {
    {"pooling.AveragePooling1D.0", [] { return LayerPtr(AveragePooling1D(2, {.padding = "valid"})); }},
    {"pooling.AveragePooling1D.1", [] { return LayerPtr(AveragePooling1D(2, {.strides = 1, .padding = "valid"})); }},
    {"pooling.AveragePooling1D.2", [] { return LayerPtr(AveragePooling1D(2, {.strides = 3, .padding = "valid"})); }},
    {"pooling.AveragePooling1D.3", [] { return LayerPtr(AveragePooling1D(2, {.padding = "same"})); }},
    {"pooling.AveragePooling1D.4", [] { return LayerPtr(AveragePooling1D(2, {.strides = 1, .padding = "same"})); }},
    {"pooling.AveragePooling1D.5", [] { return LayerPtr(AveragePooling1D(2, {.strides = 3, .padding = "same"})); }},
    {"pooling.AveragePooling1D.6", [] { return LayerPtr(AveragePooling1D(3, {.padding = "valid"})); }},
    {"pooling.AveragePooling1D.7", [] { return LayerPtr(AveragePooling1D(3, {.strides = 1, .padding = "same"})); }},
    {"pooling.AveragePooling1D.8", [] { return LayerPtr(AveragePooling1D(3, {.strides = 3, .padding = "same"})); }},
    {"pooling.AveragePooling2D.0", [] { return LayerPtr(AveragePooling2D({2, 2}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.1", [] { return LayerPtr(AveragePooling2D({2, 2}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.2", [] { return LayerPtr(AveragePooling2D({2, 2}, {.strides = {2, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.3", [] { return LayerPtr(AveragePooling2D({3, 3}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.4", [] { return LayerPtr(AveragePooling2D({3, 3}, {.strides = {3, 3}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.5", [] { return LayerPtr(AveragePooling2D({2, 2}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.6", [] { return LayerPtr(AveragePooling2D({2, 2}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.7", [] { return LayerPtr(AveragePooling2D({2, 2}, {.strides = {2, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.8", [] { return LayerPtr(AveragePooling2D({3, 3}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.9", [] { return LayerPtr(AveragePooling2D({3, 3}, {.strides = {3, 3}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling2D.10", [] { return LayerPtr(AveragePooling2D({3, 3}, {.strides = {2, 2}, .padding = "valid", .data_format = "channels_first"})); }},
    {"pooling.AveragePooling2D.11", [] { return LayerPtr(AveragePooling2D({3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_first"})); }},
    {"pooling.AveragePooling2D.12", [] { return LayerPtr(AveragePooling2D({2, 2}, {.padding = "valid", .data_format = "channels_first"})); }},
    {"normalization.BatchNormalization.0", [] { return LayerPtr(BatchNormalization({.axis = -1, .epsilon = 1e-05, .center = true, .scale = true})); }},
    {"normalization.BatchNormalization.1", [] { return LayerPtr(BatchNormalization({.axis = -1, .epsilon = 0.01, .center = true, .scale = true})); }},
    {"normalization.BatchNormalization.2", [] { return LayerPtr(BatchNormalization({.axis = 1, .epsilon = 1e-05, .center = true, .scale = true})); }},
    {"normalization.BatchNormalization.3", [] { return LayerPtr(BatchNormalization({.axis = 2, .epsilon = 1e-05, .center = true, .scale = true})); }},
    {"normalization.BatchNormalization.4", [] { return LayerPtr(BatchNormalization({.axis = 3, .epsilon = 1e-05, .center = true, .scale = false})); }},
    {"normalization.BatchNormalization.5", [] { return LayerPtr(BatchNormalization({.axis = -1, .epsilon = 1e-05, .center = false, .scale = true})); }},
    {"normalization.BatchNormalization.6", [] { return LayerPtr(BatchNormalization({.axis = -1, .epsilon = 0.001, .center = false, .scale = false})); }},
    {"convolutional.Conv1D.0", [] { return LayerPtr(Conv1D(4, 3, {.strides = 1, .padding = "valid", .dilation_rate = 1, .activation = "linear", .use_bias = true})); }},
    {"convolutional.Conv1D.1", [] { return LayerPtr(Conv1D(4, 3, {.strides = 1, .padding = "valid", .dilation_rate = 1, .activation = "linear", .use_bias = false})); }},
    {"convolutional.Conv1D.2", [] { return LayerPtr(Conv1D(2, 3, {.strides = 2, .padding = "same", .dilation_rate = 1, .activation = "sigmoid", .use_bias = true})); }},
    {"convolutional.Conv1D.3", [] { return LayerPtr(Conv1D(2, 7, {.strides = 1, .padding = "same", .dilation_rate = 1, .activation = "tanh", .use_bias = true})); }},
    {"convolutional.Conv1D.4", [] { return LayerPtr(Conv1D(2, 7, {.strides = 1, .padding = "same", .dilation_rate = 2, .activation = "tanh", .use_bias = true})); }},
    {"convolutional.Conv2D.0", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "linear", .use_bias = true})); }},
    {"convolutional.Conv2D.1", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "linear", .use_bias = false})); }},
    {"convolutional.Conv2D.2", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {2, 2}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.3", [] { return LayerPtr(Conv2D(5, {4, 4}, {.strides = {2, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.4", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.5", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {2, 2}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.6", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {3, 2}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.7", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {2, 2}, .activation = "linear", .use_bias = true})); }},
    {"convolutional.Conv2D.8", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {2, 2}, .activation = "linear", .use_bias = false})); }},
    {"convolutional.Conv2D.9", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {3, 3}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.10", [] { return LayerPtr(Conv2D(3, {4, 4}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .dilation_rate = {2, 2}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2D.11", [] { return LayerPtr(Conv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .dilation_rate = {4, 4}, .activation = "relu", .use_bias = true})); }},
    {"pooling.GlobalAveragePooling1D.0", [] { return LayerPtr(GlobalAveragePooling1D({})); }},
    {"pooling.GlobalAveragePooling1D.1", [] { return LayerPtr(GlobalAveragePooling1D({})); }},
    {"pooling.GlobalAveragePooling1D.2", [] { return LayerPtr(GlobalAveragePooling1D({})); }},
    {"pooling.GlobalAveragePooling2D.0", [] { return LayerPtr(GlobalAveragePooling2D({.data_format = "channels_last"})); }},
    {"pooling.GlobalAveragePooling2D.1", [] { return LayerPtr(GlobalAveragePooling2D({.data_format = "channels_first"})); }},
    {"pooling.GlobalAveragePooling2D.2", [] { return LayerPtr(GlobalAveragePooling2D({.data_format = "channels_last"})); }},
    {"pooling.GlobalMaxPooling1D.0", [] { return LayerPtr(GlobalMaxPooling1D({})); }},
    {"pooling.GlobalMaxPooling1D.1", [] { return LayerPtr(GlobalMaxPooling1D({})); }},
    {"pooling.GlobalMaxPooling1D.2", [] { return LayerPtr(GlobalMaxPooling1D({})); }},
    {"pooling.GlobalMaxPooling2D.0", [] { return LayerPtr(GlobalMaxPooling2D({.data_format = "channels_last"})); }},
    {"pooling.GlobalMaxPooling2D.1", [] { return LayerPtr(GlobalMaxPooling2D({.data_format = "channels_first"})); }},
    {"pooling.GlobalMaxPooling2D.2", [] { return LayerPtr(GlobalMaxPooling2D({.data_format = "channels_last"})); }},
    {"pooling.MaxPooling1D.0", [] { return LayerPtr(MaxPooling1D(2, {.padding = "valid"})); }},
    {"pooling.MaxPooling1D.1", [] { return LayerPtr(MaxPooling1D(2, {.strides = 1, .padding = "valid"})); }},
    {"pooling.MaxPooling1D.2", [] { return LayerPtr(MaxPooling1D(2, {.strides = 3, .padding = "valid"})); }},
    {"pooling.MaxPooling1D.3", [] { return LayerPtr(MaxPooling1D(2, {.padding = "same"})); }},
    {"pooling.MaxPooling1D.4", [] { return LayerPtr(MaxPooling1D(2, {.strides = 1, .padding = "same"})); }},
    {"pooling.MaxPooling1D.5", [] { return LayerPtr(MaxPooling1D(2, {.strides = 3, .padding = "same"})); }},
    {"pooling.MaxPooling1D.6", [] { return LayerPtr(MaxPooling1D(3, {.padding = "valid"})); }},
    {"pooling.MaxPooling1D.7", [] { return LayerPtr(MaxPooling1D(3, {.strides = 1, .padding = "same"})); }},
    {"pooling.MaxPooling1D.8", [] { return LayerPtr(MaxPooling1D(3, {.strides = 3, .padding = "same"})); }},
    {"pooling.MaxPooling2D.0", [] { return LayerPtr(MaxPooling2D({2, 2}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.1", [] { return LayerPtr(MaxPooling2D({2, 2}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.2", [] { return LayerPtr(MaxPooling2D({2, 2}, {.strides = {2, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.3", [] { return LayerPtr(MaxPooling2D({3, 3}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.4", [] { return LayerPtr(MaxPooling2D({3, 3}, {.strides = {3, 3}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.5", [] { return LayerPtr(MaxPooling2D({2, 2}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.6", [] { return LayerPtr(MaxPooling2D({2, 2}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.7", [] { return LayerPtr(MaxPooling2D({2, 2}, {.strides = {2, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.8", [] { return LayerPtr(MaxPooling2D({3, 3}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.9", [] { return LayerPtr(MaxPooling2D({3, 3}, {.strides = {3, 3}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling2D.10", [] { return LayerPtr(MaxPooling2D({3, 3}, {.strides = {2, 2}, .padding = "valid", .data_format = "channels_first"})); }},
    {"pooling.MaxPooling2D.11", [] { return LayerPtr(MaxPooling2D({3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_first"})); }},
    {"pooling.MaxPooling2D.12", [] { return LayerPtr(MaxPooling2D({2, 2}, {.padding = "valid", .data_format = "channels_first"})); }},
    // Reshaping, 3-D pooling and convolution variants (generated from definitions_index.json).
    {"convolutional.Conv2DTranspose.0", [] { return LayerPtr(Conv2DTranspose(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .activation = "linear", .use_bias = false})); }},
    {"convolutional.Conv2DTranspose.1", [] { return LayerPtr(Conv2DTranspose(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .activation = "linear", .use_bias = true})); }},
    {"convolutional.Conv2DTranspose.2", [] { return LayerPtr(Conv2DTranspose(4, {3, 3}, {.strides = {2, 2}, .padding = "valid", .data_format = "channels_last", .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2DTranspose.3", [] { return LayerPtr(Conv2DTranspose(4, {3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2DTranspose.4", [] { return LayerPtr(Conv2DTranspose(5, {3, 3}, {.strides = {2, 2}, .padding = "same", .data_format = "channels_last", .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv2DTranspose.5", [] { return LayerPtr(Conv2DTranspose(3, {2, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv3D.0", [] { return LayerPtr(Conv3D(4, {3, 3, 3}, {.strides = {1, 1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {1, 1, 1}, .activation = "linear", .use_bias = true})); }},
    {"convolutional.Conv3D.1", [] { return LayerPtr(Conv3D(2, {3, 3, 3}, {.strides = {1, 1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {1, 1, 1}, .activation = "sigmoid", .use_bias = false})); }},
    {"convolutional.Conv3D.2", [] { return LayerPtr(Conv3D(2, {3, 3, 3}, {.strides = {1, 1, 1}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv3D.3", [] { return LayerPtr(Conv3D(2, {3, 3, 2}, {.strides = {2, 1, 1}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv3D.4", [] { return LayerPtr(Conv3D(2, {3, 3, 3}, {.strides = {3, 3, 2}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv3D.5", [] { return LayerPtr(Conv3D(2, {3, 3, 3}, {.strides = {1, 1, 1}, .padding = "valid", .data_format = "channels_last", .dilation_rate = {2, 1, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Conv3D.6", [] { return LayerPtr(Conv3D(2, {3, 3, 3}, {.strides = {1, 1, 1}, .padding = "same", .data_format = "channels_last", .dilation_rate = {1, 2, 1}, .activation = "relu", .use_bias = true})); }},
    {"convolutional.Cropping1D.0", [] { return LayerPtr(Cropping1D({1, 1})); }},
    {"convolutional.Cropping1D.1", [] { return LayerPtr(Cropping1D({2, 3})); }},
    {"convolutional.Cropping1D.2", [] { return LayerPtr(Cropping1D(2)); }},
    {"convolutional.Cropping2D.0", [] { return LayerPtr(Cropping2D({{1, 1}, {1, 1}}, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping2D.1", [] { return LayerPtr(Cropping2D({{1, 1}, {1, 1}}, {.data_format = "channels_first"})); }},
    {"convolutional.Cropping2D.2", [] { return LayerPtr(Cropping2D({{4, 2}, {3, 1}}, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping2D.3", [] { return LayerPtr(Cropping2D({{4, 2}, {3, 1}}, {.data_format = "channels_first"})); }},
    {"convolutional.Cropping2D.4", [] { return LayerPtr(Cropping2D({2, 3}, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping2D.5", [] { return LayerPtr(Cropping2D(1, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping3D.0", [] { return LayerPtr(Cropping3D({{1, 1}, {1, 1}, {1, 1}}, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping3D.1", [] { return LayerPtr(Cropping3D({{1, 1}, {1, 1}, {1, 1}}, {.data_format = "channels_first"})); }},
    {"convolutional.Cropping3D.2", [] { return LayerPtr(Cropping3D({{3, 2}, {2, 1}, {2, 3}}, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping3D.3", [] { return LayerPtr(Cropping3D({{3, 2}, {2, 1}, {2, 3}}, {.data_format = "channels_first"})); }},
    {"convolutional.Cropping3D.4", [] { return LayerPtr(Cropping3D({1, 2, 3}, {.data_format = "channels_last"})); }},
    {"convolutional.Cropping3D.5", [] { return LayerPtr(Cropping3D(2, {.data_format = "channels_last"})); }},
    {"convolutional.SeparableConv2D.0", [] { return LayerPtr(SeparableConv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .depth_multiplier = 1, .activation = "linear", .use_bias = true})); }},
    {"convolutional.SeparableConv2D.1", [] { return LayerPtr(SeparableConv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .depth_multiplier = 2, .activation = "relu", .use_bias = true})); }},
    {"convolutional.SeparableConv2D.2", [] { return LayerPtr(SeparableConv2D(16, {3, 3}, {.strides = {1, 1}, .padding = "valid", .data_format = "channels_last", .depth_multiplier = 3, .activation = "relu", .use_bias = true})); }},
    {"convolutional.SeparableConv2D.3", [] { return LayerPtr(SeparableConv2D(4, {3, 3}, {.strides = {2, 2}, .padding = "valid", .data_format = "channels_last", .depth_multiplier = 1, .activation = "relu", .use_bias = true})); }},
    {"convolutional.SeparableConv2D.4", [] { return LayerPtr(SeparableConv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .depth_multiplier = 1, .activation = "relu", .use_bias = true})); }},
    {"convolutional.SeparableConv2D.5", [] { return LayerPtr(SeparableConv2D(4, {3, 3}, {.strides = {1, 1}, .padding = "same", .data_format = "channels_last", .depth_multiplier = 2, .activation = "relu", .use_bias = false})); }},
    {"convolutional.SeparableConv2D.6", [] { return LayerPtr(SeparableConv2D(4, {3, 3}, {.strides = {2, 2}, .padding = "same", .data_format = "channels_last", .depth_multiplier = 2, .activation = "relu", .use_bias = true})); }},
    {"convolutional.UpSampling1D.0", [] { return LayerPtr(UpSampling1D(2)); }},
    {"convolutional.UpSampling1D.1", [] { return LayerPtr(UpSampling1D(3)); }},
    {"convolutional.UpSampling2D.0", [] { return LayerPtr(UpSampling2D({2, 2}, {.data_format = "channels_last"})); }},
    {"convolutional.UpSampling2D.1", [] { return LayerPtr(UpSampling2D({2, 2}, {.data_format = "channels_first"})); }},
    {"convolutional.UpSampling2D.2", [] { return LayerPtr(UpSampling2D({3, 2}, {.data_format = "channels_last"})); }},
    {"convolutional.UpSampling2D.3", [] { return LayerPtr(UpSampling2D({1, 3}, {.data_format = "channels_first"})); }},
    {"convolutional.UpSampling2D.4", [] { return LayerPtr(UpSampling2D(2, {.data_format = "channels_last"})); }},
    {"convolutional.UpSampling3D.0", [] { return LayerPtr(UpSampling3D({2, 2, 2}, {.data_format = "channels_last"})); }},
    {"convolutional.UpSampling3D.1", [] { return LayerPtr(UpSampling3D({2, 2, 2}, {.data_format = "channels_first"})); }},
    {"convolutional.UpSampling3D.2", [] { return LayerPtr(UpSampling3D({1, 3, 2}, {.data_format = "channels_last"})); }},
    {"convolutional.UpSampling3D.3", [] { return LayerPtr(UpSampling3D({2, 1, 2}, {.data_format = "channels_first"})); }},
    {"convolutional.UpSampling3D.4", [] { return LayerPtr(UpSampling3D(2, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding1D.0", [] { return LayerPtr(ZeroPadding1D(1)); }},
    {"convolutional.ZeroPadding1D.1", [] { return LayerPtr(ZeroPadding1D(3)); }},
    {"convolutional.ZeroPadding1D.2", [] { return LayerPtr(ZeroPadding1D({3, 2})); }},
    {"convolutional.ZeroPadding2D.0", [] { return LayerPtr(ZeroPadding2D({1, 1}, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding2D.1", [] { return LayerPtr(ZeroPadding2D({1, 1}, {.data_format = "channels_first"})); }},
    {"convolutional.ZeroPadding2D.2", [] { return LayerPtr(ZeroPadding2D({3, 2}, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding2D.3", [] { return LayerPtr(ZeroPadding2D({3, 2}, {.data_format = "channels_first"})); }},
    {"convolutional.ZeroPadding2D.4", [] { return LayerPtr(ZeroPadding2D({{1, 2}, {3, 4}}, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding2D.5", [] { return LayerPtr(ZeroPadding2D(2, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding3D.0", [] { return LayerPtr(ZeroPadding3D({1, 1, 1}, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding3D.1", [] { return LayerPtr(ZeroPadding3D({1, 1, 1}, {.data_format = "channels_first"})); }},
    {"convolutional.ZeroPadding3D.2", [] { return LayerPtr(ZeroPadding3D({3, 2, 2}, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding3D.3", [] { return LayerPtr(ZeroPadding3D({3, 2, 2}, {.data_format = "channels_first"})); }},
    {"convolutional.ZeroPadding3D.4", [] { return LayerPtr(ZeroPadding3D({{1, 2}, {3, 4}, {3, 1}}, {.data_format = "channels_last"})); }},
    {"convolutional.ZeroPadding3D.5", [] { return LayerPtr(ZeroPadding3D(2, {.data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.0", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.1", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.strides = {1, 1, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.2", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.strides = {2, 1, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.3", [] { return LayerPtr(AveragePooling3D({3, 3, 3}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.4", [] { return LayerPtr(AveragePooling3D({3, 3, 3}, {.strides = {3, 3, 3}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.5", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.6", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.strides = {1, 1, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.7", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.strides = {1, 2, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.8", [] { return LayerPtr(AveragePooling3D({3, 3, 3}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.9", [] { return LayerPtr(AveragePooling3D({3, 3, 3}, {.strides = {3, 3, 3}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.AveragePooling3D.10", [] { return LayerPtr(AveragePooling3D({3, 3, 3}, {.strides = {2, 2, 2}, .padding = "valid", .data_format = "channels_first"})); }},
    {"pooling.AveragePooling3D.11", [] { return LayerPtr(AveragePooling3D({3, 3, 3}, {.strides = {1, 1, 1}, .padding = "same", .data_format = "channels_first"})); }},
    {"pooling.AveragePooling3D.12", [] { return LayerPtr(AveragePooling3D({2, 2, 2}, {.padding = "valid", .data_format = "channels_first"})); }},
    {"pooling.GlobalAveragePooling3D.0", [] { return LayerPtr(GlobalAveragePooling3D({.data_format = "channels_last"})); }},
    {"pooling.GlobalAveragePooling3D.1", [] { return LayerPtr(GlobalAveragePooling3D({.data_format = "channels_first"})); }},
    {"pooling.GlobalAveragePooling3D.2", [] { return LayerPtr(GlobalAveragePooling3D({.data_format = "channels_last"})); }},
    {"pooling.GlobalMaxPooling3D.0", [] { return LayerPtr(GlobalMaxPooling3D({.data_format = "channels_last"})); }},
    {"pooling.GlobalMaxPooling3D.1", [] { return LayerPtr(GlobalMaxPooling3D({.data_format = "channels_first"})); }},
    {"pooling.GlobalMaxPooling3D.2", [] { return LayerPtr(GlobalMaxPooling3D({.data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.0", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.1", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.strides = {1, 1, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.2", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.strides = {2, 1, 1}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.3", [] { return LayerPtr(MaxPooling3D({3, 3, 3}, {.padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.4", [] { return LayerPtr(MaxPooling3D({3, 3, 3}, {.strides = {3, 3, 3}, .padding = "valid", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.5", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.6", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.strides = {1, 1, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.7", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.strides = {1, 2, 1}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.8", [] { return LayerPtr(MaxPooling3D({3, 3, 3}, {.padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.9", [] { return LayerPtr(MaxPooling3D({3, 3, 3}, {.strides = {3, 3, 3}, .padding = "same", .data_format = "channels_last"})); }},
    {"pooling.MaxPooling3D.10", [] { return LayerPtr(MaxPooling3D({3, 3, 3}, {.strides = {2, 2, 2}, .padding = "valid", .data_format = "channels_first"})); }},
    {"pooling.MaxPooling3D.11", [] { return LayerPtr(MaxPooling3D({3, 3, 3}, {.strides = {1, 1, 1}, .padding = "same", .data_format = "channels_first"})); }},
    {"pooling.MaxPooling3D.12", [] { return LayerPtr(MaxPooling3D({2, 2, 2}, {.padding = "valid", .data_format = "channels_first"})); }},
  };
  static const bool recurrent_added = (add_recurrent_goldens(table), true);
  (void)recurrent_added;
  return table;
}

}  // namespace

TEST_CASE("Keras goldens: convolution, pooling, reshaping, BatchNormalization, Embedding, recurrent layers and wrappers (keras-js, Keras 2.0)") {
  const std::filesystem::path root =
      std::filesystem::path(STRATA_SHARED_DIR) / "fixtures/keras/kerasjs_layer_goldens_k2.0/data/layers";
  if (!std::filesystem::exists(root)) {
    MESSAGE("Keras goldens skipped: " << root.string() << " is absent");
    return;
  }
  const std::vector<std::string> files = {
      "convolutional/Conv1D",         "convolutional/Conv2D",           "pooling/MaxPooling1D",
      "pooling/MaxPooling2D",         "pooling/AveragePooling1D",       "pooling/AveragePooling2D",
      "pooling/GlobalMaxPooling1D",   "pooling/GlobalMaxPooling2D",     "pooling/GlobalAveragePooling1D",
      "pooling/GlobalAveragePooling2D", "normalization/BatchNormalization", "embeddings/Embedding",
      "recurrent/SimpleRNN",          "recurrent/LSTM",                 "recurrent/GRU",
      "wrappers/Bidirectional",       "wrappers/TimeDistributed",
      "convolutional/ZeroPadding1D",  "convolutional/ZeroPadding2D",    "convolutional/ZeroPadding3D",
      "convolutional/Cropping1D",     "convolutional/Cropping2D",       "convolutional/Cropping3D",
      "convolutional/UpSampling1D",   "convolutional/UpSampling2D",     "convolutional/UpSampling3D",
      "pooling/MaxPooling3D",         "pooling/AveragePooling3D",       "pooling/GlobalMaxPooling3D",
      "pooling/GlobalAveragePooling3D", "convolutional/Conv3D",         "convolutional/Conv2DTranspose",
      "convolutional/SeparableConv2D"};
  strata::testing::GoldenTally tally;
  std::vector<std::string> skipped;
  for (const auto& file : files) {
    const auto path = root / (file + ".json");
    if (!std::filesystem::exists(path)) {
      skipped.push_back(file + " (file absent)");
      continue;
    }
    std::ifstream in(path);
    const nlohmann::json cases = nlohmann::json::parse(in);
    for (const auto& [key, c] : cases.items()) {
      auto it = golden_layers().find(key);
      if (it == golden_layers().end()) {
        skipped.push_back(key + " (no definition)");
        continue;
      }
      INFO(key);
      LayerPtr layer = it->second();
      const Tensor x = json_tensor(c["input"], true);
      layer->ensure_built(x.shape());
      std::vector<Tensor> weights;
      if (c.contains("weights"))
        for (const auto& w : c["weights"]) weights.push_back(json_tensor(w, false));
      if (!weights.empty() || !layer->weights().empty()) layer->set_weights(weights);
      Tensor y = (*layer)(x);
      // The keras-js stateful cases (recurrent.*.5 to 8) hold Keras's second predict: the state
      // carried over from the first call on the same input.
      if (key.rfind("recurrent.", 0) == 0 && key.back() >= '5') y = (*layer)(x);
      tally.compare(key, y, json_tensor(c["expected"], true));
    }
  }
  std::ostringstream skipped_list;
  for (const auto& s : skipped) skipped_list << "\n  skipped " << s;
  MESSAGE("Keras goldens: " << tally.ran << " cases ran, " << tally.passed << " passed, " << skipped.size()
                            << " skipped; worst abs error " << tally.worst << " (" << tally.worst_case << ")"
                            << skipped_list.str());
  CHECK(tally.ran > 0);
  CHECK(tally.passed == tally.ran);
}
