// Writes one small model per converter layer family as float32, float16 and int8 .tflite files,
// with an input, Strata's predict output and Strata's interpreter output of each file, and a
// manifest.json, for tests/lite/armnn_check.py to run through Arm NN (ctest: lite_armnn). The folder
// is $STRATA_ARMNN_DIR, or a temporary one (then the case checks only that every file runs).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lite/converter_test_util.hpp"
#include "strata/framework/data/readers.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;
using namespace strata::lite::testing;
using st::lite::Quantization;

namespace {

// The scale of the int8 tensor the final DEQUANTIZE reads: one quantization step of the output.
float output_scale(const std::vector<std::uint8_t>& bytes) {
  const auto* sg = model_of(bytes)->subgraphs()->Get(0);
  const int out = sg->outputs()->Get(0);
  for (const auto* op : *sg->operators())
    if (op->outputs()->Get(0) == out) {
      const auto* q = sg->tensors()->Get(op->inputs()->Get(0))->quantization();
      REQUIRE(q != nullptr);
      REQUIRE(q->scale() != nullptr);
      return q->scale()->Get(0);
    }
  FAIL("no operator writes the output");
  return 0.0f;
}

// The int8 file with per-tensor weights (as TFLite's converter writes with per-channel quantization
// disabled): Arm NN 20.08 aborts on per-channel int8 weights, so this variant is the one it can
// cross-check. Each per-channel weight is requantized to the largest channel scale, its int32 bias
// to input scale x that scale.
std::vector<std::uint8_t> per_tensor_weights(const std::vector<std::uint8_t>& bytes) {
  auto model = tflite::UnPackModel(bytes.data());
  for (auto& t : model->subgraphs[0]->tensors) {
    auto* q = t->quantization.get();
    if (q == nullptr || q->scale.size() <= 1) continue;
    const float s_max = *std::max_element(q->scale.begin(), q->scale.end());
    const int axis = t->type == tflite::TensorType_INT32 ? 0 : q->quantized_dimension;
    std::int64_t inner = 1;
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < t->shape.size(); ++d) inner *= t->shape[d];
    auto& data = model->buffers[t->buffer]->data;
    const auto channel = [&](std::size_t i) { return (static_cast<std::int64_t>(i) / inner) % t->shape[static_cast<std::size_t>(axis)]; };
    if (t->type == tflite::TensorType_INT8) {
      auto* w = reinterpret_cast<std::int8_t*>(data.data());
      for (std::size_t i = 0; i < data.size(); ++i)
        w[i] = static_cast<std::int8_t>(std::clamp<long>(std::lround(w[i] * q->scale[channel(i)] / s_max), -127, 127));
    } else {
      auto* b = reinterpret_cast<std::int32_t*>(data.data());
      for (std::size_t i = 0; i < data.size() / 4; ++i)
        b[i] = static_cast<std::int32_t>(std::llround(static_cast<double>(b[i]) * q->scale[channel(i)] / s_max));
    }
    q->scale = {s_max};
    q->zero_point = {0};
    q->quantized_dimension = 0;
  }
  flatbuffers::FlatBufferBuilder builder;
  tflite::FinishModelBuffer(builder, tflite::Model::Pack(builder, model.get()));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

struct Exporter {
  std::filesystem::path dir;
  nlohmann::json manifest = nlohmann::json::array();

