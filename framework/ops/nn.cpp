#include "strata/framework/ops/nn.hpp"

#include <string>

#include "strata/backend/backend.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/op_support.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata {

using namespace detail;

namespace {

// Output length and padding before, along one axis.
struct Extent {
  std::int64_t out, pad_before;
};

Extent extent(const char* op, const std::string& padding, std::int64_t in, std::int64_t window, std::int64_t stride,
              std::int64_t dilation, bool causal_axis, const std::string& shapes) {
  const std::int64_t effective = (window - 1) * dilation + 1;
  if (padding == "valid" || (padding == "causal" && !causal_axis)) {
    if (in < effective)
      throw ShapeError(std::string(op) + ": the window (" + std::to_string(effective) +
                       " after dilation) is larger than the input (" + std::to_string(in) + ") with padding 'valid': " +
                       shapes);
    return {(in - effective) / stride + 1, 0};
  }
  if (padding == "same") {
    const std::int64_t out = (in + stride - 1) / stride;
    const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + effective - in, 0);
    return {out, total / 2};
  }
  if (padding == "causal") return {(in - 1) / stride + 1, effective - 1};
  throw ValueError(std::string(op) + ": padding must be 'valid', 'same' or 'causal', got '" + padding + "'");
}

backend::ConvArgs conv_args(const char* op, const Shape& x, const Shape& k, const Conv2DOptions& o, DType dtype) {
  const std::string shapes = "input shape " + x.to_string() + ", kernel shape " + k.to_string();
  if (x.rank() != 4 || k.rank() != 4)
    throw ShapeError(std::string(op) + ": expected an input (batch, height, width, channels) and a kernel "
                     "(kernel_h, kernel_w, channels / groups, filters), got " + shapes);
  check_positive(op, "strides", o.strides, 2);
  check_positive(op, "dilation_rate", o.dilation_rate, 2);
  if (o.groups <= 0) throw ValueError(std::string(op) + ": groups must be positive, got " + std::to_string(o.groups));
  if (k[2] * o.groups != x[3] || k[3] % o.groups != 0 || k[0] <= 0 || k[1] <= 0 || k[2] <= 0 || k[3] <= 0)
    throw ShapeError(std::string(op) + ": the kernel does not fit the input with groups=" + std::to_string(o.groups) +
                     " (kernel axis 2 must be channels / groups and filters a multiple of groups): " + shapes);
  backend::ConvArgs a;
  a.dtype = dtype;
  a.batch = x[0], a.in_h = x[1], a.in_w = x[2], a.in_channels = x[3];
  a.kernel_h = k[0], a.kernel_w = k[1], a.filters = k[3];
  a.stride_h = o.strides[0], a.stride_w = o.strides[1];
  a.dilation_h = o.dilation_rate[0], a.dilation_w = o.dilation_rate[1];
  a.groups = o.groups;
  const Extent h = extent(op, o.padding, a.in_h, a.kernel_h, a.stride_h, a.dilation_h, false, shapes);
  const Extent w = extent(op, o.padding, a.in_w, a.kernel_w, a.stride_w, a.dilation_w, true, shapes);
  a.out_h = h.out, a.pad_top = h.pad_before, a.out_w = w.out, a.pad_left = w.pad_before;
  return a;
}

Shape conv_output_shape(const backend::ConvArgs& a) { return Shape{a.batch, a.out_h, a.out_w, a.filters}; }

void check_dy(const char* op, const Tensor& dy, const Shape& expected) {
  if (dy.shape() != expected)
    throw ShapeError(std::string(op) + ": the output gradient has shape " + shape_str(dy) + ", expected " +
                     expected.to_string());
}

// The checks of both conv2d gradients: `a` floating, `b` of its dtype and device, and dy of the
// shape the forward convolution gives. Returns that convolution's arguments.
backend::ConvArgs conv_grad_args(const char* op, const Tensor& a, const Tensor& b, const Tensor& dy,
                                 const Shape& input_shape, const Shape& kernel_shape, const Conv2DOptions& options) {
  check_floating(op, a);
  check_pair(op, a, b);
  const backend::ConvArgs args = conv_args(op, input_shape, kernel_shape, options, a.dtype());
  check_dy(op, dy, conv_output_shape(args));
  return args;
}

