// ZeroPadding1D/2D/3D, Cropping1D/2D/3D, UpSampling1D/2D/3D through the layer harness, their
// configs through the layer registry, and their errors. Keras's own outputs for them are checked in
// test_conv_pool_norm.cpp (keras-js goldens); bilinear UpSampling2D against PyTorch in
// test_layer_reference.cpp.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "support/gradient_check.hpp"
#include "support/layer_harness.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::check_gradients;
using strata::testing::random_f64;
using strata::testing::run_layer_test;

TEST_CASE("layer harness: ZeroPadding1D/2D/3D") {
  run_layer_test({.name = "ZeroPadding1D",
                  .make = [] { return ZeroPadding1D({2, 1}).ptr(); },
                  .input_shape = {2, 4, 3},
                  .expected_output_shape = {2, 7, 3},
                  .expected_config = {{"padding", {2, 1}}},
                  .bad_input_shape = Shape{2, 4}});
  run_layer_test({.name = "ZeroPadding2D",
                  .make = [] { return ZeroPadding2D({{1, 0}, {2, 3}}).ptr(); },
                  .input_shape = {2, 3, 2, 2},
                  .expected_output_shape = {2, 4, 7, 2},
                  .expected_config = {{"padding", {{1, 0}, {2, 3}}}, {"data_format", "channels_last"}},
                  .bad_input_shape = Shape{2, 3, 2}});
  run_layer_test({.name = "ZeroPadding2D",
                  .make = [] { return ZeroPadding2D(1, {.data_format = "channels_first"}).ptr(); },
                  .input_shape = {2, 3, 2, 2},
                  .expected_output_shape = {2, 3, 4, 4},
                  .expected_config = {{"padding", {{1, 1}, {1, 1}}}, {"data_format", "channels_first"}}});
  run_layer_test({.name = "ZeroPadding3D",
                  .make = [] { return ZeroPadding3D({1, 2, 0}).ptr(); },
                  .input_shape = {1, 2, 2, 2, 3},
                  .expected_output_shape = {1, 4, 6, 2, 3},
                  .expected_config = {{"padding", {{1, 1}, {2, 2}, {0, 0}}}},
                  .bad_input_shape = Shape{1, 2, 2, 2}});
  // The padded values are zeros and the inputs sit at the offset.
  const Tensor y = ZeroPadding1D({1, 2})(Tensor::from_vector<float>({5, 6}, Shape{1, 2, 1}));
  CHECK(y.to_vector<float>() == std::vector<float>{0, 5, 6, 0, 0});
}

TEST_CASE("layer harness: Cropping1D/2D/3D") {
  run_layer_test({.name = "Cropping1D",
                  .make = [] { return Cropping1D({1, 2}).ptr(); },
                  .input_shape = {2, 6, 3},
                  .expected_output_shape = {2, 3, 3},
                  .expected_config = {{"cropping", {1, 2}}},
                  .bad_input_shape = Shape{2, 6}});
  run_layer_test({.name = "Cropping2D",
                  .make = [] { return Cropping2D({{1, 0}, {2, 1}}).ptr(); },
                  .input_shape = {2, 4, 5, 2},
                  .expected_output_shape = {2, 3, 2, 2},
                  .expected_config = {{"cropping", {{1, 0}, {2, 1}}}, {"data_format", "channels_last"}}});
  run_layer_test({.name = "Cropping2D",
                  .make = [] { return Cropping2D(1, {.data_format = "channels_first"}).ptr(); },
                  .input_shape = {2, 3, 4, 5},
                  .expected_output_shape = {2, 3, 2, 3},
                  .expected_config = {{"data_format", "channels_first"}}});
  run_layer_test({.name = "Cropping3D",
                  .make = [] { return Cropping3D({1, 0, 2}).ptr(); },
                  .input_shape = {1, 4, 3, 5, 2},
                  .expected_output_shape = {1, 2, 3, 1, 2},
                  .expected_config = {{"cropping", {{1, 1}, {0, 0}, {2, 2}}}},
                  .bad_input_shape = Shape{1, 4, 3, 5}});
  const Tensor y = Cropping1D({1, 2})(Tensor::from_vector<float>({1, 2, 3, 4, 5}, Shape{1, 5, 1}));
  CHECK(y.to_vector<float>() == std::vector<float>{2, 3});
}

