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

}  // namespace strata
