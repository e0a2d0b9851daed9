#pragma once
// Convolution and pooling on channels_last tensors, as tf.nn / keras.ops: conv2d on
// (batch, height, width, channels) with a kernel (kernel_h, kernel_w, channels / groups, filters),
// conv1d on (batch, steps, channels) with a kernel (kernel_size, channels / groups, filters), and
// max / average pooling. Padding "valid" (none), "same" (out = ceil(in / stride), extra padding
// below and right) or, for conv1d, "causal" (dilation * (kernel_size - 1) zeros on the left). Each is
// one backend kernel; the gradients are ops too (conv2d_backward_input, ...), so higher derivatives
// of convolutions come from the tape as well.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {

struct Conv2DOptions {
  std::vector<std::int64_t> strides = {1, 1};
  std::string padding = "valid";  // "valid", "same" (or "causal" along the width, for conv1d)
  std::vector<std::int64_t> dilation_rate = {1, 1};
  std::int64_t groups = 1;
};

struct Conv1DOptions {
  std::int64_t strides = 1;
  std::string padding = "valid";  // "valid", "same", "causal"
  std::int64_t dilation_rate = 1;
  std::int64_t groups = 1;
};

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& options = {});
// relu?(conv2d(x, kernel) + bias) in one kernel (the bias and relu run on each output tile while it
// is in cache, as Dense's dense_forward). bias may be undefined (none).
Tensor conv2d_forward(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool relu,
                      const Conv2DOptions& options = {});
Tensor conv1d(const Tensor& x, const Tensor& kernel, const Conv1DOptions& options = {});

// The gradients of conv2d: with respect to its input (of `input_shape`) given dy and the kernel,
// and with respect to its kernel (of `kernel_shape`) given x and dy.
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& kernel, const Shape& input_shape,
                             const Conv2DOptions& options = {});
Tensor conv2d_backward_kernel(const Tensor& x, const Tensor& dy, const Shape& kernel_shape,
                              const Conv2DOptions& options = {});

struct Pool2DOptions {
  std::vector<std::int64_t> pool_size = {2, 2};
  std::vector<std::int64_t> strides = {};  // pool_size when empty
  std::string padding = "valid";            // "valid" or "same"
};

// On (batch, height, width, channels). Average pooling with "same" padding divides by the number
// of input elements in each window (padding is not counted), as TensorFlow.
Tensor max_pool2d(const Tensor& x, const Pool2DOptions& options = {});
Tensor avg_pool2d(const Tensor& x, const Pool2DOptions& options = {});
// Their gradients with respect to x. max_pool2d_backward routes each dy element to the first
// largest element of its window; it is not differentiated again (a recording tape records nothing).
Tensor max_pool2d_backward(const Tensor& x, const Tensor& dy, const Pool2DOptions& options = {});
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& input_shape, const Pool2DOptions& options = {});

// --- composed of the ops above (their gradients come from those ops' rules) ---

// 3-D convolution on (batch, depth, height, width, channels) with a kernel
// (kernel_d, kernel_h, kernel_w, channels / groups, filters): one conv2d per kernel depth slice on the
// matching (strided, dilated) depth slices of the input, summed. Padding "valid" or "same".
struct Conv3DOptions {
  std::vector<std::int64_t> strides = {1, 1, 1};
  std::string padding = "valid";
  std::vector<std::int64_t> dilation_rate = {1, 1, 1};
  std::int64_t groups = 1;
};
Tensor conv3d(const Tensor& x, const Tensor& kernel, const Conv3DOptions& options = {});

// Transposed convolution (tf.nn.conv2d_transpose): the adjoint of conv2d, so its forward pass is
// conv2d_backward_input and its gradients are conv2d and conv2d_backward_kernel. x is
// (batch, height, width, in_channels), the kernel (kernel_h, kernel_w, filters, in_channels) as
// Keras's Conv2DTranspose; the output length of each axis is Keras's deconv_output_length:
// valid: in * stride + max(kernel - stride, 0); same: in * stride; with output_padding p:
// (in - 1) * stride + kernel - 2 * pad + p, pad = kernel / 2 (same) or 0 (valid), p < stride.
struct Conv2DTransposeOptions {
  std::vector<std::int64_t> strides = {1, 1};
  std::string padding = "valid";
  std::vector<std::int64_t> output_padding = {};  // empty: none
  std::vector<std::int64_t> dilation_rate = {1, 1};
};
Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Conv2DTransposeOptions& options = {});
// (batch, steps, in_channels) with a kernel (kernel_size, filters, in_channels): conv2d_transpose of
// height 1. `strides`, `output_padding` and `dilation_rate` hold one value (output_padding may be
// empty).
Tensor conv1d_transpose(const Tensor& x, const Tensor& kernel, const Conv2DTransposeOptions& options);
// Keras's deconv_output_length for one axis (-1 stays unknown; output_padding < 0: none).
std::int64_t deconv_output_length(std::int64_t input, std::int64_t kernel, const std::string& padding,
                                  std::int64_t output_padding, std::int64_t stride, std::int64_t dilation);

// Depthwise convolution (tf.nn.depthwise_conv2d): every input channel c convolved with its own
// kernel[:, :, c, m] for m < depth_multiplier, output channel c * depth_multiplier + m. The kernel is
// (kernel_h, kernel_w, channels, depth_multiplier); a grouped conv2d with groups = channels.
Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& options = {});

// 3-D pooling on (batch, depth, height, width, channels): pool2d over (height, width) of every depth
// slice, then over depth. Max and the mean over a box are separable (the mean's count of input
// elements in a clipped box is the product of the counts along each axis), so this equals Keras's
// MaxPooling3D / AveragePooling3D, padding not counted.
struct Pool3DOptions {
  std::vector<std::int64_t> pool_size = {2, 2, 2};
  std::vector<std::int64_t> strides = {};  // pool_size when empty
  std::string padding = "valid";
};
Tensor max_pool3d(const Tensor& x, const Pool3DOptions& options = {});
Tensor avg_pool3d(const Tensor& x, const Pool3DOptions& options = {});

}  // namespace strata
