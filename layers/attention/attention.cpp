#include "strata/layers/attention/attention.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

Tensor combine_attention_masks(const Tensor& query_mask, const Tensor& value_mask, const Tensor& attention_mask,
                               bool use_causal_mask, std::int64_t query_length, std::int64_t value_length) {
  Tensor mask = attention_mask.defined() ? cast(attention_mask, bool_) : Tensor();
  auto combine = [&mask](const Tensor& m) { mask = mask.defined() ? logical_and(mask, m) : m; };
  if (query_mask.defined()) combine(expand_dims(cast(query_mask, bool_), -1));  // (batch, Tq, 1)
  if (value_mask.defined()) combine(expand_dims(cast(value_mask, bool_), -2));  // (batch, 1, Tv)
  if (use_causal_mask) {
    // Keras: row i sees columns j <= i (counted from the start of both sequences).
    const Tensor rows = reshape(arange(query_length, DType::int64), Shape{query_length, 1});
    const Tensor cols = reshape(arange(value_length, DType::int64), Shape{1, value_length});
    combine(expand_dims(less_equal(cols, rows), 0));
  }
  return mask;
}

Tensor masked_softmax(const Tensor& scores, const Tensor& mask) {
  if (!mask.defined()) return softmax(scores, -1);
  return softmax(scores - (1.0 - cast(mask, scores.dtype())) * 1e9, -1);
}

Tensor attention_dropout(const Tensor& weights, double rate, const std::optional<std::uint64_t>& seed,
                         std::uint64_t& calls) {
  if (!(rate > 0.0)) return weights;
  std::optional<std::uint64_t> call_seed;
  if (seed) call_seed = *seed * 1000003ULL + calls++;
  const Tensor keep = uniform(weights.shape(), {.dtype = weights.dtype(), .seed = call_seed}) >= rate;
  return weights * (cast(keep, weights.dtype()) * (1.0 / (1.0 - rate)));
}

AttentionLayer::AttentionLayer(bool additive, AttentionOptions options)
    : Layer(options.name, options.dtype), additive_(additive), options_(std::move(options)),
      use_scale_(options_.use_scale.value_or(additive)) {
  const std::string cls = class_name();
  if (!additive_ && options_.score_mode != "dot" && options_.score_mode != "concat")
    throw ValueError(cls + ": score_mode must be 'dot' or 'concat', got '" + options_.score_mode + "'");
  if (!(options_.dropout >= 0.0 && options_.dropout < 1.0))
    throw ValueError(cls + ": dropout must be in [0, 1), got " + std::to_string(options_.dropout));
}

void AttentionLayer::check_shapes(const std::vector<Shape>& s) const {
  const std::string who = "Layer '" + name() + "' (" + class_name() + ")";
  if (s.size() != 2 && s.size() != 3)
    throw ValueError(who + " expects inputs [query, value] or [query, value, key], got " + std::to_string(s.size()) +
                     " inputs");
  for (const auto& shape : s)
    if (shape.rank() != 3)
      throw ShapeError(who + " expects inputs of rank 3 (batch, steps, dim), got shape " + shape.to_string());
  const Shape& key = s.size() == 3 ? s[2] : s[1];
  if (key[1] >= 0 && s[1][1] >= 0 && key[1] != s[1][1])
    throw ShapeError(who + ": the key (" + key.to_string() + ") and the value (" + s[1].to_string() +
                     ") must have the same number of steps");
  if (s[0].back() >= 0 && key.back() >= 0 && s[0].back() != key.back())
    throw ShapeError(who + ": the query (" + s[0].to_string() + ") and the key (" + key.to_string() +
                     ") must have the same last dimension");
}

void AttentionLayer::build(const std::vector<Shape>& input_shapes) {
  check_shapes(input_shapes);
  if (additive_) {
    if (use_scale_) scale_ = add_weight("scale", {input_shapes[0].back()}, "glorot_uniform");
    return;
  }
  if (use_scale_) scale_ = add_weight("scale", Shape{}, "ones");
  if (options_.score_mode == "concat") concat_score_weight_ = add_weight("concat_score_weight", Shape{}, "ones");
}

Tensor AttentionLayer::scores(const Tensor& query, const Tensor& key) const {
  if (!additive_ && options_.score_mode == "dot") {
    const Tensor s = matmul(query, key, {.transpose_b = true});
    return use_scale_ ? s * scale_ : s;
  }
  // (batch, Tq, 1, dim) + (batch, 1, Tv, dim)
  const Tensor sum_qk = expand_dims(query, -2) + expand_dims(key, -3);
  if (additive_) return sum(use_scale_ ? scale_ * tanh(sum_qk) : tanh(sum_qk), Axes(-1));
  return concat_score_weight_ * sum(tanh(use_scale_ ? scale_ * sum_qk : sum_qk), Axes(-1));
}

AttentionResult AttentionLayer::attend(const Tensor& query, const Tensor& value, const AttentionCallOptions& o) {
  const Tensor key = o.key.defined() ? o.key : value;
  std::vector<Shape> shapes{query.shape(), value.shape()};
  if (o.key.defined()) shapes.push_back(key.shape());
  check_shapes(shapes);
  ensure_built(shapes);
  const Tensor q = cast(query, dtype()), v = cast(value, dtype()), k = cast(key, dtype());
  const Tensor mask = combine_attention_masks(Tensor(), o.value_mask, Tensor(), o.use_causal_mask, q.shape()[1],
                                              v.shape()[1]);
  const Tensor weights = masked_softmax(scores(q, k), mask);
  const Tensor dropped = o.training ? attention_dropout(weights, options_.dropout, options_.seed, calls_) : weights;
  Tensor output = matmul(dropped, v);
  if (o.query_mask.defined()) output = output * expand_dims(cast(o.query_mask, output.dtype()), -1);
  return {output, weights};
}

std::vector<Tensor> AttentionLayer::call(const std::vector<Tensor>& inputs, bool training) {
  if (inputs.size() != 2 && inputs.size() != 3)
    throw ValueError("Layer '" + name() + "' (" + class_name() + ") expects inputs [query, value] or [query, value, "
                     "key], got " + std::to_string(inputs.size()) + " inputs");
  return {attend(inputs[0], inputs[1], {.key = inputs.size() == 3 ? inputs[2] : Tensor(), .training = training}).output};
}

std::vector<Shape> AttentionLayer::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  check_shapes(input_shapes);
  return {Shape{input_shapes[0][0], input_shapes[0][1], input_shapes[1][2]}};
}

Config AttentionLayer::get_config() const {
  Config config = Layer::get_config();
  config["use_scale"] = use_scale_;
  config["dropout"] = options_.dropout;
  if (!additive_) {
    config["score_mode"] = options_.score_mode;
    config["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  }
  return config;
}

LayerHandle<AttentionLayer> Attention(AttentionOptions options) {
  return make_layer<AttentionLayer>(false, std::move(options));
}
LayerHandle<AttentionLayer> AdditiveAttention(AttentionOptions options) {
  return make_layer<AttentionLayer>(true, std::move(options));
}

}  // namespace strata::layers
