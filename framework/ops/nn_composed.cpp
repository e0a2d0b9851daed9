// Convolution and pooling variants composed of the primitive conv2d / pool2d ops (nn.cpp): no new
// kernel, and every gradient comes from the primitives' rules.
#include <string>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/nn.hpp"
#include "strata/framework/ops/op_support.hpp"

namespace strata {

using namespace detail;

Tensor conv3d(const Tensor& x, const Tensor& kernel, const Conv3DOptions& o) {
  const char* op = "conv3d";
  check_floating(op, x);
  check_pair(op, x, kernel);
  if (x.rank() != 5 || kernel.rank() != 5)
    throw ShapeError("conv3d: expected an input (batch, depth, height, width, channels) and a kernel (kernel_d, "
                     "kernel_h, kernel_w, channels / groups, filters), got input shape " + shape_str(x) +
                     ", kernel shape " + shape_str(kernel));
  check_positive(op, "strides", o.strides, 3);
  check_positive(op, "dilation_rate", o.dilation_rate, 3);
  if (o.padding != "valid" && o.padding != "same")
    throw ValueError("conv3d: padding must be 'valid' or 'same', got '" + o.padding + "'");
  const Shape& s = x.shape();
  const Shape& k = kernel.shape();
  const std::int64_t depth = s[1], window = (k[0] - 1) * o.dilation_rate[0] + 1, stride = o.strides[0];
  std::int64_t out_d = 0, pad_before = 0;
  if (o.padding == "valid") {
    if (depth < window)
      throw ShapeError("conv3d: the kernel depth (" + std::to_string(window) + " after dilation) is larger than the "
                       "input depth with padding 'valid': input shape " + shape_str(x) + ", kernel shape " +
                       shape_str(kernel));
    out_d = (depth - window) / stride + 1;
  } else {
    out_d = (depth + stride - 1) / stride;
    pad_before = std::max<std::int64_t>((out_d - 1) * stride + window - depth, 0) / 2;
  }
  const std::int64_t pad_after = std::max<std::int64_t>((out_d - 1) * stride + window - depth - pad_before, 0);
  const Tensor padded = pad_before || pad_after ? pad(x, {{0, 0}, {pad_before, pad_after}, {0, 0}, {0, 0}, {0, 0}}) : x;
  const Conv2DOptions plane{.strides = {o.strides[1], o.strides[2]},
                            .padding = o.padding,
                            .dilation_rate = {o.dilation_rate[1], o.dilation_rate[2]},
                            .groups = o.groups};
  Tensor y;
  for (std::int64_t p = 0; p < k[0]; ++p) {
    const std::int64_t start = p * o.dilation_rate[0];
    const Tensor slices = slice(padded, 1, start, start + (out_d - 1) * stride + 1, stride);
    const Tensor term = conv2d(reshape(slices, Shape{s[0] * out_d, s[2], s[3], s[4]}),
                               reshape(slice(kernel, 0, p, p + 1), Shape{k[1], k[2], k[3], k[4]}), plane);
    y = y.defined() ? y + term : term;
  }
  const Shape& t = y.shape();
  return reshape(y, Shape{s[0], out_d, t[1], t[2], t[3]});
}

std::int64_t deconv_output_length(std::int64_t input, std::int64_t kernel, const std::string& padding,
                                  std::int64_t output_padding, std::int64_t stride, std::int64_t dilation) {
  if (input < 0) return -1;
  kernel = kernel + (kernel - 1) * (dilation - 1);
  if (output_padding < 0) return padding == "valid" ? input * stride + std::max<std::int64_t>(kernel - stride, 0)
                                                    : input * stride;
  const std::int64_t pad = padding == "same" ? kernel / 2 : 0;
  return (input - 1) * stride + kernel - 2 * pad + output_padding;
}

Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Conv2DTransposeOptions& o) {
  const char* op = "conv2d_transpose";
  check_floating(op, x);
  check_pair(op, x, kernel);
  if (x.rank() != 4 || kernel.rank() != 4 || kernel.shape()[3] != x.shape()[3])
    throw ShapeError("conv2d_transpose: expected an input (batch, height, width, channels) and a kernel (kernel_h, "
                     "kernel_w, filters, channels), got input shape " + shape_str(x) + ", kernel shape " +
                     shape_str(kernel));
  check_positive(op, "strides", o.strides, 2);
  check_positive(op, "dilation_rate", o.dilation_rate, 2);
  if (o.padding != "valid" && o.padding != "same")
    throw ValueError("conv2d_transpose: padding must be 'valid' or 'same', got '" + o.padding + "'");
  if (!o.output_padding.empty()) {
    bool ok = o.output_padding.size() == 2;
    for (std::size_t i = 0; ok && i < 2; ++i) ok = o.output_padding[i] >= 0 && o.output_padding[i] < o.strides[i];
    if (!ok)
      throw ValueError("conv2d_transpose: output_padding must be two non-negative integers smaller than the strides " +
                       list_str(o.strides) + ", got " + list_str(o.output_padding));
  }
  const Shape& s = x.shape();
  const Shape& k = kernel.shape();
  Shape out{s[0], 0, 0, k[2]};
  for (std::size_t i = 0; i < 2; ++i)
    out[i + 1] = deconv_output_length(s[i + 1], k[i], o.padding, o.output_padding.empty() ? -1 : o.output_padding[i],
                                      o.strides[i], o.dilation_rate[i]);
  return conv2d_backward_input(x, kernel, out,
                               {.strides = o.strides, .padding = o.padding, .dilation_rate = o.dilation_rate});
}

