// TensorFlow.js reads the Keras-2-form files Strata writes (SaveOptions::keras2) and predicts what
// Strata predicts. tests/data/tfjs/strata_keras2/ holds small models written by the first test
// below (run by make_strata_keras2.sh, not in a normal run) with an input, and TF.js's predictions
// for them (check_keras2.mjs: the topology through tf.models.modelFromJSON, the weights set by
// their names through TF.js's own loadWeights); the second test compares. CI needs no Node.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "strata/framework/data/readers.hpp"
#include "strata/strata.hpp"
#include "support/test_paths.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;

namespace {

fs::path cases_dir() { return fs::path(STRATA_TEST_DATA_DIR) / "tfjs" / "strata_keras2"; }

// Deterministic values in [-0.5, 0.5).
std::vector<float> values(std::size_t n, std::uint32_t seed) {
  std::vector<float> out(n);
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(s >> 8) / static_cast<float>(1u << 24) - 0.5f;
  }
  return out;
}

st::Tensor tensor(const st::Shape& shape, std::uint32_t seed, float scale = 1.0f, float offset = 0.0f) {
  auto v = values(static_cast<std::size_t>(shape.num_elements()), seed);
  for (auto& x : v) x = x * scale + offset;
  return st::Tensor::from_vector(v, shape);
}

// Random weights everywhere (BatchNormalization's statistics too; variances positive).
void randomize(st::Model& model, std::uint32_t seed) {
  std::vector<st::Tensor> weights;
  for (const auto& v : model.weights()) {
    const bool variance = v.name().ends_with("moving_variance");
    weights.push_back(tensor(v.shape(), seed++, 1.0f, variance ? 1.0f : 0.0f));
  }
  std::size_t i = 0;
  for (auto v : model.weights()) v.assign(weights[i++]);
}

struct Case {
  std::string name;
  std::shared_ptr<st::Model> model;
  st::Tensor input;
};

// Layers TensorFlow.js shares with Keras and implements alike. Left out, as TF.js deviates:
// GRU(reset_after=true), tf.keras 2's default ("GRUCell does not support reset_after parameter set
// to true"), so the GRUs here use reset_after=false; TF.js has no Subtract layer.
std::vector<Case> cases() {
  std::vector<Case> out;
  st::set_random_seed(1);
  {
    auto model =
        std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{Input({6}), Dense(8, "relu"), Dropout(0.3),
                                                                         Dense(4, "tanh"), Dense(3, "softmax")},
                                         "mlp");
    out.push_back({"mlp", model, tensor({4, 6}, 100)});
  }
  {
    auto x = Input({7, 7, 2}, {.name = "image"});
    auto h = Conv2D(3, 3, {.padding = "same", .activation = "relu"})(x);
    h = BatchNormalization()(h);
    h = MaxPooling2D(2)(h);
    h = DepthwiseConv2D(2, {.depth_multiplier = 2})(h);
    h = SeparableConv2D(3, 2, {.padding = "same", .activation = "elu"})(h);
    h = Conv2DTranspose(2, 2, {.strides = 2})(h);
    h = Flatten()(h);
    auto y = Dense(2)(h);
    out.push_back(
        {"cnn",
         std::make_shared<st::Model>(std::vector<st::Tensor>{x}, std::vector<st::Tensor>{y}, st::ModelOptions{"cnn"}),
         tensor({2, 7, 7, 2}, 200)});
  }
  {
    auto x = Input({6, 3}, {.name = "sequence"});
    auto h = LSTM(4, {.return_sequences = true})(x);
    h = LayerNormalization()(h);
    h = Bidirectional(GRU(3, {.reset_after = false, .return_sequences = true}))(h);
    h = TimeDistributed(Dense(3, "tanh").ptr())(h);
    h = SimpleRNN(3, {.return_sequences = true})(h);
    h = Conv1D(3, 2)(h);
    auto y = Dense(2)(Flatten()(h));
    out.push_back(
        {"rnn",
         std::make_shared<st::Model>(std::vector<st::Tensor>{x}, std::vector<st::Tensor>{y}, st::ModelOptions{"rnn"}),
         tensor({3, 6, 3}, 300)});
  }
  {
    auto x = Input({6}, {.name = "features"});
    auto a = Dense(4, "relu")(x);
    auto b = Dense(4, "sigmoid")(x);
    auto merged = Concatenate()({Add()({a, b}), Multiply()({a, b}), Maximum()({a, b})});
    auto h = Permute({2, 1})(Reshape({3, 4})(merged));
    auto y = Dense(2)(Flatten()(h));
    out.push_back({"branches",
                   std::make_shared<st::Model>(std::vector<st::Tensor>{x}, std::vector<st::Tensor>{y},
                                               st::ModelOptions{"branches"}),
                   tensor({3, 6}, 400)});
  }
  {
    auto tokens = Input({5}, {.name = "tokens"});
    auto e = Embedding(9, 4)(tokens);
    auto a = LSTM(3)(e);
    auto b = GlobalMaxPooling1D()(e);
    auto y = Dense(2, "sigmoid")(Concatenate()({a, b}));
    st::Tensor ids = st::Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 8, 7, 6, 5, 4, 1, 1, 2, 2, 0}, {3, 5});
    out.push_back({"embedding",
                   std::make_shared<st::Model>(std::vector<st::Tensor>{tokens}, std::vector<st::Tensor>{y},
                                               st::ModelOptions{"embedding"}),
                   ids});
  }
  {
    // A base model used as a layer, as in transfer learning: a nested Sequential (with
    // BatchNormalization) and a nested Functional model, each called once (node 1 in Keras 2).
    auto base_seq = std::make_shared<st::Sequential>(
        std::vector<st::SequentialItem>{Input({6}), Dense(5, "relu"), BatchNormalization()}, "base_seq");
    auto fin = Input({5}, {.name = "base_input"});
    auto base_fn = std::make_shared<st::Model>(std::vector<st::Tensor>{fin},
                                               std::vector<st::Tensor>{Dense(3, "tanh")(Dense(4)(fin))},
                                               st::ModelOptions{"base_fn"});
    auto x = Input({6}, {.name = "features"});
    auto h = (*base_seq)(x);
    auto y = Dense(2)(Concatenate()({(*base_fn)(h), h}));
    out.push_back({"nested",
                   std::make_shared<st::Model>(std::vector<st::Tensor>{x}, std::vector<st::Tensor>{y},
                                               st::ModelOptions{"nested"}),
                   tensor({3, 6}, 500)});
  }
  std::uint32_t seed = 1000;
  for (auto& c : out) randomize(*c.model, seed += 100);
  return out;
}

