#include "strata/layers/attention/multi_head_attention.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/layers/attention/attention.hpp"

namespace strata::layers {

MultiHeadAttentionLayer::MultiHeadAttentionLayer(std::int64_t num_heads, std::int64_t key_dim,
                                                 MultiHeadAttentionOptions options)
    : Layer(options.name, options.dtype), num_heads_(num_heads), key_dim_(key_dim), options_(std::move(options)) {
  if (num_heads <= 0 || key_dim <= 0)
    throw ValueError("MultiHeadAttention: num_heads and key_dim must be positive integers, got num_heads=" +
                     std::to_string(num_heads) + ", key_dim=" + std::to_string(key_dim));
  value_dim_ = options_.value_dim < 0 ? key_dim : options_.value_dim;
  if (value_dim_ == 0) throw ValueError("MultiHeadAttention: value_dim must be positive, got 0");
  if (!(options_.dropout >= 0.0 && options_.dropout < 1.0))
    throw ValueError("MultiHeadAttention: dropout must be in [0, 1), got " + std::to_string(options_.dropout));
}

void MultiHeadAttentionLayer::check_shapes(const std::vector<Shape>& s) const {
  const std::string who = "Layer '" + name() + "' (MultiHeadAttention)";
  if (s.size() != 2 && s.size() != 3)
    throw ValueError(who + " expects inputs [query, value] or [query, value, key], got " + std::to_string(s.size()) +
                     " inputs");
  for (const auto& shape : s)
    if (shape.rank() != 3 || shape.back() < 0)
      throw ShapeError(who + " expects inputs of rank 3 (batch, steps, dim) with a known dim, got shape " +
                       shape.to_string());
  const Shape& key = s.size() == 3 ? s[2] : s[1];
  if (key[1] >= 0 && s[1][1] >= 0 && key[1] != s[1][1])
    throw ShapeError(who + ": the key (" + key.to_string() + ") and the value (" + s[1].to_string() +
                     ") must have the same number of steps");
  if (query_kernel_.defined()) {
    const bool fits = s[0].back() == query_kernel_.shape()[0] && s[1].back() == value_kernel_.shape()[0] &&
                      key.back() == key_kernel_.shape()[0];
    if (!fits)
      throw ShapeError(who + " was built for query / value / key dims " + std::to_string(query_kernel_.shape()[0]) +
                       " / " + std::to_string(value_kernel_.shape()[0]) + " / " + std::to_string(key_kernel_.shape()[0]) +
                       ", got shapes " + s[0].to_string() + ", " + s[1].to_string() + ", " + key.to_string());
  }
}

void MultiHeadAttentionLayer::build(const std::vector<Shape>& s) {
  check_shapes(s);
  const std::int64_t query_dim = s[0].back(), value_dim = s[1].back(), key_dim = (s.size() == 3 ? s[2] : s[1]).back();
  const std::int64_t out = options_.output_shape < 0 ? query_dim : options_.output_shape;
  const AddWeightOptions kernel_options{.regularizer = options_.kernel_regularizer, .constraint = options_.kernel_constraint};
  const AddWeightOptions bias_options{.regularizer = options_.bias_regularizer, .constraint = options_.bias_constraint};
  auto dense = [&](const std::string& name, Shape kernel_shape, Shape bias_shape, Variable& kernel, Variable& bias) {
    kernel = add_weight(name + "/kernel", kernel_shape, options_.kernel_initializer, kernel_options);
    if (options_.use_bias) bias = add_weight(name + "/bias", bias_shape, options_.bias_initializer, bias_options);
  };
  dense("query", {query_dim, num_heads_, key_dim_}, {num_heads_, key_dim_}, query_kernel_, query_bias_);
  dense("key", {key_dim, num_heads_, key_dim_}, {num_heads_, key_dim_}, key_kernel_, key_bias_);
  dense("value", {value_dim, num_heads_, value_dim_}, {num_heads_, value_dim_}, value_kernel_, value_bias_);
  dense("attention_output", {num_heads_, value_dim_, out}, {out}, output_kernel_, output_bias_);
}

// (batch, T, dim) x kernel (dim, heads, head_dim) + bias -> (batch, heads, T, head_dim).
Tensor MultiHeadAttentionLayer::project(const Tensor& x, const Variable& kernel, const Variable& bias) const {
  const Shape& k = kernel.shape();
  Tensor y = matmul(x, reshape(kernel, Shape{k[0], k[1] * k[2]}));
  if (options_.use_bias) y = y + reshape(bias, Shape{k[1] * k[2]});
  return transpose(reshape(y, Shape{x.shape()[0], x.shape()[1], k[1], k[2]}), {0, 2, 1, 3});
}

MultiHeadAttentionResult MultiHeadAttentionLayer::attend(const Tensor& query, const Tensor& value,
                                                         const MultiHeadAttentionCallOptions& o) {
  const Tensor key_in = o.key.defined() ? o.key : value;
  std::vector<Shape> shapes{query.shape(), value.shape()};
  if (o.key.defined()) shapes.push_back(key_in.shape());
  check_shapes(shapes);
  ensure_built(shapes);
  const Tensor q = project(cast(query, dtype()), query_kernel_, query_bias_) * (1.0 / std::sqrt(double(key_dim_)));
  const Tensor k = project(cast(key_in, dtype()), key_kernel_, key_bias_);
  const Tensor v = project(cast(value, dtype()), value_kernel_, value_bias_);
  Tensor mask = combine_attention_masks(o.query_mask, o.value_mask, o.attention_mask, o.use_causal_mask,
                                        query.shape()[1], value.shape()[1]);
  if (mask.defined()) mask = expand_dims(mask, -3);  // one mask for every head
  const Tensor weights = masked_softmax(matmul(q, k, {.transpose_b = true}), mask);  // (batch, heads, Tq, Tv)
  const Tensor dropped = o.training ? attention_dropout(weights, options_.dropout, options_.seed, calls_) : weights;
  // (batch, heads, Tq, value_dim) -> (batch, Tq, heads * value_dim) -> output projection.
  const Tensor heads = transpose(matmul(dropped, v), {0, 2, 1, 3});
  const Shape& ok = output_kernel_.shape();
  Tensor output = matmul(reshape(heads, Shape{query.shape()[0], query.shape()[1], ok[0] * ok[1]}),
                         reshape(output_kernel_, Shape{ok[0] * ok[1], ok[2]}));
  if (options_.use_bias) output = output + output_bias_;
  return {output, weights};
}

std::vector<Tensor> MultiHeadAttentionLayer::call(const std::vector<Tensor>& inputs, bool training) {
  if (inputs.size() != 2 && inputs.size() != 3)
    throw ValueError("Layer '" + name() + "' (MultiHeadAttention) expects inputs [query, value] or [query, value, key], "
                     "got " + std::to_string(inputs.size()) + " inputs");
  return {attend(inputs[0], inputs[1], {.key = inputs.size() == 3 ? inputs[2] : Tensor(), .training = training}).output};
}

std::vector<Shape> MultiHeadAttentionLayer::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  check_shapes(input_shapes);
  const Shape& q = input_shapes[0];
  return {Shape{q[0], q[1], options_.output_shape < 0 ? q[2] : options_.output_shape}};
}

