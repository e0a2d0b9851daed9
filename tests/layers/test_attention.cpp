// Attention, AdditiveAttention and MultiHeadAttention: PyTorch references with masks
// (tests/data/make_layer_reference.py), float64 gradient checks for the inputs and every weight,
// configs through the registry, the Functional path and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "support/gradient_check.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::check_gradients;
using strata::testing::random_f64;

namespace {

Tensor json_tensor(const Config& j, DType dtype = float64) {
  return Tensor::from_vector(j["data"].get<std::vector<double>>(), Shape(j["shape"].get<std::vector<std::int64_t>>()),
                             dtype);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

// Checks the gradients of `f(q, v, k)` with respect to the three inputs and every trainable weight
// of `layer`: a weight is assigned the checker's perturbed copy, or its original value back when
// the checker passes the weight itself (so no perturbation lingers into later evaluations).
void check_attention_gradients(Layer& layer, const std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>& f,
                               const Shape& q, const Shape& v, const Shape& k) {
  auto weights = layer.trainable_weights();
  std::vector<Tensor> originals;
  for (const auto& w : weights) originals.push_back(w.value() * 1.0);
  std::vector<Tensor> inputs{random_f64(q, -1, 1, 21), random_f64(v, -1, 1, 22), random_f64(k, -1, 1, 23)};
  for (const auto& w : weights) inputs.push_back(w);
  check_gradients(
      [&](const std::vector<Tensor>& in) {
        for (std::size_t i = 0; i < weights.size(); ++i)
          weights[i].assign(in[i + 3].id() != weights[i].id() ? in[i + 3] : originals[i]);
        return f(in[0], in[1], in[2]);
      },
      inputs);
}

}  // namespace

TEST_CASE("PyTorch references: Attention, AdditiveAttention, MultiHeadAttention with masks") {
  std::ifstream in(std::string(STRATA_TEST_DATA_DIR) + "/layers_reference.json");
  REQUIRE(in.good());
  const Config data = Config::parse(in);
  int ran = 0;
  double worst = 0;
  for (const auto& c : data["cases"]) {
    const std::string kind = c["layer"].get<std::string>();
    if (kind.find("Attention") == std::string::npos) continue;
    INFO(kind << " " << c["config"].dump() << " causal " << c["causal"].dump());
    const Tensor q = json_tensor(c["inputs"][0]), v = json_tensor(c["inputs"][1]), k = json_tensor(c["inputs"][2]);
    std::vector<Tensor> weights;
    for (const auto& w : c["weights"]) weights.push_back(json_tensor(w));
    auto mask = [&](const char* key) { return c.contains(key) ? json_tensor(c[key], bool_) : Tensor(); };
    Tensor output, scores;
    if (kind == "MultiHeadAttention") {
      auto layer = MultiHeadAttention(c["config"]["num_heads"].get<std::int64_t>(), c["config"]["key_dim"].get<std::int64_t>(),
                                      {.dtype = float64});
      layer->ensure_built(std::vector<Shape>{q.shape(), v.shape(), k.shape()});
      layer->set_weights(weights);
      const auto r = layer->attend(q, v, {.key = k, .attention_mask = mask("attention_mask"),
                                          .use_causal_mask = c["causal"].get<bool>()});
      output = r.output, scores = r.scores;
    } else {
      AttentionOptions o{.use_scale = c["config"]["use_scale"].get<bool>(), .dtype = float64};
      if (c["config"].contains("score_mode")) o.score_mode = c["config"]["score_mode"].get<std::string>();
      auto layer = kind == "Attention" ? Attention(o) : AdditiveAttention(o);
      layer->ensure_built(std::vector<Shape>{q.shape(), v.shape(), k.shape()});
      if (!weights.empty()) layer->set_weights(weights);
      const auto r = layer->attend(q, v, {.key = k, .query_mask = mask("query_mask"), .value_mask = mask("value_mask"),
                                          .use_causal_mask = c["causal"].get<bool>()});
      output = r.output, scores = r.scores;
    }
    worst = std::max({worst, max_abs_diff(output, json_tensor(c["expected"])),
                      max_abs_diff(scores, json_tensor(c["expected_scores"]))});
    ++ran;
  }
  MESSAGE("PyTorch attention references: " << ran << " cases, worst abs error " << worst);
  CHECK(ran == 8);
  CHECK(worst < 1e-10);
}

TEST_CASE("Attention and AdditiveAttention: gradients, shapes, config, errors") {
  for (const char* mode : {"dot", "concat"}) {
    INFO(mode);
    auto layer = Attention({.use_scale = true, .score_mode = mode, .dtype = float64});
    layer->ensure_built(std::vector<Shape>{{2, 3, 4}, {2, 5, 4}, {2, 5, 4}});
    CHECK(layer->trainable_weights().size() == (std::string(mode) == "dot" ? 1u : 2u));
    const Tensor value_mask = cast(Tensor::from_vector<float>({1, 0, 1, 1, 1, 1, 1, 0, 1, 1}, Shape{2, 5}), bool_);
    check_attention_gradients(
        *layer, [&](const Tensor& q, const Tensor& v, const Tensor& k) {
          return layer->attend(q, v, {.key = k, .value_mask = value_mask, .use_causal_mask = true}).output;
        },
        {2, 3, 4}, {2, 5, 4}, {2, 5, 4});
  }
  auto additive = AdditiveAttention({.dtype = float64});
  additive->ensure_built(std::vector<Shape>{{2, 3, 4}, {2, 5, 4}});
  REQUIRE(additive->trainable_weights().size() == 1);
  CHECK(additive->trainable_weights()[0].shape() == Shape{4});
  check_attention_gradients(
      *additive, [&](const Tensor& q, const Tensor& v, const Tensor& k) { return additive->attend(q, v, {.key = k}).output; },
      {2, 3, 4}, {2, 5, 4}, {2, 5, 4});
  // The layer call on [query, value]: output (batch, Tq, value_dim), also symbolically.
  auto plain = Attention();
  const Tensor y = plain(std::vector<Tensor>{zeros({2, 3, 4}), ones({2, 6, 4})});
  CHECK(y.shape() == Shape{2, 3, 4});
  CHECK(y.to_vector<float>() == std::vector<float>(24, 1.0f));  // uniform weights over equal values
  CHECK(plain->compute_output_shapes({{-1, 3, 4}, {-1, 6, 4}})[0] == Shape{-1, 3, 4});
  // Config round trip through the registry, Keras's names.
  for (const LayerPtr& layer : std::vector<LayerPtr>{Attention({.use_scale = true, .score_mode = "concat", .dropout = 0.1}).ptr(),
                                                     AdditiveAttention({.use_scale = false}).ptr()}) {
    const LayerPtr copy = layer_from_config(Config::parse(serialize_layer(*layer).dump()));
    CHECK(copy->class_name() == layer->class_name());
    CHECK(copy->get_config() == layer->get_config());
  }
  CHECK(AdditiveAttention()->get_config()["use_scale"] == true);
  CHECK_THROWS_AS(Attention({.score_mode = "general"}), ValueError);
  CHECK_THROWS_AS(plain(std::vector<Tensor>{zeros({2, 3, 4}), zeros({2, 6, 5})}), ShapeError);
  CHECK_THROWS_AS(plain(std::vector<Tensor>{zeros({2, 3, 4})}), Error);  // one input: no single-tensor call
}

TEST_CASE("MultiHeadAttention: weights in Keras's layout, gradients, masks, config, errors") {
  auto mha = MultiHeadAttention(2, 3, {.value_dim = 2, .output_shape = 5, .dtype = float64});
  mha->ensure_built(std::vector<Shape>{{2, 4, 6}, {2, 3, 7}, {2, 3, 8}});
  const auto w = mha->weights();
  REQUIRE(w.size() == 8);
  const std::vector<Shape> expected{{6, 2, 3}, {2, 3}, {8, 2, 3}, {2, 3}, {7, 2, 2}, {2, 2}, {2, 2, 5}, {5}};
  for (std::size_t i = 0; i < w.size(); ++i) CHECK(w[i].shape() == expected[i]);
  CHECK(w[0].name().find("query/kernel") != std::string::npos);
  CHECK(w[7].name().find("attention_output/bias") != std::string::npos);
  // Random, but every query may see key 0 (a fully masked row is a softmax of values near -1e9,
  // too coarse for finite differences).
  auto allowed = random_f64({2, 4, 3}, 0, 1, 31).to_vector<double>();
  for (std::size_t i = 0; i < allowed.size(); ++i) allowed[i] = (i % 3 == 0 || allowed[i] > 0.3) ? 1.0 : 0.0;
  const Tensor attention_mask = cast(Tensor::from_vector(allowed, Shape{2, 4, 3}), bool_);
  check_attention_gradients(
      *mha, [&](const Tensor& q, const Tensor& v, const Tensor& k) {
        return mha->attend(q, v, {.key = k, .attention_mask = attention_mask, .use_causal_mask = true}).output;
      },
      {2, 4, 6}, {2, 3, 7}, {2, 3, 8});
  const auto r = mha->attend(random_f64({2, 4, 6}), random_f64({2, 3, 7}), {.key = random_f64({2, 3, 8}),
                                                                            .use_causal_mask = true});
  CHECK(r.output.shape() == Shape{2, 4, 5});
  REQUIRE(r.scores.shape() == Shape{2, 2, 4, 3});
  // Causal: query 0 attends only to key 0.
  const auto s = r.scores.to_vector<double>();
  CHECK(s[0] == doctest::Approx(1.0));
  CHECK(s[1] == doctest::Approx(0.0));
  // Self-attention through the layer call, and symbolic shapes.
  auto self = MultiHeadAttention(4, 8);
  CHECK(self(std::vector<Tensor>{zeros({2, 5, 16}), zeros({2, 5, 16})}).shape() == Shape{2, 5, 16});
  CHECK(self->compute_output_shapes({{-1, 5, 16}, {-1, 7, 16}})[0] == Shape{-1, 5, 16});
  const Config config = mha->get_config();
  CHECK(config["num_heads"] == 2);
  CHECK(config["key_dim"] == 3);
  CHECK(config["value_dim"] == 2);
  CHECK(config["output_shape"] == 5);
  const LayerPtr copy = layer_from_config(Config::parse(serialize_layer(*mha).dump()));
  CHECK(copy->get_config() == config);
  CHECK_THROWS_AS(MultiHeadAttention(0, 4), ValueError);
  CHECK_THROWS_AS(self(std::vector<Tensor>{zeros({2, 5, 16}), zeros({2, 5, 8})}), ShapeError);  // built for 16
  CHECK_THROWS_AS(layer_from_config({{"class_name", "MultiHeadAttention"},
                                     {"config", {{"name", "m"}, {"num_heads", 2}, {"key_dim", 2}, {"attention_axes", {1, 2}}}}}),
                  NotImplementedError);
}
