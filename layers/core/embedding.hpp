#pragma once
// Embedding: integer indices (batch, ...) -> rows of a trainable (input_dim, output_dim) table, as
// Keras. With mask_zero, index 0 is padding: the layer gives the mask `inputs != 0` to the next
// layers (recurrent layers skip those steps), and input_dim must count the padding index.
#include <optional>
#include <string>

#include "strata/layers/layer.hpp"

namespace strata::layers {

struct EmbeddingOptions {
  initializers::InitializerRef embeddings_initializer = "uniform";  // RandomUniform(-0.05, 0.05)
  regularizers::RegularizerPtr embeddings_regularizer;
  regularizers::RegularizerPtr activity_regularizer;
  constraints::ConstraintPtr embeddings_constraint;
  bool mask_zero = false;
  std::optional<std::int64_t> input_length;  // Keras 2; checked against the inputs when given
  std::string name;
  DType dtype = float32;
};

class EmbeddingLayer : public Layer {
 public:
  EmbeddingLayer(std::int64_t input_dim, std::int64_t output_dim, EmbeddingOptions options = {});
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Tensor compute_mask(const std::vector<Tensor>& inputs, const Tensor& mask) override;
  Config get_config() const override;
  std::string class_name() const override { return "Embedding"; }

  std::int64_t input_dim() const { return input_dim_; }
  std::int64_t output_dim() const { return output_dim_; }
  const Variable& embeddings() const { return embeddings_; }

 private:
  std::int64_t input_dim_, output_dim_;
  EmbeddingOptions options_;
  Variable embeddings_;
};

LayerHandle<EmbeddingLayer> Embedding(std::int64_t input_dim, std::int64_t output_dim, EmbeddingOptions options = {});

}  // namespace strata::layers
