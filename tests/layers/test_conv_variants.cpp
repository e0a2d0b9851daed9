// Conv3D, Conv1DTranspose / Conv2DTranspose, DepthwiseConv2D, SeparableConv2D and 3-D pooling: the
// layer harness, gradient checks of the composed ops, identities that tie them to conv2d, registry
// configs and errors. Keras's own outputs: test_conv_pool_norm.cpp (keras-js goldens).
#include <doctest/doctest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "support/gradient_check.hpp"
#include "support/layer_harness.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::check_gradients;
using strata::testing::distinct_f64;
using strata::testing::InputValues;
using strata::testing::random_f64;
using strata::testing::run_layer_test;
using Inputs = std::vector<Tensor>;

namespace {
double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}
}  // namespace

TEST_CASE("layer harness: Conv3D") {
  run_layer_test({.name = "Conv3D",
                  .make = [] { return Conv3D(2, {2, 3, 2}, "tanh").ptr(); },
                  .make_f64 = [] { return Conv3D(2, {2, 3, 2}, "tanh", {.dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 4, 3, 2},
                  .expected_output_shape = {2, 2, 2, 2, 2},
                  .trainable_weights = 2,
                  .expected_config = {{"filters", 2}, {"kernel_size", {2, 3, 2}}, {"strides", {1, 1, 1}},
                                      {"dilation_rate", {1, 1, 1}}, {"groups", 1}},
                  .bad_input_shape = Shape{2, 3, 4, 3}});
  run_layer_test({.name = "Conv3D",
                  .make = [] { return Conv3D(4, 3, {.strides = {2, 1, 1}, .padding = "same", .groups = 2}).ptr(); },
                  .make_f64 = [] {
                    return Conv3D(4, 3, {.strides = {2, 1, 1}, .padding = "same", .groups = 2, .dtype = float64}).ptr();
                  },
                  .input_shape = {1, 5, 3, 2, 2},
                  .expected_output_shape = {1, 3, 3, 2, 4},
                  .trainable_weights = 2,
                  .expected_config = {{"padding", "same"}, {"strides", {2, 1, 1}}, {"groups", 2}}});
  run_layer_test({.name = "Conv3D",
                  .make = [] { return Conv3D(2, 2, {.data_format = "channels_first", .dilation_rate = {2, 1, 1}}).ptr(); },
                  .make_f64 = [] {
                    return Conv3D(2, 2, {.data_format = "channels_first", .dilation_rate = {2, 1, 1}, .dtype = float64}).ptr();
                  },
                  .input_shape = {1, 3, 4, 3, 3},
                  .expected_output_shape = {1, 2, 2, 2, 2},
                  .trainable_weights = 2,
                  .expected_config = {{"data_format", "channels_first"}, {"dilation_rate", {2, 1, 1}}}});
  auto conv = Conv3D(5, {1, 2, 3});
  (void)conv(zeros({1, 3, 3, 3, 4}));
  CHECK(conv->kernel().shape() == Shape{1, 2, 3, 4, 5});
}

TEST_CASE("conv3d op: gradients; a depth-1 kernel on depth 1 is conv2d") {
  struct Case {
    Shape x, kernel;
    Conv3DOptions options;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4, 3, 2}, {2, 2, 2, 2, 3}, {}},
      {{1, 5, 3, 4, 2}, {3, 2, 2, 2, 2}, {.strides = {2, 1, 2}, .padding = "same"}},
      {{1, 5, 4, 3, 4}, {2, 2, 1, 2, 4}, {.padding = "same", .dilation_rate = {2, 1, 1}, .groups = 2}},
  };
  for (const auto& c : cases) {
    INFO("x " << c.x.to_string() << ", kernel " << c.kernel.to_string() << ", padding " << c.options.padding);
    check_gradients([&](const Inputs& in) { return conv3d(in[0], in[1], c.options); },
                    {random_f64(c.x, -1, 1, 1), random_f64(c.kernel, -1, 1, 2)});
  }
  const Tensor x = random_f64({2, 1, 5, 4, 3}, -1, 1, 3), k = random_f64({1, 3, 2, 3, 2}, -1, 1, 4);
  const Tensor a = conv3d(x, k, {.strides = {1, 2, 1}, .padding = "same"});
  const Tensor b = conv2d(reshape(x, Shape{2, 5, 4, 3}), reshape(k, Shape{3, 2, 3, 2}), {.strides = {2, 1}, .padding = "same"});
  CHECK(max_abs_diff(reshape(a, b.shape()), b) < 1e-12);
}

