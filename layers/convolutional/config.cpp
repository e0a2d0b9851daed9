// The from_config factories of the convolution layers.
#include "strata/layers/builtin.hpp"
#include "strata/layers/convolutional/fields.hpp"

namespace strata::layers::detail {

namespace {

// The table's options, then what every convolution reads by hand.
template <class Options>
void read_conv(const ConfigFields<Options>& fields, const LayerConfigReader& in, Options& o) {
  read_fields(fields, in, o);
  if (in.has("strides")) o.strides = in.integers("strides");
  if (in.has("dilation_rate")) o.dilation_rate = in.integers("dilation_rate");
  o.activation = in.activation();
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
  read_conv(conv_fields(), in, o);
  return make_layer<ConvLayer>(rank, in.required_integer("filters"), in.integers("kernel_size"), std::move(o)).ptr();
}

LayerPtr conv_transpose(const Config& c, int rank) {
  const std::string cls = "Conv" + std::to_string(rank) + "DTranspose";
  const LayerConfigReader in(c, cls);
  require_filters_and_kernel(in, cls);
  ConvTransposeOptions o;
  read_conv(conv_transpose_fields(), in, o);
  if (in.has("output_padding")) o.output_padding = in.integers("output_padding");
  const auto filters = in.required_integer("filters");
  auto layer = rank == 1 ? Conv1DTranspose(filters, in.integers("kernel_size"), std::move(o))
                         : Conv2DTranspose(filters, in.integers("kernel_size"), std::move(o));
  return layer.ptr();
}

LayerPtr depthwise_conv(const Config& c) {
  const LayerConfigReader in(c, "DepthwiseConv2D");
  if (!in.has("kernel_size")) throw ValueError("DepthwiseConv2D '" + in.name() + "' needs 'kernel_size'");
  DepthwiseConvOptions o;
  read_conv(depthwise_conv_fields(), in, o);
  return DepthwiseConv2D(in.integers("kernel_size"), std::move(o)).ptr();
}

LayerPtr separable_conv(const Config& c) {
  const LayerConfigReader in(c, "SeparableConv2D");
  require_filters_and_kernel(in, "SeparableConv2D");
  SeparableConvOptions o;
  read_conv(separable_conv_fields(), in, o);
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
