#include "strata/layers/core/dense.hpp"

#include <nlohmann/json.hpp>

#include "strata/layers/core/fields.hpp"

#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::layers {

DenseLayer::DenseLayer(std::int64_t units, DenseOptions options)
    : Layer(options.name, options.dtype), units_(units), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
  if (units <= 0) throw ValueError("Dense: units must be a positive integer, got " + std::to_string(units));
}

void DenseLayer::build(const Shape& input_shape) {
  if (input_shape.rank() < 2 || input_shape.back() < 0)
    throw ShapeError("Layer '" + name() + "' (Dense) expects inputs of rank >= 2 with a known last dimension, got shape " +
                     input_shape.to_string());
  kernel_ = add_weight("kernel", {input_shape.back(), units_}, options_.kernel_initializer,
                       {.regularizer = options_.kernel_regularizer, .constraint = options_.kernel_constraint});
  if (options_.use_bias)
    bias_ = add_weight("bias", {units_}, options_.bias_initializer,
                       {.regularizer = options_.bias_regularizer, .constraint = options_.bias_constraint});
}

Tensor DenseLayer::call(const Tensor& inputs) {
  if (inputs.shape().back() != kernel_.shape()[0])
    throw ShapeError("Layer '" + name() + "' (Dense) was built for inputs with last dimension " +
                     std::to_string(kernel_.shape()[0]) + ", got shape " + inputs.shape().to_string());
  Tensor y;
  if (activation_.name == "relu" || activation_.name == "linear") {
    y = dense_forward(inputs, kernel_, options_.use_bias ? Tensor(bias_) : Tensor(), activation_.name == "relu");
  } else {
    y = matmul(inputs, kernel_);
    if (options_.use_bias) y = y + bias_;
    y = activation_(y);
  }
  if (options_.activity_regularizer) add_loss((*options_.activity_regularizer)(y));
  return y;
}

Shape DenseLayer::compute_output_shape(const Shape& input_shape) {
  Shape out = input_shape;
  out[out.size() - 1] = units_;
  return out;
}

Config DenseLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::dense_fields(), options_, config);
  config["units"] = units_;
  config["activation"] = activations::serialize(activation_);
  return config;
}

LayerHandle<DenseLayer> Dense(std::int64_t units, DenseOptions options) {
  return make_layer<DenseLayer>(units, std::move(options));
}

LayerHandle<DenseLayer> Dense(std::int64_t units, const char* activation, DenseOptions options) {
  options.activation = activation;
  return make_layer<DenseLayer>(units, std::move(options));
}

}  // namespace strata::layers
