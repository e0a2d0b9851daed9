#include "strata/layers/reshaping/repeat_vector.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"

namespace strata::layers {

RepeatVectorLayer::RepeatVectorLayer(std::int64_t n, RepeatVectorOptions options)
    : Layer(options.name, options.dtype), n_(n) {
  if (n <= 0) throw ValueError("RepeatVector: n must be a positive integer, got " + std::to_string(n));
}

void RepeatVectorLayer::check_rank(const Shape& input_shape) {
  if (input_shape.rank() != 2)
    throw ShapeError("Layer '" + name() + "' (RepeatVector) expects inputs of rank 2 (batch, features), got shape " +
                     input_shape.to_string());
}

Shape RepeatVectorLayer::compute_output_shape(const Shape& input_shape) {
  check_rank(input_shape);
  return Shape{input_shape[0], n_, input_shape[1]};
}

Tensor RepeatVectorLayer::call(const Tensor& inputs) {
  check_rank(inputs.shape());
  const Shape& s = inputs.shape();
  return broadcast_to(expand_dims(inputs, 1), Shape{s[0], n_, s[1]});
}

Config RepeatVectorLayer::get_config() const {
  Config config = Layer::get_config();
  config["n"] = n_;
  return config;
}

LayerHandle<RepeatVectorLayer> RepeatVector(std::int64_t n, RepeatVectorOptions options) {
  return make_layer<RepeatVectorLayer>(n, std::move(options));
}

}  // namespace strata::layers