backend::PoolArgs pool_args(const char* op, const Shape& x, const Pool2DOptions& o, DType dtype) {
  if (x.rank() != 4)
    throw ShapeError(std::string(op) + ": expected an input (batch, height, width, channels), got shape " +
                     x.to_string());
  check_positive(op, "pool_size", o.pool_size, 2);
  const std::vector<std::int64_t> strides = o.strides.empty() ? o.pool_size : o.strides;
  check_positive(op, "strides", strides, 2);
  if (o.padding != "valid" && o.padding != "same")
    throw ValueError(std::string(op) + ": padding must be 'valid' or 'same', got '" + o.padding + "'");
  const std::string shapes = "input shape " + x.to_string() + ", pool_size " + list_str(o.pool_size);
  backend::PoolArgs a;
  a.dtype = dtype;
  a.batch = x[0], a.in_h = x[1], a.in_w = x[2], a.channels = x[3];
  a.pool_h = o.pool_size[0], a.pool_w = o.pool_size[1], a.stride_h = strides[0], a.stride_w = strides[1];
  const Extent h = extent(op, o.padding, a.in_h, a.pool_h, a.stride_h, 1, false, shapes);
  const Extent w = extent(op, o.padding, a.in_w, a.pool_w, a.stride_w, 1, false, shapes);
  a.out_h = h.out, a.pad_top = h.pad_before, a.out_w = w.out, a.pad_left = w.pad_before;
  return a;
}

Shape pool_output_shape(const backend::PoolArgs& a) { return Shape{a.batch, a.out_h, a.out_w, a.channels}; }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& options) {
  check_floating("conv2d", x);
  check_pair("conv2d", x, kernel);
  const backend::ConvArgs args = conv_args("conv2d", x.shape(), kernel.shape(), options, x.dtype());
  Tensor y = empty(conv_output_shape(args), x.dtype(), x.device());
  backend_of(x).conv2d(args, x.impl()->data(), kernel.impl()->data(), y.impl()->data());
  record_if("conv2d", {x, kernel}, y, [x = saved(x), kernel = saved(kernel), options](const Grads& g, const Needs& need) {
    Grads r(2);
    if (need[0]) r[0] = conv2d_backward_input(g[0], kernel, x.shape(), options);
    if (need[1]) r[1] = conv2d_backward_kernel(x, g[0], kernel.shape(), options);
    return r;
  });
  return y;
}

Tensor conv2d_forward(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool relu, const Conv2DOptions& options) {
  check_floating("conv2d_forward", x);
  check_pair("conv2d_forward", x, kernel);
  if (bias.defined()) check_pair("conv2d_forward", x, bias);
  backend::ConvArgs args = conv_args("conv2d_forward", x.shape(), kernel.shape(), options, x.dtype());
  if (bias.defined() && (bias.rank() != 1 || bias.shape()[0] != args.filters))
    throw ShapeError("conv2d_forward: the bias has shape " + shape_str(bias) + ", expected (" +
                     std::to_string(args.filters) + ",) for kernel " + shape_str(kernel));
  args.bias = bias.defined() ? bias.impl()->data() : nullptr;
  args.relu = relu;
  Tensor y = empty(conv_output_shape(args), x.dtype(), x.device());
  backend_of(x).conv2d(args, x.impl()->data(), kernel.impl()->data(), y.impl()->data());
  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  record_if("conv2d_forward", inputs, y,
            [x = saved(x), kernel = saved(kernel), y, relu, has_bias = bias.defined(), options](const Grads& g,
                                                                                              const Needs& need) {
              Grads r(has_bias ? 3 : 2);
              const Tensor dz = relu ? multiply(g[0], cast(y > 0, y.dtype())) : g[0];
              if (need[0]) r[0] = conv2d_backward_input(dz, kernel, x.shape(), options);
              if (need[1]) r[1] = conv2d_backward_kernel(x, dz, kernel.shape(), options);
              if (has_bias && need[2]) r[2] = sum(dz, {0, 1, 2});
              return r;
            });
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& kernel, const Shape& input_shape,
                             const Conv2DOptions& options) {
  const char* op = "conv2d_backward_input";
  const backend::ConvArgs args = conv_grad_args(op, dy, kernel, dy, input_shape, kernel.shape(), options);
  Tensor dx = empty(input_shape, dy.dtype(), dy.device());
  backend_of(dy).conv2d_backward(args, nullptr, kernel.impl()->data(), dy.impl()->data(), dx.impl()->data(), nullptr);
  // Bilinear in (dy, kernel): the adjoints are the forward convolution and the kernel gradient.
  record_if(op, {dy, kernel}, dx, [dy = saved(dy), kernel = saved(kernel), options](const Grads& g, const Needs& need) {
    Grads r(2);
    if (need[0]) r[0] = conv2d(g[0], kernel, options);
    if (need[1]) r[1] = conv2d_backward_kernel(g[0], dy, kernel.shape(), options);
    return r;
  });
  return dx;
}

