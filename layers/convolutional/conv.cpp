#include "strata/layers/convolutional/conv.hpp"

#include "strata/layers/convolutional/conv_layer_parts.hpp"
#include "strata/layers/convolutional/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"

namespace strata::layers {

ConvLayer::ConvLayer(int rank, std::int64_t filters, const IntTuple& kernel_size, ConvOptions options)
    : Layer(options.name, options.dtype), rank_(rank), filters_(filters), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
  const std::string cls = class_name();
  detail::check_positive(filters, cls, "filters");
  detail::read_window(cls, rank, kernel_size, options_, kernel_size_, strides_, dilation_rate_,
                      /*allow_causal=*/rank == 1);
  if (options_.groups <= 0 || filters % options_.groups != 0)
    throw ValueError(cls + ": filters (" + std::to_string(filters) + ") must be a multiple of groups (" +
                     std::to_string(options_.groups) + ")");
}

void ConvLayer::check_input(const Shape& shape) const {
  const bool last = options_.data_format == "channels_last";
  const std::string layout =
      rank_ == 1   ? (last ? "(batch, steps, channels)" : "(batch, channels, steps)")
      : rank_ == 2 ? (last ? "(batch, height, width, channels)" : "(batch, channels, height, width)")
                   : (last ? "(batch, depth, height, width, channels)" : "(batch, channels, depth, height, width)");
  if (shape.rank() != rank_ + 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") expects inputs of rank " +
                     std::to_string(rank_ + 2) + " " + layout + ", got shape " + shape.to_string());
  const std::int64_t channels = detail::input_channels(shape, options_.data_format);
  if (channels < 0 || channels % options_.groups != 0)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") needs a known number of input channels divisible by "
                     "groups=" + std::to_string(options_.groups) + ", got shape " + shape.to_string());
  if (kernel_.defined() && channels != kernel_.shape()[static_cast<std::size_t>(rank_)] * options_.groups)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") was built for inputs with " +
                     std::to_string(kernel_.shape()[static_cast<std::size_t>(rank_)] * options_.groups) +
                     " channels, got shape " + shape.to_string());
}

void ConvLayer::build(const Shape& input_shape) {
  check_input(input_shape);
  const std::int64_t channels = detail::input_channels(input_shape, options_.data_format);
  Shape kernel_shape(kernel_size_.begin(), kernel_size_.end());
  kernel_shape.push_back(channels / options_.groups);
  kernel_shape.push_back(filters_);
  kernel_ = detail::add_kernel(*this, kernel_shape, options_);
  if (options_.use_bias)
    bias_ = detail::add_bias(*this, filters_, options_);
}

Tensor ConvLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const Shape out = compute_output_shape(inputs.shape());
  for (auto d : out)
    if (d == 0)
      throw ShapeError("Layer '" + name() + "' (" + class_name() + "): the inputs of shape " +
                       inputs.shape().to_string() + " are smaller than the dilated kernel with padding '" +
                       options_.padding + "' (output shape " + out.to_string() + ")");
  const bool first = options_.data_format == "channels_first";
  const Tensor x = first ? to_channels_last(inputs) : inputs;
  const bool fused = !first && !options_.activity_regularizer &&
                     (activation_.name == "relu" || activation_.name == "linear");
  Tensor y;
  if (rank_ == 1)
    y = conv1d(x, kernel_,
               {.strides = strides_[0], .padding = options_.padding, .dilation_rate = dilation_rate_[0], .groups = options_.groups});
  else if (rank_ == 2 && fused) {
    // Bias and relu in the convolution's own epilogue (one pass over the output fewer each way).
    return conv2d_forward(x, kernel_, options_.use_bias ? Tensor(bias_) : Tensor(), activation_.name == "relu",
                          {.strides = strides_, .padding = options_.padding, .dilation_rate = dilation_rate_,
                           .groups = options_.groups});
  } else if (rank_ == 2)
    y = conv2d(x, kernel_,
               {.strides = strides_, .padding = options_.padding, .dilation_rate = dilation_rate_, .groups = options_.groups});
  else
    y = conv3d(x, kernel_,
               {.strides = strides_, .padding = options_.padding, .dilation_rate = dilation_rate_, .groups = options_.groups});
  return detail::finish_conv(*this, std::move(y), options_, bias_, activation_);
}

Shape ConvLayer::compute_output_shape(const Shape& input_shape) {
  return detail::conv_output_shape(input_shape, options_.data_format, kernel_size_, options_.padding, strides_,
                                   dilation_rate_, filters_);
}

Config ConvLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::conv_fields(), options_, config);
  config["filters"] = filters_;
  detail::write_window_config(config, kernel_size_, strides_, dilation_rate_, activation_);
  return config;
}

LayerHandle<ConvLayer> Conv1D(std::int64_t filters, const IntTuple& kernel_size, ConvOptions options) {
  return make_layer<ConvLayer>(1, filters, kernel_size, std::move(options));
}
LayerHandle<ConvLayer> Conv1D(std::int64_t filters, const IntTuple& kernel_size, const char* activation,
                              ConvOptions options) {
  options.activation = activation;
  return make_layer<ConvLayer>(1, filters, kernel_size, std::move(options));
}
LayerHandle<ConvLayer> Conv2D(std::int64_t filters, const IntTuple& kernel_size, ConvOptions options) {
  return make_layer<ConvLayer>(2, filters, kernel_size, std::move(options));
}
LayerHandle<ConvLayer> Conv2D(std::int64_t filters, const IntTuple& kernel_size, const char* activation,
                              ConvOptions options) {
  options.activation = activation;
  return make_layer<ConvLayer>(2, filters, kernel_size, std::move(options));
}

LayerHandle<ConvLayer> Conv3D(std::int64_t filters, const IntTuple& kernel_size, ConvOptions options) {
  return make_layer<ConvLayer>(3, filters, kernel_size, std::move(options));
}
LayerHandle<ConvLayer> Conv3D(std::int64_t filters, const IntTuple& kernel_size, const char* activation,
                              ConvOptions options) {
  options.activation = activation;
  return make_layer<ConvLayer>(3, filters, kernel_size, std::move(options));
}

}  // namespace strata::layers