  void add(const std::string& name, st::Model& model, const st::Tensor& x, const st::Tensor& representative) {
    st::data::write_npy(dir / (name + ".input.npy"), x);
    st::data::write_npy(dir / (name + ".predict.npy"), model.predict(x));
    for (const auto& [mode, q] : {std::pair{"float32", Quantization::none}, std::pair{"float16", Quantization::float16},
                                  std::pair{"int8", Quantization::int8},
                                  std::pair{"int8_per_tensor", Quantization::int8}}) {
      INFO(name << " " << std::string(mode));
      const std::string file = name + "." + mode + ".tflite";
      std::vector<std::uint8_t> bytes;
      try {
        bytes = st::lite::convert(model, {.quantization = q, .representative_data = representative});
        if (std::string(mode) == "int8_per_tensor") bytes = per_tensor_weights(bytes);
      } catch (const st::NotImplementedError& e) {  // int8 LSTM / Embedding: refused by design
        manifest.push_back({{"file", file}, {"mode", mode}, {"convert_error", e.what()}});
        continue;
      } catch (const st::ValueError& e) {  // int8 calibration runs the float file in Strata's interpreter
        manifest.push_back({{"file", file}, {"mode", mode}, {"convert_error", e.what()}});
        continue;
      }
      std::ofstream(dir / file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      nlohmann::json entry = {{"file", file}, {"mode", mode}, {"input", name + ".input.npy"},
                              {"predict", name + ".predict.npy"}, {"strata", nullptr}};
      // An operator Strata's interpreter lacks is recorded (armnn_check.py reports it), not fatal here.
      try {
        // One row at a time, as Arm NN runs it (the file's batch is 1).
        std::vector<float> y;
        const auto values = x.to_vector<float>();
        auto row_dims = x.shape().dims();
        const auto rows = row_dims[0];
        row_dims[0] = 1;
        const auto n = values.size() / static_cast<std::size_t>(rows);
        for (std::int64_t r = 0; r < rows; ++r) {
          const auto first = values.begin() + static_cast<std::ptrdiff_t>(n * static_cast<std::size_t>(r));
          const auto row = run_tflite(bytes, st::Tensor::from_vector(std::vector<float>(first, first + static_cast<std::ptrdiff_t>(n)),
                                                                     st::Shape(row_dims)));
          y.insert(y.end(), row.begin(), row.end());
        }
        const std::string strata_file = name + "." + mode + ".strata.npy";
        st::data::write_npy(dir / strata_file, st::Tensor::from_vector(y, {static_cast<std::int64_t>(y.size())}));
        entry["strata"] = strata_file;
      } catch (const st::ValueError& e) {
        entry["strata_error"] = e.what();
      } catch (const st::NotImplementedError& e) {
        entry["strata_error"] = e.what();
      }
      if (q == Quantization::int8) entry["output_scale"] = output_scale(bytes);
      manifest.push_back(entry);
    }
  }
};

}  // namespace

TEST_CASE("armnn export: one model per converter layer family, float32 / float16 / int8, with Strata's outputs") {
  const st::testing::TempDir temp("lite_armnn");
  const char* env = std::getenv("STRATA_ARMNN_DIR");
  Exporter ex{env != nullptr ? std::filesystem::path(env) : temp.path()};
  std::filesystem::create_directories(ex.dir);
  const auto data = [](st::Shape shape, std::uint64_t seed) {
    auto dims = shape.dims();
    auto x = dims;
    x.insert(x.begin(), 3);
    auto rep = dims;
    rep.insert(rep.begin(), 64);
    return std::pair{st::normal(st::Shape(x), {.seed = seed}), st::normal(st::Shape(rep), {.seed = seed + 1})};
  };

  {
    st::set_random_seed(101);
    st::Sequential m({Input({6}), Dense(8, "relu"), Dense(5, "tanh"), Dense(3, "softmax")});
    auto [x, rep] = data({6}, 1);
    ex.add("dense_mlp", m, x, rep);
  }
  {
    st::set_random_seed(102);
    auto bn = BatchNormalization();
    st::Sequential m({Input({8, 8, 3}), Conv2D(4, {3, 3}, {.padding = "same"}), bn, Activation("relu"), Flatten(),
                      Dense(3)});
    auto w = bn->get_weights();
    w[0] = st::uniform({4}, {.minval = 0.5, .maxval = 1.5, .seed = 5});
    w[1] = st::normal({4}, {.seed = 6});
    w[2] = st::normal({4}, {.seed = 7});
    w[3] = st::uniform({4}, {.minval = 0.5, .maxval = 2.0, .seed = 8});
    bn->set_weights(w);
    auto [x, rep] = data({8, 8, 3}, 3);
    ex.add("conv_batchnorm", m, x, rep);
  }
  {
    st::set_random_seed(103);
    st::Sequential m({Input({8, 8, 3}), DepthwiseConv2D({3, 3}, {.strides = 2, .depth_multiplier = 2, .activation = "relu"}),
                      Flatten(), Dense(3)});
    auto [x, rep] = data({8, 8, 3}, 5);
    ex.add("depthwise", m, x, rep);
  }
  {
    st::set_random_seed(104);
    st::Sequential m({Input({8, 8, 3}), SeparableConv2D(5, {2, 2}, {.padding = "same", .activation = "relu6"}),
                      GlobalAveragePooling2D(), Dense(3, "sigmoid")});
    auto [x, rep] = data({8, 8, 3}, 7);
    ex.add("separable", m, x, rep);
  }
  {
    st::set_random_seed(105);
    st::Sequential m({Input({10, 3}), Conv1D(4, 3, {.strides = 2, .activation = "relu"}), Reshape({16}), Dense(2)});
    auto [x, rep] = data({10, 3}, 9);
    ex.add("conv1d", m, x, rep);
  }
  {
    st::set_random_seed(106);
    st::Sequential m({Input({4, 4, 2}), Conv2DTranspose(3, {3, 3}, {.strides = 2, .padding = "same"}),
                      Conv2DTranspose(2, {2, 2}, {.activation = "relu"}), Flatten(), Dense(2)});
    auto [x, rep] = data({4, 4, 2}, 11);
    ex.add("transposed_conv", m, x, rep);
  }
  {
    st::set_random_seed(107);
    st::Sequential m({Input({8, 8, 2}), Conv2D(3, {1, 1}), MaxPooling2D({2, 2}), AveragePooling2D({2, 2}), Flatten(),
                      Dense(2)});
    auto [x, rep] = data({8, 8, 2}, 13);
    ex.add("pooling2d", m, x, rep);
  }
  {
    st::set_random_seed(108);
    st::Sequential m({Input({12, 3}), MaxPooling1D(2), Conv1D(4, 3, {.padding = "same"}), AveragePooling1D(3),
                      GlobalAveragePooling1D(), Dense(2)});
    auto [x, rep] = data({12, 3}, 15);
    ex.add("pooling1d", m, x, rep);
  }
  {
    st::set_random_seed(109);
    st::Sequential m({Input({6, 6, 2}), Conv2D(3, {1, 1}), GlobalMaxPooling2D(), Dense(2)});
    auto [x, rep] = data({6, 6, 2}, 17);
    ex.add("global_max_pool", m, x, rep);
  }
  {
    st::set_random_seed(110);
    st::Sequential m({Input({6, 6, 2}), ZeroPadding2D({1, 1}), Conv2D(2, {3, 3}), Flatten(), Dense(2)});
    auto [x, rep] = data({6, 6, 2}, 19);
    ex.add("zero_padding", m, x, rep);
  }
  {
    st::set_random_seed(111);
    auto in = Input({6, 6, 2});
    auto a = Conv2D(3, {3, 3}, {.padding = "same"})(in);
    auto b = Conv2D(3, {1, 1})(in);
    auto s = Add()({a, b});
    auto p = Multiply()({s, b});
    auto c = Concatenate()({p, a});
    st::Model m({in}, {Dense(2)(Flatten()(c))});
    auto [x, rep] = data({6, 6, 2}, 21);
    ex.add("merging", m, x, rep);
  }
  {
    st::set_random_seed(112);
    st::Sequential m({Input({5, 3}), LSTM(4, {.return_sequences = true}), Flatten(), Dense(2)});
    auto [x, rep] = data({5, 3}, 23);
    ex.add("lstm", m, x, rep);
  }
  {
    st::set_random_seed(113);
    st::Sequential m({Input({5}), Dense(6), LeakyReLU(0.1), Dense(4, "relu6"), Dense(4, "swish"), Dense(3), Softmax()});
    auto [x, rep] = data({5}, 25);
    ex.add("activations_softmax", m, x, rep);
  }
  {
    st::set_random_seed(114);
    auto in = Input({4}, {.name = "features"});
    auto h = Dense(6, "relu")(in);
    auto left = Dense(3, "tanh")(h);
    auto right = Dense(3, "relu")(in);
    auto joined = Concatenate()({Add()({left, right}), right});
    st::Model m({in}, {Dense(2, "softmax")(joined)});
    auto [x, rep] = data({4}, 27);
    ex.add("functional_branches", m, x, rep);
  }
  {
    st::set_random_seed(115);
    st::Sequential m({Input({5}), Embedding(10, 4), Flatten(), Dense(2)});
    const auto ids = [](std::int64_t n, std::uint64_t seed) {
      return st::Tensor::from_vector(st::uniform({n, 5}, {.minval = 0, .maxval = 9.99, .seed = seed}).to_vector<float>(),
                                     {n, 5});
    };
    auto floor_ids = [](st::Tensor t) {
      auto v = t.to_vector<float>();
      for (auto& e : v) e = static_cast<float>(static_cast<int>(e));
      return st::Tensor::from_vector(v, t.shape());
    };
    ex.add("embedding", m, floor_ids(ids(3, 29)), floor_ids(ids(64, 30)));
  }

  std::ofstream(ex.dir / "manifest.json") << ex.manifest.dump(1);
  CHECK(ex.manifest.size() == 15 * 4);
}

TEST_CASE("int8 Concatenate: its inputs share the output's scale and zero point, and the file runs") {
  st::set_random_seed(120);
  auto in = Input({4});
  auto a = Dense(3, "relu")(in);
  auto b = Dense(2)(in);
  st::Model m({in}, {Dense(2)(Concatenate()({a, b}))});
  const auto bytes = st::lite::convert(m, {.quantization = Quantization::int8,
                                           .representative_data = st::normal({32, 4}, {.seed = 121})});
  const auto* sg = model_of(bytes)->subgraphs()->Get(0);
  for (const auto* op : *sg->operators()) {
    if (op->builtin_options_as_ConcatenationOptions() == nullptr) continue;
    const auto* y = sg->tensors()->Get(op->outputs()->Get(0))->quantization();
    for (int i : *op->inputs()) {
      const auto* q = sg->tensors()->Get(i)->quantization();
      CHECK(q->scale()->Get(0) == y->scale()->Get(0));
      CHECK(q->zero_point()->Get(0) == y->zero_point()->Get(0));
    }
  }
  const st::Tensor x = st::normal({1, 4}, {.seed = 122});
  const auto got = run_tflite(bytes, x);
  const auto expected = m.predict(x).to_vector<float>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - expected[i]) < 0.1f);
}
