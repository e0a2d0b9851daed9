// The from_config factories of the attention layers.
#include "strata/layers/attention/attention.hpp"
#include "strata/layers/attention/multi_head_attention.hpp"
#include "strata/layers/builtin.hpp"

namespace strata::layers::detail {

namespace {

LayerPtr attention(const Config& c, bool additive) {
  const LayerConfigReader in(c, additive ? "AdditiveAttention" : "Attention");
  AttentionOptions o;
  if (in.has("use_scale")) o.use_scale = in.boolean("use_scale", false);
  o.score_mode = in.string("score_mode", "dot");
  o.dropout = in.number("dropout", 0.0);
  o.seed = in.seed();
  if (in.boolean("causal", false))
    in.not_implemented("the Keras 2 'causal' argument is not supported; pass use_causal_mask to attend()");
  o.name = in.name();
  o.dtype = in.dtype();
  return make_layer<AttentionLayer>(additive, std::move(o)).ptr();
}

LayerPtr multi_head_attention(const Config& c) {
  const LayerConfigReader in(c, "MultiHeadAttention");
  if (!in.has("num_heads") || !in.has("key_dim"))
    throw ValueError("MultiHeadAttention '" + in.name() + "' needs 'num_heads' and 'key_dim'");
  MultiHeadAttentionOptions o;
  if (in.has("value_dim")) o.value_dim = in.integer("value_dim", 0);
  o.dropout = in.number("dropout", 0.0);
  o.use_bias = in.boolean("use_bias", o.use_bias);
  if (in.has("output_shape")) {
    const auto dims = in.integers("output_shape");
    if (dims.size() != 1) in.not_implemented("only a 1-D output_shape is supported, got " + in.find("output_shape")->dump());
    o.output_shape = dims[0];
  }
  if (in.has("attention_axes") && in.integers("attention_axes") != std::vector<std::int64_t>{1})
    in.not_implemented("only attention over axis 1 is supported, got attention_axes " + in.find("attention_axes")->dump());
  o.kernel_initializer = in.initializer("kernel_initializer", "glorot_uniform");
  o.bias_initializer = in.initializer("bias_initializer", "zeros");
  o.kernel_regularizer = in.regularizer("kernel_regularizer");
  o.bias_regularizer = in.regularizer("bias_regularizer");
  o.kernel_constraint = in.constraint("kernel_constraint");
  o.bias_constraint = in.constraint("bias_constraint");
  o.seed = in.seed();
  o.name = in.name();
  o.dtype = in.dtype();
  return MultiHeadAttention(in.required_integer("num_heads"), in.required_integer("key_dim"), std::move(o)).ptr();
}

}  // namespace

void register_attention_layers(const AddLayer& add) {
  add("Attention", [](const Config& c) { return attention(c, false); });
  add("AdditiveAttention", [](const Config& c) { return attention(c, true); });
  add("MultiHeadAttention", multi_head_attention);
}

}  // namespace strata::layers::detail
