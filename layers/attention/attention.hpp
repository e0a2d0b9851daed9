#pragma once
// Attention (Luong-style dot-product) and AdditiveAttention (Bahdanau-style), as Keras:
//   scores = query @ key^T (Attention, score_mode "dot"; times a learned scalar with use_scale)
//          = concat_score_weight * sum(tanh(scale * (q + k)), -1)   (Attention, score_mode "concat")
//          = sum(scale * tanh(q + k), -1)                              (AdditiveAttention)
//   weights = softmax(scores - 1e9 * (not mask)); output = weights @ value (then times the query
//   mask). Inputs [query (batch, Tq, dim), value (batch, Tv, dim)] or [query, value, key]; the
//   masks, the causal mask and the attention scores go through attend().
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct AttentionOptions {
  std::optional<bool> use_scale;   // unset: false for Attention, true for AdditiveAttention (Keras's defaults)
  std::string score_mode = "dot";  // Attention: "dot" or "concat"
  double dropout = 0.0;            // on the attention weights, in training
  std::optional<std::uint64_t> seed;
  std::string name;
  DType dtype = float32;
};

// What Keras passes to call() besides the inputs.
struct AttentionCallOptions {
  Tensor key;         // undefined: the value
  Tensor query_mask;  // bool (batch, Tq); undefined: none
  Tensor value_mask;  // bool (batch, Tv); undefined: none
  bool use_causal_mask = false;
  bool training = false;
};

struct AttentionResult {
  Tensor output;  // (batch, Tq, value_dim)
  Tensor scores;  // the attention weights after softmax, (batch, Tq, Tv)
};

class AttentionLayer : public Layer {
 public:
  // additive = false: Attention; true: AdditiveAttention.
  AttentionLayer(bool additive, AttentionOptions options = {});
  void build(const std::vector<Shape>& input_shapes) override;
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  Config get_config() const override;
  std::string class_name() const override { return additive_ ? "AdditiveAttention" : "Attention"; }
  using Layer::build;
  using Layer::call;

  // The output and the attention scores (Keras's return_attention_scores=True), with masks.
  AttentionResult attend(const Tensor& query, const Tensor& value, const AttentionCallOptions& options = {});

 private:
  void check_shapes(const std::vector<Shape>& shapes) const;
  Tensor scores(const Tensor& query, const Tensor& key) const;
  bool additive_;
  AttentionOptions options_;
  bool use_scale_;
  std::uint64_t calls_ = 0;
  Variable scale_, concat_score_weight_;
};

LayerHandle<AttentionLayer> Attention(AttentionOptions options = {});
LayerHandle<AttentionLayer> AdditiveAttention(AttentionOptions options = {});

// Combines the masks Keras's attention layers accept into one bool (batch, [heads,] Tq, Tv) mask, or
// an undefined tensor when there is none: query_mask (batch, Tq), value_mask (batch, Tv), an
// explicit attention_mask (batch, Tq, Tv) and the causal (lower-triangular) mask.
Tensor combine_attention_masks(const Tensor& query_mask, const Tensor& value_mask, const Tensor& attention_mask,
                               bool use_causal_mask, std::int64_t query_length, std::int64_t value_length);
// softmax(scores - 1e9 * (not mask)) along the last axis (Keras's large negative for float32).
Tensor masked_softmax(const Tensor& scores, const Tensor& mask);
// Dropout of the attention weights while training: each is zeroed with probability `rate`, the rest
// scaled by 1 / (1 - rate). A seeded layer still draws a new mask each call: `calls` counts them.
Tensor attention_dropout(const Tensor& weights, double rate, const std::optional<std::uint64_t>& seed,
                         std::uint64_t& calls);

}  // namespace strata::layers
