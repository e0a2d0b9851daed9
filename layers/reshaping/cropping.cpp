#include "strata/layers/reshaping/cropping.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"

namespace strata::layers {

CroppingLayer::CroppingLayer(int rank, const Sides& cropping, CroppingOptions options)
    : Layer(options.name, options.dtype), rank_(rank), options_(std::move(options)) {
  cropping_ = cropping.expand(rank, class_name(), "cropping");
  check_data_format(options_.data_format, class_name());
  if (rank == 1 && options_.data_format != "channels_last")
    throw ValueError("Cropping1D: data_format must be 'channels_last', got '" + options_.data_format + "'");
}

Shape CroppingLayer::compute_output_shape(const Shape& input_shape) {
  if (input_shape.rank() != rank_ + 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") expects inputs of rank " +
                     std::to_string(rank_ + 2) + ", got shape " + input_shape.to_string());
  Shape out = input_shape;
  for (int i = 0; i < rank_; ++i) {
    auto& d = out[static_cast<std::size_t>(first_spatial_axis() + i)];
    const auto [before, after] = cropping_[static_cast<std::size_t>(i)];
    if (d < 0) continue;
    if (before + after >= d)
      throw ShapeError("Layer '" + name() + "' (" + class_name() + "): cropping (" + std::to_string(before) + ", " +
                       std::to_string(after) + ") leaves nothing of spatial axis " + std::to_string(i) +
                       " of inputs of shape " + input_shape.to_string());
    d -= before + after;
  }
  return out;
}

Tensor CroppingLayer::call(const Tensor& inputs) {
  const Shape out = compute_output_shape(inputs.shape());
  Tensor y = inputs;
  for (int i = 0; i < rank_; ++i) {
    const int axis = first_spatial_axis() + i;
    const auto before = cropping_[static_cast<std::size_t>(i)].first;
    y = slice(y, axis, before, before + out[static_cast<std::size_t>(axis)]);
  }
  return y;
}

Config CroppingLayer::get_config() const {
  Config config = Layer::get_config();
  config["cropping"] = sides_config(cropping_);
  if (rank_ > 1) config["data_format"] = options_.data_format;
  return config;
}

LayerHandle<CroppingLayer> Cropping1D(const Sides& cropping, CroppingOptions options) {
  return make_layer<CroppingLayer>(1, cropping, std::move(options));
}
LayerHandle<CroppingLayer> Cropping2D(const Sides& cropping, CroppingOptions options) {
  return make_layer<CroppingLayer>(2, cropping, std::move(options));
}
LayerHandle<CroppingLayer> Cropping3D(const Sides& cropping, CroppingOptions options) {
  return make_layer<CroppingLayer>(3, cropping, std::move(options));
}

}  // namespace strata::layers
