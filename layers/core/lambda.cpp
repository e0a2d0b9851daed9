#include "strata/layers/core/lambda.hpp"

#include <nlohmann/json.hpp>

namespace strata::layers {

LambdaLayer::LambdaLayer(LambdaFunction function, LambdaOptions options)
    : Layer(options.name, options.dtype), function_(std::move(function)), options_(std::move(options)) {
  if (!function_) throw ValueError("Lambda: the function is empty");
}

Tensor LambdaLayer::call(const Tensor& inputs) { return function_(inputs); }

Shape LambdaLayer::compute_output_shape(const Shape& input_shape) {
  if (!options_.output_shape) return Layer::compute_output_shape(input_shape);
  std::vector<std::int64_t> dims{input_shape.empty() ? -1 : input_shape[0]};
  dims.insert(dims.end(), options_.output_shape->begin(), options_.output_shape->end());
  return Shape(dims);
}

Config LambdaLayer::get_config() const {
  throw ValueError("Layer '" + name() +
                   "' (Lambda) wraps a C++ function, which cannot be serialized: a model holding a Lambda layer "
                   "cannot be saved with its config. Write a Layer subclass with get_config() instead, or save "
                   "only the weights.");
}

LayerHandle<LambdaLayer> Lambda(LambdaFunction function, LambdaOptions options) {
  return make_layer<LambdaLayer>(std::move(function), std::move(options));
}

}  // namespace strata::layers