Tensor conv1d_transpose(const Tensor& x, const Tensor& kernel, const Conv2DTransposeOptions& o) {
  if (x.rank() != 3 || kernel.rank() != 3)
    throw ShapeError("conv1d_transpose: expected an input (batch, steps, channels) and a kernel (kernel_size, filters, "
                     "channels), got input shape " + shape_str(x) + ", kernel shape " + shape_str(kernel));
  auto widen = [](const std::vector<std::int64_t>& v, std::int64_t one) {
    return v.empty() ? v : std::vector<std::int64_t>{one, v[0]};
  };
  if (o.strides.size() != 1 || o.dilation_rate.size() != 1 || o.output_padding.size() > 1)
    throw ValueError("conv1d_transpose: strides, dilation_rate and output_padding must hold one value each, got " +
                     list_str(o.strides) + ", " + list_str(o.dilation_rate) + ", " + list_str(o.output_padding));
  const Shape& s = x.shape();
  const Shape& k = kernel.shape();
  const Tensor y = conv2d_transpose(reshape(x, Shape{s[0], 1, s[1], s[2]}), reshape(kernel, Shape{1, k[0], k[1], k[2]}),
                                    {.strides = widen(o.strides, 1),
                                     .padding = o.padding,
                                     .output_padding = widen(o.output_padding, 0),
                                     .dilation_rate = widen(o.dilation_rate, 1)});
  return reshape(y, Shape{s[0], y.shape()[2], y.shape()[3]});
}

Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& options) {
  if (x.rank() != 4 || kernel.rank() != 4 || kernel.shape()[2] != x.shape()[3])
    throw ShapeError("depthwise_conv2d: expected an input (batch, height, width, channels) and a kernel (kernel_h, "
                     "kernel_w, channels, depth_multiplier), got input shape " + shape_str(x) + ", kernel shape " +
                     shape_str(kernel));
  const Shape& k = kernel.shape();
  Conv2DOptions o = options;
  o.groups = x.shape()[3];
  // (kh, kw, C, M) row-major is (kh, kw, 1, C * M) with filter c * M + m: group c's filters.
  return conv2d(x, reshape(kernel, Shape{k[0], k[1], 1, k[2] * k[3]}), o);
}

namespace {

Tensor pool3d(const char* op, const Tensor& x, const Pool3DOptions& o, bool max) {
  check_floating(op, x);
  if (x.rank() != 5)
    throw ShapeError(std::string(op) + ": expected an input (batch, depth, height, width, channels), got shape " +
                     shape_str(x));
  check_positive(op, "pool_size", o.pool_size, 3);
  const std::vector<std::int64_t> strides = o.strides.empty() ? o.pool_size : o.strides;
  check_positive(op, "strides", strides, 3);
  const Shape& s = x.shape();
  auto pool = [max](const Tensor& t, const Pool2DOptions& p) { return max ? max_pool2d(t, p) : avg_pool2d(t, p); };
  Tensor y = pool(reshape(x, Shape{s[0] * s[1], s[2], s[3], s[4]}),
                  {.pool_size = {o.pool_size[1], o.pool_size[2]}, .strides = {strides[1], strides[2]}, .padding = o.padding});
  const std::int64_t h = y.shape()[1], w = y.shape()[2];
  y = pool(reshape(y, Shape{s[0], s[1], h * w, s[4]}),
           {.pool_size = {o.pool_size[0], 1}, .strides = {strides[0], 1}, .padding = o.padding});
  return reshape(y, Shape{s[0], y.shape()[1], h, w, s[4]});
}

}  // namespace

Tensor max_pool3d(const Tensor& x, const Pool3DOptions& options) { return pool3d("max_pool3d", x, options, true); }
Tensor avg_pool3d(const Tensor& x, const Pool3DOptions& options) { return pool3d("avg_pool3d", x, options, false); }

}  // namespace strata
