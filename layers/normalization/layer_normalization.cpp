#include "strata/layers/normalization/layer_normalization.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "strata/layers/normalization/fields.hpp"

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

LayerNormalizationLayer::LayerNormalizationLayer(LayerNormalizationOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)) {
  if (options_.axis.empty()) throw ValueError("LayerNormalization: axis must name at least one axis");
  if (!(options_.epsilon > 0))
    throw ValueError("LayerNormalization: epsilon must be positive, got " + std::to_string(options_.epsilon));
}

void LayerNormalizationLayer::build(const Shape& input_shape) {
  const int rank = input_shape.rank();
  axes_.clear();
  for (int a : options_.axis) {
    const int axis = a < 0 ? a + rank : a;
    if (axis <= 0 || axis >= rank || input_shape[static_cast<std::size_t>(axis)] < 0)
      throw ShapeError("Layer '" + name() + "' (LayerNormalization): axis " + std::to_string(a) +
                       " is not a known non-batch dimension of inputs of shape " + input_shape.to_string());
    axes_.push_back(axis);
  }
  std::sort(axes_.begin(), axes_.end());
  Shape param;
  broadcast_ = Shape(std::vector<std::int64_t>(static_cast<std::size_t>(rank), 1));
  for (int a : axes_) {
    param.push_back(input_shape[static_cast<std::size_t>(a)]);
    broadcast_[static_cast<std::size_t>(a)] = input_shape[static_cast<std::size_t>(a)];
  }
  if (options_.scale)
    gamma_ = add_weight("gamma", param, options_.gamma_initializer,
                        {.regularizer = options_.gamma_regularizer, .constraint = options_.gamma_constraint});
  if (options_.center)
    beta_ = add_weight("beta", param, options_.beta_initializer,
                       {.regularizer = options_.beta_regularizer, .constraint = options_.beta_constraint});
}

Tensor LayerNormalizationLayer::call(const Tensor& inputs) {
  const Shape& s = inputs.shape();
  bool fits = s.rank() == broadcast_.rank();
  for (int a : axes_) fits = fits && s[static_cast<std::size_t>(a)] == broadcast_[static_cast<std::size_t>(a)];
  if (!fits)
    throw ShapeError("Layer '" + name() + "' (LayerNormalization) was built for inputs of rank " +
                     std::to_string(broadcast_.rank()) + " normalized over " + broadcast_.to_string() +
                     ", got shape " + s.to_string());
  const Tensor m = mean(inputs, Axes(axes_), true);
  const Tensor centered = inputs - m;
  const Tensor variance = mean(square(centered), Axes(axes_), true);
  Tensor y = centered * rsqrt(variance + options_.epsilon);
  if (options_.scale) y = y * reshape(gamma_, broadcast_);
  if (options_.center) y = y + reshape(beta_, broadcast_);
  return y;
}

Config LayerNormalizationLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::layer_normalization_fields(), options_, config);
  config["axis"] = options_.axis.size() == 1 ? Config(options_.axis[0]) : Config(options_.axis);
  config["rms_scaling"] = false;
  return config;
}

LayerHandle<LayerNormalizationLayer> LayerNormalization(LayerNormalizationOptions options) {
  return make_layer<LayerNormalizationLayer>(std::move(options));
}

}  // namespace strata::layers
