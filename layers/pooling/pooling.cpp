#include "strata/layers/pooling/pooling.hpp"

#include "strata/layers/convolutional/conv_layer_parts.hpp"
#include "strata/layers/pooling/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/nn.hpp"

namespace strata::layers {

PoolingLayer::PoolingLayer(int rank, PoolingKind kind, const IntTuple& pool_size, PoolingOptions options)
    : Layer(options.name), rank_(rank), kind_(kind), options_(std::move(options)) {
  const std::string cls = class_name();
  pool_size_ = pool_size.expand(rank, cls, "pool_size");
  strides_ = options_.strides.empty() ? pool_size_ : options_.strides.expand(rank, cls, "strides");
  detail::check_conv_padding(options_.padding, cls);
  check_data_format(options_.data_format, cls);
}

std::string PoolingLayer::class_name() const {
  return std::string(kind_ == PoolingKind::max ? "MaxPooling" : "AveragePooling") + std::to_string(rank_) + "D";
}

void PoolingLayer::check_input(const Shape& shape) const {
  detail::check_input_rank(*this, shape, rank_);
}

Tensor PoolingLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const Shape out = compute_output_shape(inputs.shape());
  for (auto d : out)
    if (d == 0)
      throw ShapeError("Layer '" + name() + "' (" + class_name() + "): the inputs of shape " +
                       inputs.shape().to_string() + " are smaller than the pool with padding 'valid' (output shape " +
                       out.to_string() + ")");
  const bool first = options_.data_format == "channels_first";
  Tensor x = first ? to_channels_last(inputs) : inputs;
  if (rank_ == 3) {
    const Pool3DOptions o{.pool_size = pool_size_, .strides = strides_, .padding = options_.padding};
    const Tensor y = kind_ == PoolingKind::max ? max_pool3d(x, o) : avg_pool3d(x, o);
    return first ? to_channels_first(y) : y;
  }
  const Shape s = x.shape();
  Pool2DOptions o{.pool_size = pool_size_, .strides = strides_, .padding = options_.padding};
  if (rank_ == 1) {
    x = reshape(x, Shape{s[0], 1, s[1], s[2]});
    o.pool_size = {1, pool_size_[0]};
    o.strides = {1, strides_[0]};
  }
  Tensor y = kind_ == PoolingKind::max ? max_pool2d(x, o) : avg_pool2d(x, o);
  if (rank_ == 1) y = reshape(y, Shape{s[0], y.shape()[2], y.shape()[3]});
  return first ? to_channels_first(y) : y;
}

Shape PoolingLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  return detail::spatial_output_shape(
      input_shape, options_.data_format, rank_, detail::input_channels(input_shape, options_.data_format),
      [&](std::size_t i, std::int64_t d) { return conv_output_length(d, pool_size_[i], options_.padding, strides_[i]); });
}

Config PoolingLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::pooling_fields(), options_, config);
  config["pool_size"] = tuple_config(pool_size_);
  config["strides"] = tuple_config(strides_);
  return config;
}

LayerHandle<PoolingLayer> MaxPooling1D(const IntTuple& pool_size, PoolingOptions options) {
  return make_layer<PoolingLayer>(1, PoolingKind::max, pool_size, std::move(options));
}
LayerHandle<PoolingLayer> MaxPooling2D(const IntTuple& pool_size, PoolingOptions options) {
  return make_layer<PoolingLayer>(2, PoolingKind::max, pool_size, std::move(options));
}
LayerHandle<PoolingLayer> MaxPooling3D(const IntTuple& pool_size, PoolingOptions options) {
  return make_layer<PoolingLayer>(3, PoolingKind::max, pool_size, std::move(options));
}
LayerHandle<PoolingLayer> AveragePooling3D(const IntTuple& pool_size, PoolingOptions options) {
  return make_layer<PoolingLayer>(3, PoolingKind::average, pool_size, std::move(options));
}
LayerHandle<PoolingLayer> AveragePooling1D(const IntTuple& pool_size, PoolingOptions options) {
  return make_layer<PoolingLayer>(1, PoolingKind::average, pool_size, std::move(options));
}
LayerHandle<PoolingLayer> AveragePooling2D(const IntTuple& pool_size, PoolingOptions options) {
  return make_layer<PoolingLayer>(2, PoolingKind::average, pool_size, std::move(options));
}

}  // namespace strata::layers