double largest_difference(const st::Tensor& a, const st::Tensor& b) {
  const auto x = a.to_vector<float>(), y = b.to_vector<float>();
  REQUIRE(x.size() == y.size());
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(double(x[i]) - double(y[i])));
  return worst;
}

}  // namespace

TEST_CASE("tfjs keras2: write Strata's Keras-2-form cases" * doctest::skip()) {
  // make_strata_keras2.sh runs this one explicitly; it rewrites the committed files.
  fs::create_directories(cases_dir());
  for (const auto& c : cases()) {
    c.model->save((cases_dir() / (c.name + ".h5")).string(), {.keras2 = true});
    st::data::write_npy(cases_dir() / (c.name + ".input.npy"), c.input);
    st::data::write_npy(cases_dir() / (c.name + ".strata.npy"), c.model->predict(c.input));
    MESSAGE("wrote " << c.name);
  }
}

TEST_CASE("tfjs keras2: TensorFlow.js predicts what Strata predicts on Strata's Keras-2-form files") {
  REQUIRE(fs::exists(cases_dir()));
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(cases_dir())) {
    if (entry.path().extension() != ".h5") continue;
    const std::string stem = entry.path().stem().string();
    CAPTURE(stem);
    const fs::path tfjs_path = cases_dir() / (stem + ".tfjs.npy");
    REQUIRE(fs::exists(tfjs_path));
    const st::Tensor tfjs = st::data::read_npy(tfjs_path);
    // The model that wrote the file, as TF.js reads the file.
    const double written = largest_difference(st::data::read_npy(cases_dir() / (stem + ".strata.npy")), tfjs);
    MESSAGE(stem << ": TF.js vs the writing model " << written);
    CHECK(written <= 1e-5);
    // and the model Strata reads back from it
    auto model = st::models::load_model(entry.path().string(), false);
    const double loaded =
        largest_difference(model->predict(st::data::read_npy(cases_dir() / (stem + ".input.npy"))), tfjs);
    MESSAGE(stem << ": TF.js vs the model Strata loads " << loaded);
    CHECK(loaded <= 1e-5);
    ++checked;
  }
  CHECK(checked >= 6);
}
