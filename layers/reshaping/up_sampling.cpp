#include "strata/layers/reshaping/up_sampling.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "strata/framework/device.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/layers/keras_version.hpp"

namespace strata::layers {

Tensor repeat_elements(const Tensor& x, std::int64_t times, int axis) {
  if (times == 1) return x;
  // (..., n, ...) -> (..., n, 1, ...) -> broadcast (..., n, times, ...) -> (..., n * times, ...)
  std::vector<std::int64_t> dims = x.shape().dims();
  const auto a = static_cast<std::size_t>(axis);
  std::vector<std::int64_t> wide = dims;
  wide.insert(wide.begin() + axis + 1, times);
  dims[a] *= times;
  return reshape(broadcast_to(expand_dims(x, axis + 1), Shape(wide)), Shape(dims));
}

Tensor linear_upsample_axis(const Tensor& x, std::int64_t times, int axis, bool half_pixel) {
  const std::int64_t n = x.shape()[static_cast<std::size_t>(axis)], out = n * times;
  std::vector<std::int64_t> lower(static_cast<std::size_t>(out)), upper(lower.size());
  std::vector<double> weight(lower.size());
  // TensorFlow's half-pixel scaler: source = (i + 0.5) / times - 0.5, clamped into the input;
  // TensorFlow 1's legacy one: source = i / times.
  for (std::int64_t i = 0; i < out; ++i) {
    const double source = half_pixel ? (static_cast<double>(i) + 0.5) / static_cast<double>(times) - 0.5
                                     : static_cast<double>(i) / static_cast<double>(times);
    const double below = std::floor(source);
    lower[static_cast<std::size_t>(i)] = std::clamp<std::int64_t>(static_cast<std::int64_t>(below), 0, n - 1);
    upper[static_cast<std::size_t>(i)] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(source)), 0, n - 1);
    weight[static_cast<std::size_t>(i)] = source - below;
  }
  DeviceScope on(x.device());
  Shape weight_shape(std::vector<std::int64_t>(static_cast<std::size_t>(x.rank()), 1));
  weight_shape[static_cast<std::size_t>(axis)] = out;
  const Tensor w = Tensor::from_vector(weight, weight_shape, x.dtype());
  const Tensor lo = gather(x, Tensor::from_vector(lower, Shape{out}), axis);
  const Tensor hi = gather(x, Tensor::from_vector(upper, Shape{out}), axis);
  return lo + (hi - lo) * w;
}

UpSamplingLayer::UpSamplingLayer(int rank, const IntTuple& size, UpSamplingOptions options)
    : Layer(options.name, options.dtype), rank_(rank), options_(std::move(options)) {
  size_ = size.expand(rank, class_name(), "size");
  check_data_format(options_.data_format, class_name());
  if (rank == 1 && options_.data_format != "channels_last")
    throw ValueError("UpSampling1D: data_format must be 'channels_last', got '" + options_.data_format + "'");
  const auto& i = options_.interpolation;
  if (i != "nearest" && !(rank == 2 && i == "bilinear"))
    throw ValueError(class_name() + ": interpolation must be 'nearest'" + (rank == 2 ? std::string(" or 'bilinear'") : "") +
                     ", got '" + i + "'");
  if (keras_version::corner_aligned_bilinear(keras_version::current())) corner_aligned_version_ = keras_version::current().text;
}

void UpSamplingLayer::check_input(const Shape& shape) const {
  if (shape.rank() != rank_ + 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") expects inputs of rank " +
                     std::to_string(rank_ + 2) + ", got shape " + shape.to_string());
}

Tensor UpSamplingLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  Tensor y = inputs;
  for (int i = 0; i < rank_; ++i) {
    const int axis = first_spatial_axis() + i;
    const auto times = size_[static_cast<std::size_t>(i)];
    y = options_.interpolation == "bilinear" ? linear_upsample_axis(y, times, axis, corner_aligned_version_.empty())
                                             : repeat_elements(y, times, axis);
  }
  return y;
}

Shape UpSamplingLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  Shape out = input_shape;
  for (int i = 0; i < rank_; ++i) {
    auto& d = out[static_cast<std::size_t>(first_spatial_axis() + i)];
    if (d >= 0) d *= size_[static_cast<std::size_t>(i)];
  }
  return out;
}

Config UpSamplingLayer::get_config() const {
  Config config = Layer::get_config();
  config["size"] = rank_ == 1 ? Config(size_[0]) : tuple_config(size_);
  if (rank_ > 1) config["data_format"] = options_.data_format;
  if (rank_ == 2) config["interpolation"] = options_.interpolation;
  if (options_.interpolation == "bilinear")
    keras_version::note("UpSampling2D bilinear", keras_version::corner_aligned_bilinear, !corner_aligned_version_.empty(),
                        corner_aligned_version_);
  return config;
}

LayerHandle<UpSamplingLayer> UpSampling1D(const IntTuple& size, UpSamplingOptions options) {
  return make_layer<UpSamplingLayer>(1, size, std::move(options));
}
LayerHandle<UpSamplingLayer> UpSampling2D(const IntTuple& size, UpSamplingOptions options) {
  return make_layer<UpSamplingLayer>(2, size, std::move(options));
}
LayerHandle<UpSamplingLayer> UpSampling3D(const IntTuple& size, UpSamplingOptions options) {
  return make_layer<UpSamplingLayer>(3, size, std::move(options));
}

}  // namespace strata::layers