Tensor conv2d_backward_kernel(const Tensor& x, const Tensor& dy, const Shape& kernel_shape,
                              const Conv2DOptions& options) {
  const char* op = "conv2d_backward_kernel";
  const backend::ConvArgs args = conv_grad_args(op, x, dy, dy, x.shape(), kernel_shape, options);
  Tensor dk = empty(kernel_shape, x.dtype(), x.device());
  backend_of(x).conv2d_backward(args, x.impl()->data(), nullptr, dy.impl()->data(), nullptr, dk.impl()->data());
  record_if(op, {x, dy}, dk, [x = saved(x), dy = saved(dy), options](const Grads& g, const Needs& need) {
    Grads r(2);
    if (need[0]) r[0] = conv2d_backward_input(dy, g[0], x.shape(), options);
    if (need[1]) r[1] = conv2d(x, g[0], options);
    return r;
  });
  return dk;
}

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Conv1DOptions& options) {
  check_floating("conv1d", x);
  check_pair("conv1d", x, kernel);
  if (x.rank() != 3 || kernel.rank() != 3)
    throw ShapeError("conv1d: expected an input (batch, steps, channels) and a kernel (kernel_size, channels / groups, "
                     "filters), got input shape " + shape_str(x) + ", kernel shape " + shape_str(kernel));
  const Shape& s = x.shape();
  const Shape& k = kernel.shape();
  Tensor y = conv2d(reshape(x, Shape{s[0], 1, s[1], s[2]}), reshape(kernel, Shape{1, k[0], k[1], k[2]}),
                    {.strides = {1, options.strides},
                     .padding = options.padding,
                     .dilation_rate = {1, options.dilation_rate},
                     .groups = options.groups});
  return reshape(y, Shape{s[0], y.shape()[2], y.shape()[3]});
}

Tensor max_pool2d(const Tensor& x, const Pool2DOptions& options) {
  check_floating("max_pool2d", x);
  const backend::PoolArgs args = pool_args("max_pool2d", x.shape(), options, x.dtype());
  Tensor y = empty(pool_output_shape(args), x.dtype(), x.device());
  backend_of(x).pool2d(backend::PoolOp::max, args, x.impl()->data(), y.impl()->data());
  record_if("max_pool2d", {x}, y, [x = saved(x), options](const Grads& g, const Needs&) -> Grads {
    return {max_pool2d_backward(x, g[0], options)};
  });
  return y;
}

Tensor max_pool2d_backward(const Tensor& x, const Tensor& dy, const Pool2DOptions& options) {
  const char* op = "max_pool2d_backward";
  check_floating(op, x);
  check_pair(op, x, dy);
  const backend::PoolArgs args = pool_args(op, x.shape(), options, x.dtype());
  check_dy(op, dy, pool_output_shape(args));
  Tensor dx = empty(x.shape(), x.dtype(), x.device());
  backend_of(x).pool2d_backward(backend::PoolOp::max, args, x.impl()->data(), dy.impl()->data(), dx.impl()->data());
  return dx;
}

Tensor avg_pool2d(const Tensor& x, const Pool2DOptions& options) {
  check_floating("avg_pool2d", x);
  const backend::PoolArgs args = pool_args("avg_pool2d", x.shape(), options, x.dtype());
  Tensor y = empty(pool_output_shape(args), x.dtype(), x.device());
  backend_of(x).pool2d(backend::PoolOp::average, args, x.impl()->data(), y.impl()->data());
  record_if("avg_pool2d", {x}, y, [shape = x.shape(), options](const Grads& g, const Needs&) -> Grads {
    return {avg_pool2d_backward(g[0], shape, options)};
  });
  return y;
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& input_shape, const Pool2DOptions& options) {
  const char* op = "avg_pool2d_backward";
  check_floating(op, dy);
  const backend::PoolArgs args = pool_args(op, input_shape, options, dy.dtype());
  check_dy(op, dy, pool_output_shape(args));
  Tensor dx = empty(input_shape, dy.dtype(), dy.device());
  backend_of(dy).pool2d_backward(backend::PoolOp::average, args, nullptr, dy.impl()->data(), dx.impl()->data());
  // Linear in dy: its adjoint is the pooling itself.
  record_if(op, {dy}, dx, [options](const Grads& g, const Needs&) -> Grads { return {avg_pool2d(g[0], options)}; });
  return dx;
}

}  // namespace strata