TEST_CASE("layer harness: Conv2DTranspose and Conv1DTranspose") {
  run_layer_test({.name = "Conv2DTranspose",
                  .make = [] { return Conv2DTranspose(3, {3, 2}, {.strides = 2}).ptr(); },
                  .make_f64 = [] { return Conv2DTranspose(3, {3, 2}, {.strides = 2, .dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 2, 2},
                  .expected_output_shape = {2, 7, 4, 3},
                  .trainable_weights = 2,
                  .expected_config = {{"filters", 3}, {"kernel_size", {3, 2}}, {"strides", {2, 2}}, {"padding", "valid"},
                                      {"output_padding", nullptr}, {"dilation_rate", {1, 1}}},
                  .bad_input_shape = Shape{2, 3, 2}});
  run_layer_test({.name = "Conv2DTranspose",
                  .make = [] { return Conv2DTranspose(2, 3, {.strides = 2, .padding = "same", .output_padding = 1, .activation = "sigmoid"}).ptr(); },
                  .make_f64 = [] {
                    return Conv2DTranspose(2, 3, {.strides = 2, .padding = "same", .output_padding = 1, .activation = "sigmoid",
                                                  .dtype = float64}).ptr();
                  },
                  .input_shape = {1, 3, 3, 2},
                  .expected_output_shape = {1, 6, 6, 2},  // (3 - 1) * 2 + 3 - 2 * 1 + 1
                  .trainable_weights = 2,
                  .expected_config = {{"output_padding", {1, 1}}, {"padding", "same"}, {"activation", "sigmoid"}}});
  run_layer_test({.name = "Conv2DTranspose",
                  .make = [] { return Conv2DTranspose(2, 2, {.data_format = "channels_first", .use_bias = false}).ptr(); },
                  .make_f64 = [] {
                    return Conv2DTranspose(2, 2, {.data_format = "channels_first", .use_bias = false, .dtype = float64}).ptr();
                  },
                  .input_shape = {2, 3, 2, 3},
                  .expected_output_shape = {2, 2, 3, 4},
                  .trainable_weights = 1,
                  .expected_config = {{"data_format", "channels_first"}, {"use_bias", false}}});
  run_layer_test({.name = "Conv1DTranspose",
                  .make = [] { return Conv1DTranspose(3, 3, {.strides = 2, .padding = "same"}).ptr(); },
                  .make_f64 = [] { return Conv1DTranspose(3, 3, {.strides = 2, .padding = "same", .dtype = float64}).ptr(); },
                  .input_shape = {2, 4, 2},
                  .expected_output_shape = {2, 8, 3},
                  .trainable_weights = 2,
                  .expected_config = {{"kernel_size", {3}}, {"strides", {2}}},
                  .bad_input_shape = Shape{2, 4}});
  auto deconv = Conv2DTranspose(5, {3, 2});
  (void)deconv(zeros({1, 4, 4, 6}));
  CHECK(deconv->kernel().shape() == Shape{3, 2, 5, 6});  // (kh, kw, filters, in), as Keras
}

TEST_CASE("conv2d_transpose op: the adjoint of conv2d, gradients") {
  // <conv2d(u, k), v> == <u, conv2d_transpose(v, k)> for the kernel read as (kh, kw, filters, in).
  const Tensor k = random_f64({3, 3, 2, 4}, -1, 1, 5);  // conv2d: 2 -> 4 channels; transpose: 4 -> 2
  const Tensor u = random_f64({2, 8, 8, 2}, -1, 1, 6);
  const Conv2DOptions forward{.strides = {2, 2}, .padding = "same"};
  const Tensor v = random_f64(conv2d(u, k, forward).shape(), -1, 1, 7);
  const Tensor t = conv2d_transpose(v, k, {.strides = {2, 2}, .padding = "same"});
  REQUIRE(t.shape() == u.shape());
  CHECK(sum(conv2d(u, k, forward) * v).item<double>() == doctest::Approx(sum(u * t).item<double>()).epsilon(1e-12));
  for (const char* padding : {"valid", "same"}) {
    INFO(padding);
    check_gradients([&](const Inputs& in) { return conv2d_transpose(in[0], in[1], {.strides = {2, 1}, .padding = padding}); },
                    {random_f64({2, 3, 3, 2}, -1, 1, 8), random_f64({3, 2, 3, 2}, -1, 1, 9)});
  }
  check_gradients(
      [&](const Inputs& in) {
        return conv2d_transpose(in[0], in[1], {.strides = {2, 3}, .padding = "same", .output_padding = {1, 2}});
      },
      {random_f64({1, 3, 2, 2}, -1, 1, 10), random_f64({3, 3, 2, 2}, -1, 1, 11)});
  check_gradients([&](const Inputs& in) { return conv1d_transpose(in[0], in[1], {.strides = {2}, .dilation_rate = {1}}); },
                  {random_f64({2, 3, 2}, -1, 1, 12), random_f64({3, 2, 2}, -1, 1, 13)});
  CHECK(deconv_output_length(4, 3, "valid", -1, 2, 1) == 9);
  CHECK(deconv_output_length(4, 3, "same", -1, 2, 1) == 8);
  CHECK(deconv_output_length(4, 3, "same", 1, 2, 1) == 8);
  CHECK(deconv_output_length(4, 3, "valid", 1, 2, 2) == 12);  // dilated kernel 5: 3 * 2 + 5 + 1
}

TEST_CASE("layer harness: DepthwiseConv2D and SeparableConv2D") {
  run_layer_test({.name = "DepthwiseConv2D",
                  .make = [] { return DepthwiseConv2D(3, {.depth_multiplier = 2}).ptr(); },
                  .make_f64 = [] { return DepthwiseConv2D(3, {.depth_multiplier = 2, .dtype = float64}).ptr(); },
                  .input_shape = {2, 4, 4, 3},
                  .expected_output_shape = {2, 2, 2, 6},
                  .trainable_weights = 2,
                  .expected_config = {{"kernel_size", {3, 3}}, {"depth_multiplier", 2}, {"padding", "valid"},
                                      {"depthwise_regularizer", nullptr}},
                  .bad_input_shape = Shape{2, 4, 4}});
  run_layer_test({.name = "DepthwiseConv2D",
                  .make = [] { return DepthwiseConv2D({2, 3}, {.strides = 2, .padding = "same", .data_format = "channels_first"}).ptr(); },
                  .make_f64 = [] {
                    return DepthwiseConv2D({2, 3}, {.strides = 2, .padding = "same", .data_format = "channels_first", .dtype = float64})
                        .ptr();
                  },
                  .input_shape = {1, 2, 5, 4},
                  .expected_output_shape = {1, 2, 3, 2},
                  .trainable_weights = 2,
                  .expected_config = {{"strides", {2, 2}}, {"data_format", "channels_first"}}});
  run_layer_test({.name = "SeparableConv2D",
                  .make = [] { return SeparableConv2D(4, 3, {.padding = "same", .depth_multiplier = 2, .activation = "relu"}).ptr(); },
                  .make_f64 = [] {
                    return SeparableConv2D(4, 3, {.padding = "same", .depth_multiplier = 2, .activation = "tanh", .dtype = float64}).ptr();
                  },
                  .input_shape = {2, 4, 3, 2},
                  .expected_output_shape = {2, 4, 3, 4},
                  .trainable_weights = 3,
                  .expected_config = {{"filters", 4}, {"depth_multiplier", 2}, {"pointwise_initializer",
                                       {{"module", "keras.initializers"}, {"class_name", "GlorotUniform"},
                                        {"config", {{"seed", nullptr}}}, {"registered_name", nullptr}}}},
                  .bad_input_shape = Shape{2, 4, 3}});
  auto sep = SeparableConv2D(7, 3, {.depth_multiplier = 2});
  (void)sep(zeros({1, 5, 5, 3}));
  const auto w = sep->weights();
  REQUIRE(w.size() == 3);
  CHECK(w[0].shape() == Shape{3, 3, 3, 2});
  CHECK(w[1].shape() == Shape{1, 1, 6, 7});
  CHECK(w[2].shape() == Shape{7});
}

TEST_CASE("depthwise_conv2d op: each channel with its own kernels, gradients") {
  const Tensor x = random_f64({2, 5, 4, 3}, -1, 1, 14), k = random_f64({3, 2, 3, 2}, -1, 1, 15);
  const Tensor y = depthwise_conv2d(x, k, {.padding = "same"});
  REQUIRE(y.shape() == Shape{2, 5, 4, 6});
  // Output channel c * 2 + m is conv2d of input channel c with kernel[:, :, c, m].
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t m = 0; m < 2; ++m) {
      const Tensor xc = slice(x, 3, c, c + 1);
      const Tensor kcm = reshape(slice(slice(k, 2, c, c + 1), 3, m, m + 1), Shape{3, 2, 1, 1});
      CHECK(max_abs_diff(slice(y, 3, c * 2 + m, c * 2 + m + 1), conv2d(xc, kcm, {.padding = "same"})) < 1e-12);
    }
  check_gradients([&](const Inputs& in) { return depthwise_conv2d(in[0], in[1], {.strides = {2, 1}}); },
                  {random_f64({1, 5, 4, 2}, -1, 1, 16), random_f64({2, 2, 2, 3}, -1, 1, 17)});
}

TEST_CASE("layer harness: MaxPooling3D, AveragePooling3D, global 3-D pooling") {
  run_layer_test({.name = "MaxPooling3D",
                  .make = [] { return MaxPooling3D(2).ptr(); },
                  .input_shape = {2, 4, 4, 2, 3},
                  .expected_output_shape = {2, 2, 2, 1, 3},
                  .expected_config = {{"pool_size", {2, 2, 2}}, {"strides", {2, 2, 2}}, {"padding", "valid"}},
                  .input_values = InputValues::distinct,
                  .bad_input_shape = Shape{2, 4, 4, 2}});
  run_layer_test({.name = "MaxPooling3D",
                  .make = [] { return MaxPooling3D({3, 2, 2}, {.strides = {2, 1, 2}, .padding = "same"}).ptr(); },
                  .input_shape = {1, 5, 3, 3, 2},
                  .expected_output_shape = {1, 3, 3, 2, 2},
                  .expected_config = {{"pool_size", {3, 2, 2}}, {"strides", {2, 1, 2}}, {"padding", "same"}},
                  .input_values = InputValues::distinct});
  run_layer_test({.name = "AveragePooling3D",
                  .make = [] { return AveragePooling3D({2, 3, 2}, {.padding = "same"}).ptr(); },
                  .input_shape = {2, 3, 4, 3, 2},
                  .expected_output_shape = {2, 2, 2, 2, 2},
                  .expected_config = {{"pool_size", {2, 3, 2}}, {"padding", "same"}}});
  run_layer_test({.name = "AveragePooling3D",
                  .make = [] { return AveragePooling3D(2, {.strides = 1, .data_format = "channels_first"}).ptr(); },
                  .input_shape = {1, 2, 3, 3, 4},
                  .expected_output_shape = {1, 2, 2, 2, 3},
                  .expected_config = {{"data_format", "channels_first"}}});
  run_layer_test({.name = "GlobalMaxPooling3D",
                  .make = [] { return GlobalMaxPooling3D().ptr(); },
                  .input_shape = {2, 2, 3, 2, 3},
                  .expected_output_shape = {2, 3},
                  .expected_config = {{"keepdims", false}},
                  .input_values = InputValues::distinct,
                  .bad_input_shape = Shape{2, 2, 3, 2}});
  run_layer_test({.name = "GlobalAveragePooling3D",
                  .make = [] { return GlobalAveragePooling3D({.data_format = "channels_first", .keepdims = true}).ptr(); },
                  .input_shape = {2, 3, 2, 2, 2},
                  .expected_output_shape = {2, 3, 1, 1, 1},
                  .expected_config = {{"data_format", "channels_first"}, {"keepdims", true}}});
}

TEST_CASE("pool3d ops: a brute-force window check, gradients") {
  // 'same' average pooling counts only the input elements of each clipped window.
  const Tensor x = random_f64({1, 3, 3, 3, 1}, -1, 1, 18);
  const Tensor y = avg_pool3d(x, {.pool_size = {2, 2, 2}, .strides = {2, 2, 2}, .padding = "same"});
  REQUIRE(y.shape() == Shape{1, 2, 2, 2, 1});
  const auto xv = x.to_vector<double>();
  const auto yv = y.to_vector<double>();
  const auto mv = max_pool3d(x, {.pool_size = {2, 2, 2}, .strides = {2, 2, 2}, .padding = "same"}).to_vector<double>();
  for (int d = 0; d < 2; ++d)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 2; ++w) {
        double total = 0, best = -1e9;
        int n = 0;
        for (int i = 2 * d; i < std::min(2 * d + 2, 3); ++i)
          for (int j = 2 * h; j < std::min(2 * h + 2, 3); ++j)
            for (int k = 2 * w; k < std::min(2 * w + 2, 3); ++k) {
              const double v = xv[static_cast<std::size_t>((i * 3 + j) * 3 + k)];
              total += v, best = std::max(best, v), ++n;
            }
        const auto at = static_cast<std::size_t>((d * 2 + h) * 2 + w);
        CHECK(yv[at] == doctest::Approx(total / n).epsilon(1e-12));
        CHECK(mv[at] == best);
      }
  for (const char* padding : {"valid", "same"}) {
    INFO(padding);
    const Pool3DOptions o{.pool_size = {2, 3, 2}, .strides = {1, 2, 2}, .padding = padding};
    check_gradients([&](const Inputs& in) { return max_pool3d(in[0], o); }, {distinct_f64({2, 3, 5, 4, 2})});
    check_gradients([&](const Inputs& in) { return avg_pool3d(in[0], o); }, {random_f64({2, 3, 5, 4, 2})});
  }
}

