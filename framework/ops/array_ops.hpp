#pragma once
// Ops that rearrange elements: reshape, transpose, concatenate, slice, gather, pad, ...
#include <cstdint>
#include <utility>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {

// A new shape with the same number of elements; one dimension may be -1 (inferred).
// Shares storage with x.
Tensor reshape(const Tensor& x, const Shape& shape);
// Collapses all but the first axis: (batch, ...) -> (batch, prod(...)).
Tensor flatten(const Tensor& x);
// Reverses the axes (matrix transpose for rank 2).
Tensor transpose(const Tensor& x);
// Axis i of the result is axis perm[i] of x.
Tensor transpose(const Tensor& x, const std::vector<int>& perm);
inline Tensor permute(const Tensor& x, const std::vector<int>& perm) { return transpose(x, perm); }
Tensor expand_dims(const Tensor& x, int axis);
// Removes the given size-1 axes, or every size-1 axis when `axes` is empty.
Tensor squeeze(const Tensor& x, const std::vector<int>& axes = {});
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor concat(const std::vector<Tensor>& tensors, int axis = 0);
Tensor stack(const std::vector<Tensor>& tensors, int axis = 0);
// `num` equal parts along `axis`.
std::vector<Tensor> split(const Tensor& x, int num, int axis = 0);
// Parts of the given sizes along `axis` (they must add up to the axis length).
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int axis = 0);
// x[..., start:stop:step, ...] along `axis`, Python-style (negative start/stop count from the end,
// step > 0).
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1);
// x taken at integer `indices` along `axis`; indices may have any shape.
Tensor gather(const Tensor& x, const Tensor& indices, int axis = 0);
// float32 (or `dtype`) vectors of length `depth`: on_value at each index, off_value elsewhere;
// an index outside [0, depth) gives an all-off row (as tf.one_hot).
Tensor one_hot(const Tensor& indices, std::int64_t depth, DType dtype = float32, double on_value = 1.0,
               double off_value = 0.0);
// Pads with `constant_value`: paddings[d] = {before, after} for every axis d.
Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings,
           double constant_value = 0.0);

}  // namespace strata
