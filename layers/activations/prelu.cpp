#include "strata/layers/activations/prelu.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/activations.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::layers {

void PReLULayer::build(const Shape& input_shape) {
  if (input_shape.rank() < 2)
    throw ShapeError("Layer '" + name() + "' (PReLU) expects inputs of rank >= 2 (batch, ...), got shape " +
                     input_shape.to_string());
  std::vector<std::int64_t> param(input_shape.begin() + 1, input_shape.end());
  for (int axis : options_.shared_axes) {
    if (axis < 1 || axis >= input_shape.rank())
      throw ValueError("Layer '" + name() + "' (PReLU): shared axis " + std::to_string(axis) +
                       " is out of range for inputs of shape " + input_shape.to_string() +
                       " (shared_axes are 1-based and exclude the batch axis)");
    param[static_cast<std::size_t>(axis - 1)] = 1;
  }
  for (auto d : param)
    if (d < 0)
      throw ShapeError("Layer '" + name() + "' (PReLU) needs every non-shared dimension known, got shape " +
                       input_shape.to_string());
  AddWeightOptions weight_options;
  weight_options.regularizer = options_.alpha_regularizer;
  weight_options.constraint = options_.alpha_constraint;
  alpha_ = add_weight("alpha", Shape(param), options_.alpha_initializer, weight_options);
}

Tensor PReLULayer::call(const Tensor& inputs) {
  const Shape& s = inputs.shape();
  bool fits = s.rank() == alpha_.rank() + 1;
  for (int i = 0; fits && i < alpha_.rank(); ++i) {
    const auto a = alpha_.shape()[static_cast<std::size_t>(i)];
    fits = a == 1 || a == s[static_cast<std::size_t>(i) + 1];
  }
  if (!fits)
    throw ShapeError("Layer '" + name() + "' (PReLU) has alpha of shape " + alpha_.shape().to_string() +
                     " and cannot take inputs of shape " + s.to_string());
  return relu(inputs) - alpha_ * relu(-inputs);
}

Config PReLULayer::get_config() const {
  Config config = Layer::get_config();
  config["alpha_initializer"] = initializers::serialize(*options_.alpha_initializer.get());
  config["alpha_regularizer"] =
      options_.alpha_regularizer ? regularizers::serialize(*options_.alpha_regularizer) : Config(nullptr);
  config["alpha_constraint"] =
      options_.alpha_constraint ? constraints::serialize(*options_.alpha_constraint) : Config(nullptr);
  config["shared_axes"] = options_.shared_axes.empty() ? Config(nullptr) : Config(options_.shared_axes);
  return config;
}

LayerHandle<PReLULayer> PReLU(PReLUOptions options) { return make_layer<PReLULayer>(std::move(options)); }

}  // namespace strata::layers
