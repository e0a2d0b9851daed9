#include "strata/layers/convolutional/conv_transpose.hpp"

#include "strata/layers/convolutional/conv_layer_parts.hpp"
#include "strata/layers/convolutional/fields.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"

namespace strata::layers {

ConvTransposeLayer::ConvTransposeLayer(int rank, std::int64_t filters, const IntTuple& kernel_size,
                                       ConvTransposeOptions options)
    : Layer(options.name, options.dtype), rank_(rank), filters_(filters), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
  const std::string cls = class_name();
  detail::check_positive(filters, cls, "filters");
  detail::read_window(cls, rank, kernel_size, options_, kernel_size_, strides_, dilation_rate_);
  if (!options_.output_padding.empty()) {
    output_padding_ = options_.output_padding.expand(rank, cls, "output_padding", 0);
    for (int i = 0; i < rank; ++i)
      if (output_padding_[static_cast<std::size_t>(i)] >= strides_[static_cast<std::size_t>(i)])
        throw ValueError(cls + ": output_padding must be smaller than the strides, got output_padding " +
                         std::to_string(output_padding_[static_cast<std::size_t>(i)]) + " and strides " +
                         std::to_string(strides_[static_cast<std::size_t>(i)]));
  }
}

void ConvTransposeLayer::check_input(const Shape& shape) const {
  detail::check_input_rank(*this, shape, rank_);
  const std::int64_t channels = detail::input_channels(shape, options_.data_format);
  if (channels < 0)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") needs a known number of input channels, got shape " +
                     shape.to_string());
  if (kernel_.defined() && channels != kernel_.shape().back())
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") was built for inputs with " +
                     std::to_string(kernel_.shape().back()) + " channels, got shape " + shape.to_string());
}

void ConvTransposeLayer::build(const Shape& input_shape) {
  check_input(input_shape);
  const std::int64_t channels = detail::input_channels(input_shape, options_.data_format);
  Shape kernel_shape(kernel_size_.begin(), kernel_size_.end());
  kernel_shape.push_back(filters_);
  kernel_shape.push_back(channels);
  kernel_ = detail::add_kernel(*this, kernel_shape, options_);
  if (options_.use_bias)
    bias_ = detail::add_bias(*this, filters_, options_);
}

Tensor ConvTransposeLayer::call(const Tensor& inputs) {
  check_input(inputs.shape());
  const bool first = options_.data_format == "channels_first";
  const Tensor x = first ? to_channels_last(inputs) : inputs;
  const Conv2DTransposeOptions o{.strides = strides_,
                                 .padding = options_.padding,
                                 .output_padding = output_padding_,
                                 .dilation_rate = dilation_rate_};
  Tensor y = rank_ == 1 ? conv1d_transpose(x, kernel_, o) : conv2d_transpose(x, kernel_, o);
  return detail::finish_conv(*this, std::move(y), options_, bias_, activation_);
}

Shape ConvTransposeLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  return detail::spatial_output_shape(input_shape, options_.data_format, rank_, filters_,
                                      [&](std::size_t u, std::int64_t d) {
                                        return deconv_output_length(d, kernel_size_[u], options_.padding,
                                                                    output_padding_.empty() ? -1 : output_padding_[u],
                                                                    strides_[u], dilation_rate_[u]);
                                      });
}

Config ConvTransposeLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::conv_transpose_fields(), options_, config);
  config["filters"] = filters_;
  detail::write_window_config(config, kernel_size_, strides_, dilation_rate_, activation_);
  config["output_padding"] = output_padding_.empty() ? Config(nullptr) : tuple_config(output_padding_);
  return config;
}

LayerHandle<ConvTransposeLayer> Conv1DTranspose(std::int64_t filters, const IntTuple& kernel_size,
                                                ConvTransposeOptions options) {
  return make_layer<ConvTransposeLayer>(1, filters, kernel_size, std::move(options));
}
LayerHandle<ConvTransposeLayer> Conv2DTranspose(std::int64_t filters, const IntTuple& kernel_size,
                                                ConvTransposeOptions options) {
  return make_layer<ConvTransposeLayer>(2, filters, kernel_size, std::move(options));
}

}  // namespace strata::layers
