// Writes one-operator .tflite seeds (tflite_*.tflite) for the .tflite fuzz target, built with the
// tests' single_op_model.hpp. Build and run by hand (see README.txt):
//   g++ -std=c++20 -Ibuild/include -Ibuild/generated/lite -Itests tests/fuzz/make_tflite_corpus.cpp -o /tmp/m && /tmp/m tests/fuzz/corpus
#include <fstream>
#include <string>

#include "lite/single_op_model.hpp"

using namespace strata::lite::testing;

namespace {
void write(const std::string& dir, const std::string& name, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(dir + "/tflite_" + name + ".tflite", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  const auto i8 = tflite::TensorType_INT8;
  tflite::Conv2DOptionsT conv;
  conv.padding = tflite::Padding_SAME;
  conv.stride_w = conv.stride_h = 2;
  conv.fused_activation_function = tflite::ActivationFunctionType_RELU6;
  write(dir, "conv_int8",
        single_op_model(tflite::BuiltinOperator_CONV_2D,
                        {{{1, 4, 4, 2}, i8, {}, {0.02f}, {-3}},
                         {{2, 3, 3, 2}, i8, std::vector<std::uint8_t>(36, 5), {0.01f, 0.02f}, {0, 0}, 0},
                         {{2}, tflite::TensorType_INT32, bytes_of(std::vector<std::int32_t>{7, -7}), {0.0002f, 0.0004f}},
                         {{1, 2, 2, 2}, i8, {}, {0.05f}, {1}}},
                        {0, 1, 2}, {3}, options(conv)));
  tflite::DepthwiseConv2DOptionsT dw;
  dw.padding = tflite::Padding_VALID;
  dw.stride_w = dw.stride_h = 1;
  dw.depth_multiplier = 1;
  write(dir, "depthwise",
        single_op_model(tflite::BuiltinOperator_DEPTHWISE_CONV_2D,
                        {{{1, 3, 3, 2}}, {{1, 2, 2, 2}, tflite::TensorType_FLOAT32, bytes_of(std::vector<float>(8, 0.5f))},
                         {{1, 2, 2, 2}}},
                        {0, 1, -1}, {2}, options(dw)));
  tflite::Pool2DOptionsT pool;
  pool.padding = tflite::Padding_SAME;
  pool.stride_w = pool.stride_h = pool.filter_width = pool.filter_height = 2;
  write(dir, "avg_pool_int8",
        single_op_model(tflite::BuiltinOperator_AVERAGE_POOL_2D,
                        {{{1, 3, 3, 1}, i8, {}, {0.1f}, {0}}, {{1, 2, 2, 1}, i8, {}, {0.1f}, {0}}}, {0}, {1}, options(pool)));
  write(dir, "add_int8",
        single_op_model(tflite::BuiltinOperator_ADD,
                        {{{2, 3}, i8, {}, {0.02f}, {0}}, {{3}, i8, {}, {0.03f}, {-5}}, {{2, 3}, i8, {}, {0.05f}, {2}}},
                        {0, 1}, {2}));
  tflite::ConcatenationOptionsT concat;
  concat.axis = 1;
  write(dir, "concat", single_op_model(tflite::BuiltinOperator_CONCATENATION, {{{2, 1}}, {{2, 2}}, {{2, 3}}}, {0, 1},
                                       {2}, options(concat)));
  tflite::TransposeConvOptionsT tc;
  tc.padding = tflite::Padding_SAME;
  tc.stride_w = tc.stride_h = 2;
  write(dir, "transpose_conv",
        single_op_model(tflite::BuiltinOperator_TRANSPOSE_CONV,
                        {{{4}, tflite::TensorType_INT32, bytes_of(std::vector<std::int32_t>{1, 4, 4, 1})},
                         {{1, 3, 3, 1}, tflite::TensorType_FLOAT32, bytes_of(std::vector<float>(9, 1.0f))},
                         {{1, 2, 2, 1}}, {{1, 4, 4, 1}}},
                        {0, 1, 2}, {3}, options(tc)));
  tflite::ReducerOptionsT mean;
  mean.keep_dims = false;
  write(dir, "mean_int8",
        single_op_model(tflite::BuiltinOperator_MEAN,
                        {{{1, 2, 2, 3}, i8, {}, {0.1f}, {4}},
                         {{2}, tflite::TensorType_INT32, bytes_of(std::vector<std::int32_t>{1, 2})},
                         {{1, 3}, i8, {}, {0.05f}, {-4}}},
                        {0, 1}, {2}, options(mean)));
  return 0;
}
