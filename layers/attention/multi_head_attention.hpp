#pragma once
// MultiHeadAttention, as Keras: query, key and value projected per head (kernels
// (dim, num_heads, key_dim) / (dim, num_heads, value_dim), biases (num_heads, head_dim)), scaled
// dot-product attention per head with the query scaled by 1/sqrt(key_dim), softmax with the masks,
// dropout on the weights in training, and the heads projected back by an output kernel
// (num_heads, value_dim, output_dim) and bias (output_dim). Weights in Keras's order: query
// kernel, bias, key kernel, bias, value kernel, bias, output kernel, bias.
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct MultiHeadAttentionOptions {
  std::int64_t value_dim = -1;     // key_dim when -1
  double dropout = 0.0;
  bool use_bias = true;
  std::int64_t output_shape = -1;  // the query's last dimension when -1
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerPtr kernel_regularizer;
  regularizers::RegularizerPtr bias_regularizer;
  constraints::ConstraintPtr kernel_constraint;
  constraints::ConstraintPtr bias_constraint;
  std::optional<std::uint64_t> seed;
  std::string name;
  DType dtype = float32;
};

struct MultiHeadAttentionCallOptions {
  Tensor key;             // undefined: the value
  Tensor attention_mask;  // bool (batch, Tq, Tv): which keys each query may attend to
  Tensor query_mask;      // bool (batch, Tq)
  Tensor value_mask;      // bool (batch, Tv)
  bool use_causal_mask = false;
  bool training = false;
};

struct MultiHeadAttentionResult {
  Tensor output;  // (batch, Tq, output_dim)
  Tensor scores;  // the attention weights after softmax, (batch, num_heads, Tq, Tv)
};

class MultiHeadAttentionLayer : public Layer {
 public:
  MultiHeadAttentionLayer(std::int64_t num_heads, std::int64_t key_dim, MultiHeadAttentionOptions options = {});
  void build(const std::vector<Shape>& input_shapes) override;
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  Config get_config() const override;
  std::string class_name() const override { return "MultiHeadAttention"; }
  using Layer::build;
  using Layer::call;

  // Keras's call with its masks and return_attention_scores=True.
  MultiHeadAttentionResult attend(const Tensor& query, const Tensor& value,
                                  const MultiHeadAttentionCallOptions& options = {});

 private:
  void check_shapes(const std::vector<Shape>& shapes) const;
  Tensor project(const Tensor& x, const Variable& kernel, const Variable& bias) const;
  std::int64_t num_heads_, key_dim_, value_dim_;
  MultiHeadAttentionOptions options_;
  std::uint64_t calls_ = 0;
  Variable query_kernel_, query_bias_, key_kernel_, key_bias_, value_kernel_, value_bias_, output_kernel_, output_bias_;
};

LayerHandle<MultiHeadAttentionLayer> MultiHeadAttention(std::int64_t num_heads, std::int64_t key_dim,
                                                        MultiHeadAttentionOptions options = {});

}  // namespace strata::layers
