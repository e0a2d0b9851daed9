#include "strata/layers/normalization/unit_normalization.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

UnitNormalizationLayer::UnitNormalizationLayer(UnitNormalizationOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)) {
  if (options_.axis.empty()) throw ValueError("UnitNormalization: axis must name at least one axis");
}

std::vector<int> UnitNormalizationLayer::resolve_axes(const Shape& shape) const {
  std::vector<int> axes;
  for (int a : options_.axis) {
    const int axis = a < 0 ? a + shape.rank() : a;
    if (axis < 0 || axis >= shape.rank())
      throw ShapeError("Layer '" + name() + "' (UnitNormalization): axis " + std::to_string(a) +
                       " is out of range for inputs of shape " + shape.to_string());
    axes.push_back(axis);
  }
  return axes;
}

Shape UnitNormalizationLayer::compute_output_shape(const Shape& input_shape) {
  (void)resolve_axes(input_shape);
  return input_shape;
}

Tensor UnitNormalizationLayer::call(const Tensor& inputs) {
  const Tensor square_sum = sum(square(inputs), Axes(resolve_axes(inputs.shape())), true);
  return inputs * rsqrt(maximum(square_sum, 1e-12));
}

Config UnitNormalizationLayer::get_config() const {
  Config config = Layer::get_config();
  config["axis"] = options_.axis.size() == 1 ? Config(options_.axis[0]) : Config(options_.axis);
  return config;
}

LayerHandle<UnitNormalizationLayer> UnitNormalization(UnitNormalizationOptions options) {
  return make_layer<UnitNormalizationLayer>(std::move(options));
}

}  // namespace strata::layers
