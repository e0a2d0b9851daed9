#include "strata/layers/core/embedding.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::layers {

EmbeddingLayer::EmbeddingLayer(std::int64_t input_dim, std::int64_t output_dim, EmbeddingOptions options)
    : Layer(options.name, options.dtype), input_dim_(input_dim), output_dim_(output_dim), options_(std::move(options)) {
  if (input_dim <= 0 || output_dim <= 0)
    throw ValueError("Embedding: input_dim and output_dim must be positive integers, got input_dim=" +
                     std::to_string(input_dim) + ", output_dim=" + std::to_string(output_dim));
}

void EmbeddingLayer::build(const Shape&) {
  embeddings_ = add_weight("embeddings", {input_dim_, output_dim_}, options_.embeddings_initializer,
                           {.regularizer = options_.embeddings_regularizer, .constraint = options_.embeddings_constraint});
}

Tensor EmbeddingLayer::call(const Tensor& inputs) {
  if (options_.input_length && inputs.rank() >= 2 && inputs.shape()[1] != *options_.input_length)
    throw ShapeError("Layer '" + name() + "' (Embedding) was given input_length=" +
                     std::to_string(*options_.input_length) + ", got inputs of shape " + inputs.shape().to_string());
  // Keras casts the indices to integers (inputs may arrive as floats).
  const Tensor indices = is_integer(inputs.dtype()) ? inputs : cast(inputs, int64);
  Tensor y;
  try {
    y = gather(embeddings_, indices, 0);
  } catch (const Error& e) {
    throw ValueError("Layer '" + name() + "' (Embedding) with input_dim=" + std::to_string(input_dim_) +
                     " got an index outside [0, " + std::to_string(input_dim_) + "): " + e.what());
  }
  if (options_.activity_regularizer) add_loss((*options_.activity_regularizer)(y));
  return y;
}

Shape EmbeddingLayer::compute_output_shape(const Shape& input_shape) {
  Shape out = input_shape;
  out.push_back(output_dim_);
  return out;
}

Tensor EmbeddingLayer::compute_mask(const std::vector<Tensor>& inputs, const Tensor&) {
  if (!options_.mask_zero) return Tensor();
  return not_equal(inputs.at(0), scalar_like(inputs.at(0), 0));
}

Config EmbeddingLayer::get_config() const {
  Config config = Layer::get_config();
  config["input_dim"] = input_dim_;
  config["output_dim"] = output_dim_;
  config["embeddings_initializer"] = initializers::serialize(*options_.embeddings_initializer.get());
  auto maybe = [](const auto& ptr, auto serialize) { return ptr ? serialize(*ptr) : Config(nullptr); };
  config["embeddings_regularizer"] = maybe(options_.embeddings_regularizer, regularizers::serialize);
  config["activity_regularizer"] = maybe(options_.activity_regularizer, regularizers::serialize);
  config["embeddings_constraint"] = maybe(options_.embeddings_constraint, constraints::serialize);
  config["mask_zero"] = options_.mask_zero;
  if (options_.input_length) config["input_length"] = *options_.input_length;
  return config;
}

LayerHandle<EmbeddingLayer> Embedding(std::int64_t input_dim, std::int64_t output_dim, EmbeddingOptions options) {
  return make_layer<EmbeddingLayer>(input_dim, output_dim, std::move(options));
}

}  // namespace strata::layers
