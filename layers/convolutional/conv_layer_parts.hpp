#pragma once
// The steps every convolution layer (Conv, ConvTranspose, DepthwiseConv2D, SeparableConv2D) takes
// the same way around its own convolution: argument checks, the bias weight, the epilogue, the
// output shape and the window config; the pooling layers use the checks and the output shape.
// Private to the layers' .cpp files.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/framework/config.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/layers/activations.hpp"
#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers::detail {

// `what` (filters, depth_multiplier) must be positive; ValueError naming the layer class otherwise.
inline void check_positive(std::int64_t value, const std::string& layer, const std::string& what) {
  if (value <= 0) throw ValueError(layer + ": " + what + " must be a positive integer, got " + std::to_string(value));
}

// Keras's padding names; "causal" only where the layer allows it (Conv1D).
inline void check_conv_padding(const std::string& padding, const std::string& layer, bool allow_causal = false) {
  if (padding != "valid" && padding != "same" && !(allow_causal && padding == "causal"))
    throw ValueError(layer + ": padding must be 'valid' or 'same'" + (allow_causal ? std::string(" or 'causal'") : "") +
                     ", got '" + padding + "'");
}

// Inputs of (batch, `rank` spatial axes, channels) in either data_format; ShapeError naming the layer otherwise.
inline void check_input_rank(const Layer& layer, const Shape& shape, int rank) {
  if (shape.rank() != rank + 2)
    throw ShapeError("Layer '" + layer.name() + "' (" + layer.class_name() + ") expects inputs of rank " +
                     std::to_string(rank + 2) + ", got shape " + shape.to_string());
}

// The channel count of an input in the layer's data_format.
inline std::int64_t input_channels(const Shape& shape, const std::string& data_format) {
  return data_format == "channels_last" ? shape.back() : shape[1];
}

// DepthwiseConv2D / SeparableConv2D inputs: rank 4 with known channels, as many as the depthwise
// kernel (kh, kw, channels, multiplier) was built for.
inline void check_depthwise_input(const Layer& layer, const Shape& shape, const std::string& data_format,
                                  const Variable& depthwise_kernel) {
  const std::int64_t channels = shape.rank() != 4 ? -1 : input_channels(shape, data_format);
  const std::string label = "Layer '" + layer.name() + "' (" + layer.class_name() + ")";
  if (shape.rank() != 4 || channels < 0)
    throw ShapeError(label + " expects inputs of rank 4 with known channels, got shape " + shape.to_string());
  if (depthwise_kernel.defined() && channels != depthwise_kernel.shape()[2])
    throw ShapeError(label + " was built for inputs with " + std::to_string(depthwise_kernel.shape()[2]) +
                     " channels, got shape " + shape.to_string());
}

// Expands kernel_size, strides and dilation_rate to `rank` values each and checks the padding and
// data_format: the arguments every convolution layer reads alike (ValueError naming `layer`).
template <class Options>
void read_window(const std::string& layer, int rank, const IntTuple& kernel_size, const Options& options,
                 std::vector<std::int64_t>& kernel_size_out, std::vector<std::int64_t>& strides_out,
                 std::vector<std::int64_t>& dilation_rate_out, bool allow_causal = false) {
  kernel_size_out = kernel_size.expand(rank, layer, "kernel_size");
  strides_out = options.strides.expand(rank, layer, "strides");
  dilation_rate_out = options.dilation_rate.expand(rank, layer, "dilation_rate");
  check_conv_padding(options.padding, layer, allow_causal);
  check_data_format(options.data_format, layer);
}

// The kernel weight from the options' kernel_initializer / regularizer / constraint.
template <class Options>
Variable add_kernel(Layer& layer, const Shape& shape, const Options& options) {
  return layer.add_weight("kernel", shape, options.kernel_initializer,
                          {.regularizer = options.kernel_regularizer, .constraint = options.kernel_constraint});
}

// The (units,) bias weight from the options' bias_initializer / regularizer / constraint.
template <class Options>
Variable add_bias(Layer& layer, std::int64_t units, const Options& options) {
  return layer.add_weight("bias", {units}, options.bias_initializer,
                          {.regularizer = options.bias_regularizer, .constraint = options.bias_constraint});
}

// After the convolution (computed channels_last): bias, activation, back to channels_first when
// the layer is, and the activity loss of the result.
template <class Options>
Tensor finish_conv(Layer& layer, Tensor y, const Options& options, const Variable& bias,
                   const activations::Activation& activation) {
  if (options.use_bias) y = y + bias;
  y = activation(y);
  if (options.data_format == "channels_first") y = to_channels_first(y);
  if (options.activity_regularizer) layer.add_loss((*options.activity_regularizer)(y));
  return y;
}

// The output shape in data_format's layout: `length(axis, input_length)` along each of the
// `rank` spatial axes, `channels` last.
template <class Length>
Shape spatial_output_shape(const Shape& input_shape, const std::string& data_format, int rank, std::int64_t channels,
                           Length length) {
  const bool first = data_format == "channels_first";
  Shape s = first ? to_channels_last(input_shape) : input_shape;
  for (std::size_t i = 0; i < static_cast<std::size_t>(rank); ++i) s[i + 1] = length(i, s[i + 1]);
  s[s.size() - 1] = channels;
  return first ? to_channels_first(s) : s;
}

// spatial_output_shape of a (dilated, strided) convolution window.
inline Shape conv_output_shape(const Shape& input_shape, const std::string& data_format,
                               const std::vector<std::int64_t>& kernel_size, const std::string& padding,
                               const std::vector<std::int64_t>& strides,
                               const std::vector<std::int64_t>& dilation_rate, std::int64_t channels) {
  return spatial_output_shape(input_shape, data_format, static_cast<int>(kernel_size.size()), channels,
                              [&](std::size_t i, std::int64_t d) {
                                return conv_output_length(d, kernel_size[i], padding, strides[i], dilation_rate[i]);
                              });
}

// The config entries every convolution layer writes from its expanded arguments.
inline void write_window_config(Config& config, const std::vector<std::int64_t>& kernel_size,
                                const std::vector<std::int64_t>& strides,
                                const std::vector<std::int64_t>& dilation_rate,
                                const activations::Activation& activation) {
  config["kernel_size"] = tuple_config(kernel_size);
  config["strides"] = tuple_config(strides);
  config["dilation_rate"] = tuple_config(dilation_rate);
  config["activation"] = activations::serialize(activation);
}

}  // namespace strata::layers::detail
