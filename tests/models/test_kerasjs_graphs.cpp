// The keras-js golden cases that are small models rather than one layer under test: the core
// layers (Dense, Dropout, Flatten, Permute, Reshape, RepeatVector), the noise layers, graph_00..07
// (several inputs, branches, merge layers) and pipeline_00..16 (stacks of convolution,
// BatchNormalization, pooling, ...). Each is rebuilt from its Keras definition
// (definitions_index.json), gets the JSON weights through model.set_weights in Keras's
// model.get_weights() order, and predicts on a batch of one. The other 242 keras-js cases run in
// tests/layers/test_conv_pool_norm.cpp (single layers) and tests/models/test_functional.cpp (merge).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/strata.hpp"
#include "support/keras_goldens.hpp"

namespace st = strata;
using namespace strata::layers;
using st::LayerPtr;
using st::Shape;
using st::Tensor;
using strata::testing::json_tensor;

namespace {

const std::filesystem::path kGoldens = std::filesystem::path(STRATA_KERAS_FIXTURES_DIR) / "kerasjs_layer_goldens_k2.0";

// The model's Input() tensors -> its output.
using Build = std::function<Tensor(const std::vector<Tensor>&)>;

// Keras's `for layer in layers: x = layer(x)` over one input; new layers for every model built.
using Layers = std::vector<LayerPtr>;
Build chain(std::function<Layers()> make_layers) {
  return [make_layers](const std::vector<Tensor>& in) {
    Tensor x = in.at(0);
    for (const auto& layer : make_layers()) x = (*layer)(x);
    return x;
  };
}

// graph_01..05: Conv2D(4, 3, relu) on each of two inputs, then a merge layer.
Build two_conv_branches(std::function<LayerPtr()> make_merge) {
  return [make_merge](const std::vector<Tensor>& in) {
    return (*make_merge())({Conv2D(4, 3, "relu")(in.at(0)), Conv2D(4, 3, "relu")(in.at(1))});
  };
}

// Conv2D's options in the definitions besides the defaults (strides 1, padding 'valid').
const ConvOptions same{.padding = "same"}, same2{.strides = 2, .padding = "same"}, valid2{.strides = 2};

const std::map<std::string, Build>& golden_models() {
  static const std::map<std::string, Build> table = {
      {"core.Dense.0", chain([] { return Layers{Dense(2, "linear")}; })},
      {"core.Dense.1", chain([] { return Layers{Dense(2, "sigmoid")}; })},
      {"core.Dense.2", chain([] { return Layers{Dense(2, "softplus", {.use_bias = false})}; })},
      {"core.Dense.3", chain([] { return Layers{Dense(2, "linear")}; })},
      {"core.Dense.4", chain([] { return Layers{Dense(2, "sigmoid")}; })},
      {"core.Dense.5", chain([] { return Layers{Dense(2, "softplus", {.use_bias = false})}; })},
      {"core.Dropout.0", chain([] { return Layers{Dense(2), Dropout(0.5)}; })},
      // Keras 2.0 on TensorFlow refused Flatten on a rank-2 input ("throws exception for TF"), so the
      // notebook wrote the input as the expected output; Keras 3 (and Strata) flatten it to itself.
      {"core.Flatten.0", chain([] { return Layers{Flatten()}; })},
      {"core.Flatten.1", chain([] { return Layers{Flatten()}; })},
      {"core.Flatten.2", chain([] { return Layers{Flatten()}; })},
      {"core.Permute.0", chain([] { return Layers{Permute({2, 1})}; })},
      {"core.Permute.1", chain([] { return Layers{Permute({3, 2, 1})}; })},
      {"core.Permute.2", chain([] { return Layers{Permute({2, 1, 3})}; })},
      {"core.Permute.3", chain([] { return Layers{Permute({3, 1, 2, 4})}; })},
      {"core.RepeatVector.0", chain([] { return Layers{RepeatVector(7)}; })},
      {"core.Reshape.0", chain([] { return Layers{Reshape({2, 3})}; })},
      {"core.Reshape.1", chain([] { return Layers{Reshape({6})}; })},
      {"core.Reshape.2", chain([] { return Layers{Reshape({4, 3})}; })},
      {"noise.GaussianDropout.0", chain([] { return Layers{Dense(2), GaussianDropout(0.5)}; })},
      {"noise.GaussianNoise.0", chain([] { return Layers{Dense(2), GaussianNoise(0.5)}; })},
      {"graph_00",
       [](const std::vector<Tensor>& in) {
         return Concatenate()({Permute({1, 3, 2})(in.at(0)), Permute({2, 3, 1})(in.at(1))});
       }},
      {"graph_01", two_conv_branches([] { return LayerPtr(Add()); })},
      {"graph_02", two_conv_branches([] { return LayerPtr(Average()); })},
      {"graph_03", two_conv_branches([] { return LayerPtr(Multiply()); })},
      {"graph_04", two_conv_branches([] { return LayerPtr(Maximum()); })},
      {"graph_05", two_conv_branches([] { return LayerPtr(Concatenate()); })},
      {"graph_06",
       [](const std::vector<Tensor>& in) {
         auto conv = [](std::int64_t filters, std::int64_t size, const char* padding, const char* name) {
           return Conv2D(filters, size, "relu", {.padding = padding, .name = name});
         };
         Tensor b0 = conv(4, 3, "same", "conv_0_0")(in.at(0));
         Tensor b1 = conv(2, 1, "valid", "conv_1_0")(in.at(1));
         b1 = conv(4, 3, "same", "conv_1_1")(b1);
         b1 = conv(2, 1, "valid", "conv_1_2")(b1);
         Tensor b2 = conv(5, 3, "same", "conv_2_0")(in.at(2));
         b2 = conv(3, 3, "same", "conv_2_1")(b2);
         return Concatenate()({b0, b1, b2});
       }},
      {"graph_07",
       [](const std::vector<Tensor>& in) {
         Tensor b0 = Conv2D(4, 3, "relu", same)(Conv2D(4, 3, "relu", same)(in.at(0)));
         Tensor b1 = Conv2D(4, 3, "relu", same)(Conv2D(4, 3, "relu", same)(in.at(1)));
         return Conv2D(4, 3, "linear", same)(Concatenate()({b0, b1}));
       }},
      {"pipeline_00", chain([] { return Layers{Conv2D(4, 3, "relu"), Conv2D(4, 3, "relu"), Conv2D(4, 3, "relu")}; })},
      {"pipeline_01", chain([] {
         return Layers{Conv2D(5, 3, "relu", same2), Conv2D(4, 3, "linear", same), Conv2D(2, 3, "relu"),
                       Conv2D(3, 5, "relu"), Conv2D(2, 3, "linear")};
       })},
      {"pipeline_02", chain([] {
         return Layers{Conv2D(5, 3, "relu", same2), Conv2D(4, 3, "linear"), Conv2D(2, 1, "relu"),
                       Conv2D(3, 5, "relu", same), Conv2D(2, 3, "linear", same), Conv2D(4, 1, "relu"),
                       Conv2D(2, 3, "linear")};
       })},
      {"pipeline_03", chain([] { return Layers{Conv2D(4, 3, "relu"), BatchNormalization({.epsilon = 1e-5})}; })},
      {"pipeline_04", chain([] {
         return Layers{Conv2D(5, 3, "relu", same2), BatchNormalization(), Conv2D(4, 1, "linear"),
                       BatchNormalization(), Conv2D(3, 3, "relu", same), BatchNormalization(), Conv2D(2, 3, "relu"),
                       BatchNormalization()};
       })},
      {"pipeline_05", chain([] { return Layers{Conv2D(4, 3, "relu"), MaxPooling2D(2)}; })},
      {"pipeline_06", chain([] {
         return Layers{Conv2D(5, 3, "relu", valid2), BatchNormalization(), Conv2D(4, 3, "relu", same),
                       BatchNormalization(), Conv2D(3, 3, "relu", same), BatchNormalization(), MaxPooling2D(2),
                       Conv2D(4, 3, "linear"), BatchNormalization(), Conv2D(2, 3, "relu", same), BatchNormalization(),
                       MaxPooling2D(2)};
       })},
      {"pipeline_07", chain([] { return Layers{Conv2D(4, 3, "relu"), MaxPooling2D(2, {.strides = 1})}; })},
      {"pipeline_08", chain([] {
         return Layers{Conv2D(4, 3, "relu", same), Conv2D(4, 3, "relu"),
                       MaxPooling2D(2, {.strides = 1, .padding = "same"})};
       })},
      {"pipeline_09", chain([] { return Layers{Conv2D(4, 3, "relu"), AveragePooling2D(2)}; })},
      {"pipeline_10", chain([] {
         return Layers{Conv2D(5, 3, "relu", valid2), BatchNormalization(), Conv2D(4, 3, "relu", same),
                       BatchNormalization(), Conv2D(3, 3, "relu", same), BatchNormalization(), AveragePooling2D(2),
                       Conv2D(4, 3, "linear"), BatchNormalization(), Conv2D(2, 3, "relu", same), BatchNormalization(),
                       AveragePooling2D(2)};
       })},
      {"pipeline_11", chain([] { return Layers{Conv2D(4, 3, "relu"), AveragePooling2D(2, {.strides = 1})}; })},
      {"pipeline_12", chain([] {
         return Layers{Conv2D(4, 3, "relu", same), Conv2D(4, 3, "relu"),
                       AveragePooling2D(2, {.strides = 1, .padding = "same"})};
       })},
      {"pipeline_13", chain([] {
         return Layers{Conv2D(2, 3), Activation("relu"), Conv2D(2, 3), Activation("relu"),
                       MaxPooling2D(2, {.strides = 1}), Dropout(0.25), Flatten(), Dense(3), Activation("relu"),
                       Dropout(0.5), Dense(3), Activation("softmax")};
       })},
      {"pipeline_14", chain([] { return Layers{SeparableConv2D(2, 3), SeparableConv2D(2, 3)}; })},
      {"pipeline_15", chain([] {
         return Layers{Conv2D(2, 3), BatchNormalization(), Activation("relu"),
                       SeparableConv2D(2, 3, {.padding = "same"}), BatchNormalization()};
       })},
      {"pipeline_16", chain([] {
         return Layers{Conv2D(4, 3, {.strides = 2, .use_bias = false}), BatchNormalization(), Activation("relu"),
                       ZeroPadding2D({{0, 1}, {0, 1}}), Cropping2D({{1, 0}, {1, 0}}),
                       AveragePooling2D(1, {.strides = 2})};
       })},
  };
  return table;
}

// A case's model inputs: "inputs" (graph tests) or the one "input".
std::vector<const nlohmann::json*> case_inputs(const nlohmann::json& c) {
  std::vector<const nlohmann::json*> out;
  if (c.contains("inputs"))
    for (const auto& i : c.at("inputs")) out.push_back(&i);
  else
    out.push_back(&c.at("input"));
  return out;
}

// The case rebuilt as a Functional model on Input()s of the case's input shapes.
std::shared_ptr<st::Model> rebuild(const std::string& key, const nlohmann::json& c) {
  std::vector<Tensor> inputs;
  for (const auto* in : case_inputs(c)) inputs.push_back(Input(json_tensor(*in, false).shape()));
  return std::make_shared<st::Model>(inputs, golden_models().at(key)(inputs));
}

std::vector<Tensor> case_weights(const nlohmann::json& c) {
  std::vector<Tensor> weights;
  if (c.contains("weights"))
    for (const auto& w : c.at("weights")) weights.push_back(json_tensor(w, false));
  return weights;
}

nlohmann::json read_case(const std::string& file, const std::string& key) {
  return nlohmann::json::parse(std::ifstream(kGoldens / "data" / file)).at(key);
}

}  // namespace