TEST_CASE("convolution variants and 3-D pooling: Keras configs through the registry") {
  for (const LayerPtr& layer : std::vector<LayerPtr>{
           Conv3D(3, {1, 2, 3}, {.strides = {1, 2, 1}, .padding = "same", .activation = "relu"}).ptr(),
           Conv2DTranspose(4, 3, {.strides = 2, .padding = "same", .output_padding = {1, 0}}).ptr(),
           Conv1DTranspose(2, 5, {.dilation_rate = 2, .use_bias = false}).ptr(),
           DepthwiseConv2D(3, {.depth_multiplier = 3, .data_format = "channels_first"}).ptr(),
           SeparableConv2D(8, {3, 1}, {.strides = 2, .depth_multiplier = 2, .activation = "elu"}).ptr(),
           MaxPooling3D({1, 2, 2}, {.padding = "same"}).ptr(), AveragePooling3D(3, {.strides = 1}).ptr(),
           GlobalMaxPooling3D({.keepdims = true}).ptr(), GlobalAveragePooling3D().ptr()}) {
    INFO(layer->class_name());
    const LayerPtr copy = layer_from_config(Config::parse(serialize_layer(*layer).dump()));
    CHECK(copy->class_name() == layer->class_name());
    CHECK(copy->get_config() == layer->get_config());
  }
  // A Keras 2 SeparableConv2D config (tf.keras 2.x spelling) builds the same weights.
  const Config keras2 = Config::parse(R"({"class_name": "SeparableConv2D", "config": {"name": "sep", "trainable": true,
      "dtype": "float32", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
      "data_format": "channels_last", "dilation_rate": [1, 1], "depth_multiplier": 2, "activation": "relu",
      "use_bias": true, "bias_initializer": {"class_name": "Zeros", "config": {}},
      "depthwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
      "pointwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}}})");
  const LayerPtr sep = layer_from_config(keras2);
  sep->ensure_built(Shape{1, 5, 5, 2});
  REQUIRE(sep->weights().size() == 3);
  CHECK(sep->weights()[1].shape() == Shape{1, 1, 4, 4});
}

