#include "strata/layers/pooling/global_pooling.hpp"

#include "strata/layers/pooling/fields.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "strata/framework/ops/reduction.hpp"
#include "strata/layers/convolutional/conv_layer_parts.hpp"

namespace strata::layers {

GlobalPoolingLayer::GlobalPoolingLayer(int rank, PoolingKind kind, GlobalPoolingOptions options)
    : Layer(options.name), rank_(rank), kind_(kind), options_(std::move(options)) {
  check_data_format(options_.data_format, class_name());
}

std::string GlobalPoolingLayer::class_name() const {
  return std::string(kind_ == PoolingKind::max ? "GlobalMaxPooling" : "GlobalAveragePooling") +
         std::to_string(rank_) + "D";
}

void GlobalPoolingLayer::check_input(const Shape& shape) const {
  detail::check_input_rank(*this, shape, rank_);
}

std::vector<int> GlobalPoolingLayer::spatial_axes() const {
  std::vector<int> axes;
  const int start = options_.data_format == "channels_last" ? 1 : 2;
  for (int i = 0; i < rank_; ++i) axes.push_back(start + i);
  return axes;
}

Tensor GlobalPoolingLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const Axes axes(spatial_axes());
  return kind_ == PoolingKind::max ? max(inputs, axes, options_.keepdims) : mean(inputs, axes, options_.keepdims);
}

Shape GlobalPoolingLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  const auto axes = spatial_axes();
  Shape out;
  for (int i = 0; i < input_shape.rank(); ++i) {
    const bool spatial = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!spatial) out.push_back(input_shape[static_cast<std::size_t>(i)]);
    else if (options_.keepdims) out.push_back(1);
  }
  return out;
}

Config GlobalPoolingLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::global_pooling_fields(), options_, config);
  return config;
}

LayerHandle<GlobalPoolingLayer> GlobalMaxPooling1D(GlobalPoolingOptions options) {
  return make_layer<GlobalPoolingLayer>(1, PoolingKind::max, std::move(options));
}
LayerHandle<GlobalPoolingLayer> GlobalMaxPooling2D(GlobalPoolingOptions options) {
  return make_layer<GlobalPoolingLayer>(2, PoolingKind::max, std::move(options));
}
LayerHandle<GlobalPoolingLayer> GlobalAveragePooling1D(GlobalPoolingOptions options) {
  return make_layer<GlobalPoolingLayer>(1, PoolingKind::average, std::move(options));
}
LayerHandle<GlobalPoolingLayer> GlobalAveragePooling2D(GlobalPoolingOptions options) {
  return make_layer<GlobalPoolingLayer>(2, PoolingKind::average, std::move(options));
}

LayerHandle<GlobalPoolingLayer> GlobalMaxPooling3D(GlobalPoolingOptions options) {
  return make_layer<GlobalPoolingLayer>(3, PoolingKind::max, std::move(options));
}
LayerHandle<GlobalPoolingLayer> GlobalAveragePooling3D(GlobalPoolingOptions options) {
  return make_layer<GlobalPoolingLayer>(3, PoolingKind::average, std::move(options));
}

}  // namespace strata::layers