TEST_CASE("Keras goldens: core and noise layers, multi-input graphs and layer pipelines (keras-js, Keras 2.0)") {
  if (!std::filesystem::exists(kGoldens / "definitions_index.json")) {
    MESSAGE("skipped: the shared fixtures are not at " << kGoldens.string());
    return;
  }
  std::vector<std::string> files;
  for (const char* name : {"Dense", "Dropout", "Flatten", "Permute", "Reshape", "RepeatVector"})
    files.push_back(std::string("layers/core/") + name);
  for (const char* name : {"GaussianDropout", "GaussianNoise"}) files.push_back(std::string("layers/noise/") + name);
  for (int i = 0; i <= 7; ++i) files.push_back("graph/0" + std::to_string(i));
  for (int i = 0; i <= 16; ++i) files.push_back("pipeline/" + std::string(i < 10 ? "0" : "") + std::to_string(i));

  strata::testing::GoldenTally tally;
  std::vector<std::string> skipped;
  for (const auto& file : files) {
    const auto path = kGoldens / "data" / (file + ".json");
    if (!std::filesystem::exists(path)) {
      skipped.push_back(file + " (file absent)");
      continue;
    }
    const auto cases = nlohmann::json::parse(std::ifstream(path));
    for (const auto& [key, c] : cases.items()) {
      if (!golden_models().count(key)) {
        skipped.push_back(key + " (no definition here)");
        continue;
      }
      INFO(key);
      try {
        auto model = rebuild(key, c);
        const auto weights = case_weights(c);
        if (!weights.empty() || !model->get_weights().empty()) model->set_weights(weights);
        std::vector<Tensor> xs;
        for (const auto* in : case_inputs(c)) xs.push_back(json_tensor(*in, true));
        const Tensor y = xs.size() == 1 ? model->predict(xs[0]) : model->predict(st::ModelData(xs));
        tally.compare(key, y, json_tensor(c.at("expected"), true));
      } catch (const st::Error& e) {  // one broken case fails, the others still run
        ++tally.ran;
        FAIL_CHECK(key << ": " << e.what());
      }
    }
  }
  const auto index = nlohmann::json::parse(std::ifstream(kGoldens / "definitions_index.json"));
  std::ostringstream skipped_list;
  for (const auto& s : skipped) skipped_list << "\n  skipped " << s;
  MESSAGE("keras-js graph/pipeline/core goldens: " << tally.ran << " cases ran, " << tally.passed
                                                   << " passed, worst abs error " << tally.worst << " ("
                                                   << tally.worst_case << "); of the " << index.size()
                                                   << " keras-js keys, the other " << index.size() - tally.ran
                                                   << " run in the layer and merge golden tests" << skipped_list.str());
  CHECK(skipped.empty());
  CHECK(tally.ran == 45);
  CHECK(tally.passed == tally.ran);
}