TEST_CASE("convolution variants: bad arguments and inputs raise errors") {
  CHECK_THROWS_AS(Conv2DTranspose(2, 3, {.strides = 2, .output_padding = 2}), ValueError);  // not < stride
  CHECK_THROWS_AS(Conv2DTranspose(2, 3, {.padding = "causal"}), ValueError);
  CHECK_THROWS_AS(DepthwiseConv2D(3, {.depth_multiplier = 0}), ValueError);
  CHECK_THROWS_AS(SeparableConv2D(0, 3), ValueError);
  CHECK_THROWS_AS(Conv3D(2, {3, 3}), ValueError);
  CHECK_THROWS_AS(MaxPooling3D({2, 2}), ValueError);
  CHECK_THROWS_AS(conv3d(zeros({1, 2, 4, 4, 1}), zeros({3, 3, 3, 1, 1})), ShapeError);  // depth 2 < kernel 3
  CHECK_THROWS_AS(conv2d_transpose(zeros({1, 4, 4, 3}), zeros({3, 3, 2, 2})), ShapeError);
  CHECK_THROWS_AS(max_pool3d(zeros({1, 4, 4, 1})), ShapeError);
  auto depthwise = DepthwiseConv2D(2);
  (void)depthwise(zeros({1, 4, 4, 3}));
  try {
    (void)depthwise(zeros({1, 4, 4, 2}));
    FAIL_CHECK("accepted");
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("depthwise_conv2d") != std::string::npos);
    CHECK(std::string(e.what()).find("(1, 4, 4, 2)") != std::string::npos);
  }
}