TEST_CASE("layer harness: UpSampling1D/2D/3D") {
  run_layer_test({.name = "UpSampling1D",
                  .make = [] { return UpSampling1D(3).ptr(); },
                  .input_shape = {2, 3, 2},
                  .expected_output_shape = {2, 9, 2},
                  .expected_config = {{"size", 3}},
                  .bad_input_shape = Shape{2, 3}});
  run_layer_test({.name = "UpSampling2D",
                  .make = [] { return UpSampling2D({2, 3}).ptr(); },
                  .input_shape = {2, 2, 3, 2},
                  .expected_output_shape = {2, 4, 9, 2},
                  .expected_config = {{"size", {2, 3}}, {"data_format", "channels_last"}, {"interpolation", "nearest"}}});
  run_layer_test({.name = "UpSampling2D",
                  .make = [] { return UpSampling2D(2, {.data_format = "channels_first", .interpolation = "bilinear"}).ptr(); },
                  .input_shape = {2, 3, 2, 3},
                  .expected_output_shape = {2, 3, 4, 6},
                  .expected_config = {{"size", {2, 2}}, {"interpolation", "bilinear"}}});
  run_layer_test({.name = "UpSampling3D",
                  .make = [] { return UpSampling3D({1, 2, 2}).ptr(); },
                  .input_shape = {1, 2, 2, 3, 2},
                  .expected_output_shape = {1, 2, 4, 6, 2},
                  .expected_config = {{"size", {1, 2, 2}}, {"data_format", "channels_last"}},
                  .bad_input_shape = Shape{1, 2, 2, 3}});
  // Nearest repeats each element (NumPy's repeat).
  const Tensor y = UpSampling1D(2)(Tensor::from_vector<float>({1, 2, 3}, Shape{1, 3, 1}));
  CHECK(y.to_vector<float>() == std::vector<float>{1, 1, 2, 2, 3, 3});
}

TEST_CASE("upsampling ops: gradients") {
  check_gradients([](const std::vector<Tensor>& in) { return repeat_elements(in[0], 3, 1); }, {random_f64({2, 3, 2})});
  check_gradients([](const std::vector<Tensor>& in) { return linear_upsample_axis(in[0], 2, 2); },
                  {random_f64({2, 3, 4, 2})});
  check_gradients([](const std::vector<Tensor>& in) { return linear_upsample_axis(in[0], 3, 1); },
                  {random_f64({1, 1, 2})});  // a length-1 axis: every output is the one input
}

TEST_CASE("reshaping layers: Keras configs through the registry") {
  for (const LayerPtr& layer : std::vector<LayerPtr>{
           ZeroPadding1D({2, 1}).ptr(), ZeroPadding2D({{1, 0}, {2, 3}}, {.data_format = "channels_first"}).ptr(),
        ZeroPadding3D(2).ptr(), Cropping1D(3).ptr(), Cropping2D({1, 2}).ptr(), Cropping3D({{1, 0}, {0, 1}, {2, 2}}).ptr(),
        UpSampling1D(4).ptr(), UpSampling2D({2, 1}, {.interpolation = "bilinear"}).ptr(), UpSampling3D(3).ptr()}) {
    INFO(layer->class_name());
    const Config entry = serialize_layer(*layer);
    const LayerPtr copy = layer_from_config(Config::parse(entry.dump()));
    CHECK(copy->class_name() == layer->class_name());
    CHECK(copy->get_config() == layer->get_config());
  }
  // Keras 2 spellings: tuples as lists, ZeroPadding2D's symmetric pair, Cropping1D's pair.
  auto made = layer_from_config({{"class_name", "ZeroPadding2D"},
                                 {"config", {{"name", "zp"}, {"padding", {1, 2}}, {"data_format", "channels_last"}}}});
  CHECK(made->get_config()["padding"] == Config({{1, 1}, {2, 2}}));
  made = layer_from_config({{"class_name", "Cropping1D"}, {"config", {{"name", "c"}, {"cropping", {2, 0}}}}});
  CHECK(made->compute_output_shape(Shape{-1, 5, 3}) == Shape{-1, 3, 3});
  made = layer_from_config({{"class_name", "UpSampling2D"}, {"config", {{"name", "u"}, {"size", {2, 3}}}}});
  CHECK(made->compute_output_shape(Shape{-1, 2, 2, 1}) == Shape{-1, 4, 6, 1});
}

TEST_CASE("reshaping layers: bad arguments and inputs raise errors naming the layer") {
  CHECK_THROWS_AS(ZeroPadding2D({1, 2, 3}), ValueError);
  CHECK_THROWS_AS(ZeroPadding1D(-1), ValueError);
  CHECK_THROWS_AS(Cropping3D({{1, 1}, {1, 1}}), ValueError);
  CHECK_THROWS_AS(UpSampling2D(0), ValueError);
  CHECK_THROWS_AS(UpSampling3D(2, {.interpolation = "bilinear"}), ValueError);
  CHECK_THROWS_AS(UpSampling2D(2, {.interpolation = "bicubic"}), ValueError);
  CHECK_THROWS_AS(ZeroPadding2D(1, {.data_format = "channels_middle"}), ValueError);
  try {
    (void)Cropping2D({{2, 2}, {0, 0}})(zeros({1, 4, 3, 1}));
    FAIL_CHECK("accepted");
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("cropping2d") != std::string::npos);
    CHECK(std::string(e.what()).find("(1, 4, 3, 1)") != std::string::npos);
  }
}