Config MultiHeadAttentionLayer::get_config() const {
  Config config = Layer::get_config();
  config["num_heads"] = num_heads_;
  config["key_dim"] = key_dim_;
  config["value_dim"] = value_dim_;
  config["dropout"] = options_.dropout;
  config["use_bias"] = options_.use_bias;
  config["output_shape"] = options_.output_shape < 0 ? Config(nullptr) : Config(options_.output_shape);
  config["attention_axes"] = Config::array({1});
  config["kernel_initializer"] = initializers::serialize(*options_.kernel_initializer.get());
  config["bias_initializer"] = initializers::serialize(*options_.bias_initializer.get());
  auto maybe = [](const auto& ptr, auto serialize) { return ptr ? serialize(*ptr) : Config(nullptr); };
  config["kernel_regularizer"] = maybe(options_.kernel_regularizer, regularizers::serialize);
  config["bias_regularizer"] = maybe(options_.bias_regularizer, regularizers::serialize);
  config["activity_regularizer"] = nullptr;
  config["kernel_constraint"] = maybe(options_.kernel_constraint, constraints::serialize);
  config["bias_constraint"] = maybe(options_.bias_constraint, constraints::serialize);
  config["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  return config;
}

LayerHandle<MultiHeadAttentionLayer> MultiHeadAttention(std::int64_t num_heads, std::int64_t key_dim,
                                                        MultiHeadAttentionOptions options) {
  return make_layer<MultiHeadAttentionLayer>(num_heads, key_dim, std::move(options));
}

}  // namespace strata::layers
