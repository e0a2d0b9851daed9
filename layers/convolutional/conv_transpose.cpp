#include "strata/layers/convolutional/conv_transpose.hpp"

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
  if (filters <= 0) throw ValueError(cls + ": filters must be a positive integer, got " + std::to_string(filters));
  kernel_size_ = kernel_size.expand(rank, cls, "kernel_size");
  strides_ = options_.strides.expand(rank, cls, "strides");
  dilation_rate_ = options_.dilation_rate.expand(rank, cls, "dilation_rate");
  if (options_.padding != "valid" && options_.padding != "same")
    throw ValueError(cls + ": padding must be 'valid' or 'same', got '" + options_.padding + "'");
  check_data_format(options_.data_format, cls);
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
  const bool last = options_.data_format == "channels_last";
  if (shape.rank() != rank_ + 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") expects inputs of rank " +
                     std::to_string(rank_ + 2) + ", got shape " + shape.to_string());
  const std::int64_t channels = last ? shape.back() : shape[1];
  if (channels < 0)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") needs a known number of input channels, got shape " +
                     shape.to_string());
  if (kernel_.defined() && channels != kernel_.shape().back())
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") was built for inputs with " +
                     std::to_string(kernel_.shape().back()) + " channels, got shape " + shape.to_string());
}

void ConvTransposeLayer::build(const Shape& input_shape) {
  check_input(input_shape);
  const std::int64_t channels = options_.data_format == "channels_last" ? input_shape.back() : input_shape[1];
  Shape kernel_shape(kernel_size_.begin(), kernel_size_.end());
  kernel_shape.push_back(filters_);
  kernel_shape.push_back(channels);
  kernel_ = add_weight("kernel", kernel_shape, options_.kernel_initializer,
                       {.regularizer = options_.kernel_regularizer, .constraint = options_.kernel_constraint});
  if (options_.use_bias)
    bias_ = add_weight("bias", {filters_}, options_.bias_initializer,
                       {.regularizer = options_.bias_regularizer, .constraint = options_.bias_constraint});
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
  if (options_.use_bias) y = y + bias_;
  y = activation_(y);
  if (first) y = to_channels_first(y);
  if (options_.activity_regularizer) add_loss((*options_.activity_regularizer)(y));
  return y;
}

Shape ConvTransposeLayer::compute_output_shape(const Shape& input_shape) {
  check_input(input_shape);
  const bool first = options_.data_format == "channels_first";
  Shape s = first ? to_channels_last(input_shape) : input_shape;
  for (int i = 0; i < rank_; ++i) {
    const auto u = static_cast<std::size_t>(i);
    s[u + 1] = deconv_output_length(s[u + 1], kernel_size_[u], options_.padding,
                                    output_padding_.empty() ? -1 : output_padding_[u], strides_[u], dilation_rate_[u]);
  }
  s[s.size() - 1] = filters_;
  return first ? to_channels_first(s) : s;
}

Config ConvTransposeLayer::get_config() const {
  Config config = Layer::get_config();
  detail::write_fields(detail::conv_transpose_fields(), options_, config);
  config["filters"] = filters_;
  config["kernel_size"] = tuple_config(kernel_size_);
  config["strides"] = tuple_config(strides_);
  config["output_padding"] = output_padding_.empty() ? Config(nullptr) : tuple_config(output_padding_);
  config["dilation_rate"] = tuple_config(dilation_rate_);
  config["activation"] = activation_.name;
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