// Two regressions the goldens found, checked against the weight lists Keras itself wrote.

TEST_CASE("Functional: layers and get_weights follow Keras's order, by depth from the outputs (keras-js graph_06)") {
  if (!std::filesystem::exists(kGoldens / "data/graph/06.json")) return;
  const auto c = read_case("graph/06.json", "graph_06");
  auto model = rebuild("graph_06", c);
  // Keras's model.layers: decreasing depth (calls to the outputs), ties in traversal order from the
  // output — not the order the branches were written in.
  std::vector<std::string> with_weights;
  for (const auto& layer : model->layers())
    if (!layer->get_weights().empty()) with_weights.push_back(layer->name());
  CHECK(with_weights ==
        std::vector<std::string>{"conv_1_0", "conv_1_1", "conv_2_0", "conv_0_0", "conv_1_2", "conv_2_1"});
  const auto keras = case_weights(c);
  const auto ours = model->get_weights();
  REQUIRE(ours.size() == keras.size());
  for (std::size_t i = 0; i < ours.size(); ++i) CHECK(ours[i].shape() == keras[i].shape());
  // The deepest input (the second, four calls from the output) comes first, as in Keras's model.layers.
  CHECK(model->layers().front() == input_layer_of(model->inputs().at(1)));
}

TEST_CASE("get_weights / set_weights go layer by layer, BatchNormalization's statistics before the next kernel "
          "(keras-js pipeline_04)") {
  if (!std::filesystem::exists(kGoldens / "data/pipeline/04.json")) return;
  const auto c = read_case("pipeline/04.json", "pipeline_04");
  auto model = rebuild("pipeline_04", c);
  const auto keras = case_weights(c);
  auto ours = model->get_weights();
  REQUIRE(ours.size() == keras.size());
  for (std::size_t i = 0; i < ours.size(); ++i) CHECK(ours[i].shape() == keras[i].shape());
  model->set_weights(keras);
  // Keras's list: conv kernel, bias, then the first BatchNormalization's gamma, beta, moving mean
  // and variance.
  auto bn = std::dynamic_pointer_cast<BatchNormalizationLayer>(model->layers().at(2));
  REQUIRE(bn);
  CHECK(bn->gamma().value().to_vector<float>() == keras[2].to_vector<float>());
  CHECK(bn->moving_mean().value().to_vector<float>() == keras[4].to_vector<float>());
  CHECK(bn->moving_variance().value().to_vector<float>() == keras[5].to_vector<float>());
}
