#pragma once
// Tensors made from nothing: constants, ranges, identity matrices. They go to the default device.
#include "strata/framework/tensor.hpp"

namespace strata {

Tensor zeros(const Shape& shape, DType dtype = float32);
Tensor ones(const Shape& shape, DType dtype = float32);
Tensor full(const Shape& shape, double value, DType dtype = float32);
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
Tensor full_like(const Tensor& x, double value);
// A 0-d tensor holding `value`, of `dtype`, on `device` (e.g. scalar(2.5, float64)).
Tensor scalar(double value, DType dtype = float32, const Device& device = default_device());
// [start, stop) by step, as numpy.arange.
Tensor arange(double start, double stop, double step = 1.0, DType dtype = float32);
Tensor arange(std::int64_t stop, DType dtype = int64);
// `num` evenly spaced values from start to stop inclusive.
Tensor linspace(double start, double stop, std::int64_t num, DType dtype = float32);
// An n x m matrix with ones on the diagonal (m = n when m < 0).
Tensor eye(std::int64_t n, std::int64_t m = -1, DType dtype = float32);

}  // namespace strata
