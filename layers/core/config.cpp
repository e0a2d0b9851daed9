// The from_config factories of the core layers (Keras 1/2 spellings are renamed to Keras 3's
// before these run: registry.cpp).
#include "strata/layers/builtin.hpp"
#include "strata/layers/core/activation.hpp"
#include "strata/layers/core/dense.hpp"
#include "strata/layers/core/fields.hpp"
#include "strata/layers/core/dropout.hpp"
#include "strata/layers/core/embedding.hpp"
#include "strata/layers/core/flatten.hpp"
#include "strata/layers/core/input_layer.hpp"
#include "strata/layers/core/masking.hpp"
#include "strata/layers/regularization/fields.hpp"

namespace strata::layers::detail {

namespace {

LayerPtr dense(const Config& c) {
  const LayerConfigReader in(c, "Dense");
  DenseOptions o;
  o.name = in.name();
  o.dtype = in.dtype();
  o.activation = in.activation();
  read_fields(dense_fields(), in, o);
  return make_layer<DenseLayer>(in.required_integer("units"), std::move(o)).ptr();
}

LayerPtr input_layer(const Config& c) {
  const LayerConfigReader in(c, "InputLayer");
  auto shape = config::batch_input_shape(c);
  if (!shape) throw ValueError("InputLayer needs 'batch_shape' (Keras 3) or 'batch_input_shape' (Keras 2)");
  if (shape->rank() < 1) throw ValueError("InputLayer: the batch shape must include the batch axis");
  InputOptions o;
  o.name = in.name();
  o.dtype = in.dtype();
  if ((*shape)[0] >= 0) o.batch_size = (*shape)[0];
  if (in.boolean("sparse", false)) throw NotImplementedError("InputLayer '" + o.name + "': sparse inputs are not supported");
  std::vector<std::int64_t> dims(shape->begin() + 1, shape->end());
  return make_layer<InputLayer>(Shape(dims), o).ptr();
}

LayerPtr activation(const Config& c) {
  const LayerConfigReader in(c, "Activation");
  return make_layer<ActivationLayer>(in.activation(), ActivationOptions{in.name()}).ptr();
}

LayerPtr dropout(const Config& c) {
  const LayerConfigReader in(c, "Dropout");
  DropoutOptions o;
  read_fields(dropout_fields(), in, o);
  o.name = in.name();
  return make_layer<DropoutLayer>(in.number("rate", 0.5), std::move(o)).ptr();
}

LayerPtr flatten(const Config& c) {
  const LayerConfigReader in(c, "Flatten");
  return make_layer<FlattenLayer>(FlattenOptions{in.name(), in.string("data_format", "channels_last")}).ptr();
}

LayerPtr embedding(const Config& c) {
  const LayerConfigReader in(c, "Embedding");
  if (!in.has("input_dim") || !in.has("output_dim"))
    throw ValueError("Embedding '" + in.name() + "' needs 'input_dim' and 'output_dim'");
  EmbeddingOptions o;
  o.embeddings_initializer = in.initializer("embeddings_initializer", "uniform");
  o.embeddings_regularizer = in.regularizer("embeddings_regularizer");
  o.activity_regularizer = in.regularizer("activity_regularizer");
  o.embeddings_constraint = in.constraint("embeddings_constraint");
  o.mask_zero = in.boolean("mask_zero", o.mask_zero);
  if (const Config* v = in.find("input_length"); v && v->is_number_integer()) o.input_length = v->get<std::int64_t>();
  if (in.boolean("sparse", false))
    throw NotImplementedError("Embedding '" + in.name() + "': sparse outputs are not supported");
  o.name = in.name();
  o.dtype = in.dtype();
  return Embedding(in.required_integer("input_dim"), in.required_integer("output_dim"), std::move(o)).ptr();
}

LayerPtr masking(const Config& c) {
  const LayerConfigReader in(c, "Masking");
  return Masking(in.number("mask_value", 0.0), MaskingOptions{in.name(), in.dtype()}).ptr();
}

LayerPtr lambda(const Config& c) {
  throw ValueError("Layer '" + LayerConfigReader(c, "Lambda").name() +
                   "' (Lambda) holds Python code, which Strata cannot load. Rewrite it as a Layer subclass and "
                   "register it with STRATA_REGISTER_LAYER, then rebuild the model.");
}

}  // namespace

void register_core_layers(const AddLayer& add) {
  add("Dense", dense);
  add("InputLayer", input_layer);
  add("Activation", activation);
  add("Dropout", dropout);
  add("Flatten", flatten);
  add("Embedding", embedding);
  add("Masking", masking);
  add("Lambda", lambda);
}

}  // namespace strata::layers::detail
