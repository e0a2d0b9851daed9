#include "strata/layers/normalization/group_normalization.hpp"

#include <nlohmann/json.hpp>

#include "strata/layers/normalization/fields.hpp"

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

GroupNormalizationLayer::GroupNormalizationLayer(GroupNormalizationOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)) {
  if (options_.groups == 0 || options_.groups < -1)
    throw ValueError("GroupNormalization: groups must be a positive integer or -1, got " + std::to_string(options_.groups));
  if (!(options_.epsilon > 0))
    throw ValueError("GroupNormalization: epsilon must be positive, got " + std::to_string(options_.epsilon));
}

int GroupNormalizationLayer::resolve_axis(const Shape& shape) const {
  const int axis = options_.axis < 0 ? options_.axis + shape.rank() : options_.axis;
  if (axis <= 0 || axis >= shape.rank())
    throw ShapeError("Layer '" + name() + "' (GroupNormalization): axis " + std::to_string(options_.axis) +
                     " is not a non-batch axis of inputs of shape " + shape.to_string());
  return axis;
}

void GroupNormalizationLayer::build(const Shape& input_shape) {
  channels_ = input_shape[static_cast<std::size_t>(resolve_axis(input_shape))];
  if (channels_ < 0)
    throw ShapeError("Layer '" + name() + "' (GroupNormalization): axis " + std::to_string(options_.axis) +
                     " of the input should have a defined dimension, got shape " + input_shape.to_string());
  groups_ = options_.groups == -1 ? channels_ : options_.groups;
  if (channels_ < groups_)
    throw ValueError("Layer '" + name() + "' (GroupNormalization): number of groups (" + std::to_string(groups_) +
                     ") cannot be more than the number of channels (" + std::to_string(channels_) + ")");
  if (channels_ % groups_ != 0)
    throw ValueError("Layer '" + name() + "' (GroupNormalization): the number of channels (" + std::to_string(channels_) +
                     ") must be a multiple of the number of groups (" + std::to_string(groups_) + ")");
  if (options_.scale)
    gamma_ = add_weight("gamma", {channels_}, options_.gamma_initializer,
                        {.regularizer = options_.gamma_regularizer, .constraint = options_.gamma_constraint});
  if (options_.center)
    beta_ = add_weight("beta", {channels_}, options_.beta_initializer,
                       {.regularizer = options_.beta_regularizer, .constraint = options_.beta_constraint});
}

Tensor GroupNormalizationLayer::call(const Tensor& inputs) {
  const Shape& s = inputs.shape();
  const int axis = resolve_axis(s);
  const auto a = static_cast<std::size_t>(axis);
  if (s[a] != channels_)
    throw ShapeError("Layer '" + name() + "' (GroupNormalization) was built for " + std::to_string(channels_) +
                     " channels on axis " + std::to_string(options_.axis) + ", got shape " + s.to_string());
  // (..., C, ...) -> (..., groups, C / groups, ...); statistics over every axis but batch and groups.
  std::vector<std::int64_t> grouped = s.dims();
  grouped[a] = channels_ / groups_;
  grouped.insert(grouped.begin() + axis, groups_);
  std::vector<int> reduce;
  for (int i = 1; i < static_cast<int>(grouped.size()); ++i)
    if (i != axis) reduce.push_back(i);
  const Tensor x = reshape(inputs, Shape(grouped));
  const Tensor centered = x - mean(x, Axes(reduce), true);
  const Tensor variance = mean(square(centered), Axes(reduce), true);
  Tensor y = reshape(centered * rsqrt(variance + options_.epsilon), s);
  Shape broadcast(std::vector<std::int64_t>(s.size(), 1));
  broadcast[a] = channels_;
  if (options_.scale) y = y * reshape(gamma_, broadcast);
  if (options_.center) y = y + reshape(beta_, broadcast);
  return y;
}

Config GroupNormalizationLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::group_normalization_fields(), options_, config);
  config["axis"] = options_.axis;
  return config;
}

LayerHandle<GroupNormalizationLayer> GroupNormalization(GroupNormalizationOptions options) {
  return make_layer<GroupNormalizationLayer>(std::move(options));
}

}  // namespace strata::layers
