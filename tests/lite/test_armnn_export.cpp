// Writes one small model per converter layer family as float32, float16 and int8 .tflite files,
// with an input, Strata's predict output and Strata's interpreter output of each file, and a
// manifest.json, for tests/lite/armnn_check.py to run through Arm NN (ctest: lite_armnn). The folder
// is $STRATA_ARMNN_DIR, or a temporary one (then the case checks only that every file runs).
#include <doctest/doctest.h>

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

struct Exporter {
  std::filesystem::path dir;
  nlohmann::json manifest = nlohmann::json::array();

  void add(const std::string& name, st::Model& model, const st::Tensor& x, const st::Tensor& representative) {
    st::data::write_npy(dir / (name + ".input.npy"), x);
    st::data::write_npy(dir / (name + ".predict.npy"), model.predict(x));
    for (const auto& [mode, q] : {std::pair{"float32", Quantization::none}, std::pair{"float16", Quantization::float16},
                                  std::pair{"int8", Quantization::int8}}) {
      INFO(name << " " << mode);
      const auto bytes = st::lite::convert(model, {.quantization = q, .representative_data = representative});
      const std::string file = name + "." + mode + ".tflite";
      std::ofstream(dir / file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      const auto y = run_tflite(bytes, x);
      const std::string strata_file = name + "." + mode + ".strata.npy";
      st::data::write_npy(dir / strata_file, st::Tensor::from_vector(y, {static_cast<std::int64_t>(y.size())}));
      nlohmann::json entry = {{"file", file}, {"mode", mode}, {"input", name + ".input.npy"},
                              {"predict", name + ".predict.npy"}, {"strata", strata_file}};
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
  CHECK(ex.manifest.size() == 15 * 3);
}
