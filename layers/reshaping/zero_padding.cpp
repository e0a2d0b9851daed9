#include "strata/layers/reshaping/zero_padding.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"

namespace strata::layers {

ZeroPaddingLayer::ZeroPaddingLayer(int rank, const Sides& padding, ZeroPaddingOptions options)
    : Layer(options.name, options.dtype), rank_(rank), options_(std::move(options)) {
  padding_ = padding.expand(rank, class_name(), "padding");
  check_data_format(options_.data_format, class_name());
}

// (before, after) for every axis of the input: zero except the spatial ones.
std::vector<SidePair> ZeroPaddingLayer::all_axes(const Shape& shape) const {
  if (shape.rank() != rank_ + 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") expects inputs of rank " +
                     std::to_string(rank_ + 2) + ", got shape " + shape.to_string());
  std::vector<SidePair> sides(static_cast<std::size_t>(shape.rank()), {0, 0});
  const int first = options_.data_format == "channels_last" ? 1 : 2;
  for (int i = 0; i < rank_; ++i) sides[static_cast<std::size_t>(first + i)] = padding_[static_cast<std::size_t>(i)];
  return sides;
}

Tensor ZeroPaddingLayer::call(const Tensor& inputs) { return pad(inputs, all_axes(inputs.shape())); }

Shape ZeroPaddingLayer::compute_output_shape(const Shape& input_shape) {
  const auto sides = all_axes(input_shape);
  Shape out = input_shape;
  for (std::size_t d = 0; d < out.size(); ++d)
    if (out[d] >= 0) out[d] += sides[d].first + sides[d].second;
  return out;
}

Config ZeroPaddingLayer::get_config() const {
  Config config = Layer::get_config();
  config["padding"] = sides_config(padding_);
  // ZeroPadding1D takes data_format only since Keras 3.5: written where it matters.
  if (rank_ > 1 || options_.data_format != "channels_last") config["data_format"] = options_.data_format;
  return config;
}

LayerHandle<ZeroPaddingLayer> ZeroPadding1D(const Sides& padding, ZeroPaddingOptions options) {
  return make_layer<ZeroPaddingLayer>(1, padding, std::move(options));
}
LayerHandle<ZeroPaddingLayer> ZeroPadding2D(const Sides& padding, ZeroPaddingOptions options) {
  return make_layer<ZeroPaddingLayer>(2, padding, std::move(options));
}
LayerHandle<ZeroPaddingLayer> ZeroPadding3D(const Sides& padding, ZeroPaddingOptions options) {
  return make_layer<ZeroPaddingLayer>(3, padding, std::move(options));
}

}  // namespace strata::layers
