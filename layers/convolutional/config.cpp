// The from_config factories of the convolution layers.
#include "strata/layers/builtin.hpp"
#include "strata/layers/convolutional/conv.hpp"
#include "strata/layers/convolutional/conv_transpose.hpp"
#include "strata/layers/convolutional/depthwise_conv.hpp"
#include "strata/layers/convolutional/separable_conv.hpp"

namespace strata::layers::detail {

namespace {

// What every convolution reads alike.
template <class Options>
void read_conv_common(const LayerConfigReader& in, Options& o) {
  if (in.has("strides")) o.strides = in.integers("strides");
  if (in.has("dilation_rate")) o.dilation_rate = in.integers("dilation_rate");
  o.padding = in.string("padding", "valid");
  o.data_format = in.string("data_format", "channels_last");
  o.activation = in.activation();
  o.use_bias = in.boolean("use_bias", o.use_bias);
  o.bias_initializer = in.initializer("bias_initializer", "zeros");
  o.bias_regularizer = in.regularizer("bias_regularizer");
  o.activity_regularizer = in.regularizer("activity_regularizer");
  o.bias_constraint = in.constraint("bias_constraint");
  o.name = in.name();
  o.dtype = in.dtype();
}

void require_filters_and_kernel(const LayerConfigReader& in, const std::string& cls) {
  if (!in.has("filters") || !in.has("kernel_size"))
    throw ValueError(cls + " '" + in.name() + "' needs 'filters' and 'kernel_size'");
}

LayerPtr conv(const Config& c, int rank) {
  const std::string cls = "Conv" + std::to_string(rank) + "D";
  const LayerConfigReader in(c, cls);
  require_filters_and_kernel(in, cls);
  ConvOptions o;
  read_conv_common(in, o);
  o.groups = in.integer("groups", o.groups);
  o.kernel_initializer = in.initializer("kernel_initializer", "glorot_uniform");
  o.kernel_regularizer = in.regularizer("kernel_regularizer");
  o.kernel_constraint = in.constraint("kernel_constraint");
  return make_layer<ConvLayer>(rank, in.required_integer("filters"), in.integers("kernel_size"), std::move(o)).ptr();
}

LayerPtr conv_transpose(const Config& c, int rank) {
  const std::string cls = "Conv" + std::to_string(rank) + "DTranspose";
  const LayerConfigReader in(c, cls);
  require_filters_and_kernel(in, cls);
  ConvTransposeOptions o;
  read_conv_common(in, o);
  if (in.has("output_padding")) o.output_padding = in.integers("output_padding");
  o.kernel_initializer = in.initializer("kernel_initializer", "glorot_uniform");
  o.kernel_regularizer = in.regularizer("kernel_regularizer");
  o.kernel_constraint = in.constraint("kernel_constraint");
  const auto filters = in.required_integer("filters");
  auto layer = rank == 1 ? Conv1DTranspose(filters, in.integers("kernel_size"), std::move(o))
                         : Conv2DTranspose(filters, in.integers("kernel_size"), std::move(o));
  return layer.ptr();
}

LayerPtr depthwise_conv(const Config& c) {
  const LayerConfigReader in(c, "DepthwiseConv2D");
  if (!in.has("kernel_size")) throw ValueError("DepthwiseConv2D '" + in.name() + "' needs 'kernel_size'");
  DepthwiseConvOptions o;
  read_conv_common(in, o);
  o.depth_multiplier = in.integer("depth_multiplier", o.depth_multiplier);
  o.depthwise_initializer = in.initializer("depthwise_initializer", "glorot_uniform");
  o.depthwise_regularizer = in.regularizer("depthwise_regularizer");
  o.depthwise_constraint = in.constraint("depthwise_constraint");
  return DepthwiseConv2D(in.integers("kernel_size"), std::move(o)).ptr();
}

LayerPtr separable_conv(const Config& c) {
  const LayerConfigReader in(c, "SeparableConv2D");
  require_filters_and_kernel(in, "SeparableConv2D");
  SeparableConvOptions o;
  read_conv_common(in, o);
  o.depth_multiplier = in.integer("depth_multiplier", o.depth_multiplier);
  o.depthwise_initializer = in.initializer("depthwise_initializer", "glorot_uniform");
  o.pointwise_initializer = in.initializer("pointwise_initializer", "glorot_uniform");
  o.depthwise_regularizer = in.regularizer("depthwise_regularizer");
  o.pointwise_regularizer = in.regularizer("pointwise_regularizer");
  o.depthwise_constraint = in.constraint("depthwise_constraint");
  o.pointwise_constraint = in.constraint("pointwise_constraint");
  return SeparableConv2D(in.required_integer("filters"), in.integers("kernel_size"), std::move(o)).ptr();
}

}  // namespace

void register_convolutional_layers(const AddLayer& add) {
  for (int rank : {1, 2, 3})
    add(rank == 1 ? "Conv1D" : rank == 2 ? "Conv2D" : "Conv3D", [rank](const Config& c) { return conv(c, rank); });
  add("Conv1DTranspose", [](const Config& c) { return conv_transpose(c, 1); });
  add("Conv2DTranspose", [](const Config& c) { return conv_transpose(c, 2); });
  add("DepthwiseConv2D", depthwise_conv);
  add("SeparableConv2D", separable_conv);
}

}  // namespace strata::layers::detail
