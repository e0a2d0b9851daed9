#pragma once
// What every backend checks before it runs a kernel, and the op names its errors use, so that the
// CPU and CUDA backends (and a third-party one) raise the same errors with the same words. Plain
// C++ (the CUDA backend's .cu files include it too); host code only.
#include <cstdint>
#include <vector>

#include "strata/backend/backend.hpp"

namespace strata::backend {

// "negative", "add", "argmax", ...: the op's name in error messages (as the framework op's).
const char* unary_name(UnaryOp op);
const char* binary_name(BinaryOp op);
const char* reduce_name(ReduceOp op);
// Comparisons and logical ops write bool.
inline bool writes_bool(BinaryOp op) { return op >= BinaryOp::equal; }

// DTypeError "<op>: not supported for dtype <dtype> (expected <expected>)".
[[noreturn]] void unsupported_dtype(const char* op, DType dtype, const char* expected);
// DTypeError unless `actual` is `expected`: "<op>: <what> has dtype <actual>, expected <expected>".
void expect_dtype(const char* op, const char* what, DType actual, DType expected);

// The argument checks of the Backend entry points of the same name (ShapeError / DTypeError /
// ValueError naming the op). They check shapes and dtypes, not the op's support of a dtype.
void check_cast(const In& x, const Out& out);
void check_unary(UnaryOp op, const In& x, const Out& out);
void check_binary(BinaryOp op, const In& a, const In& b, const Out& out);
void check_where(const In& condition, const In& a, const In& b, const Out& out);
// Sorted unique axes within the rank, keepdims output shape, a numeric dtype, an output of x's
// dtype; argmax / argmin: exactly one axis and an int64 output.
void check_reduce(ReduceOp op, const In& x, const std::vector<int>& axes, const Out& out);
void check_softmax(const In& x, int axis, bool log, const Out& out);
void check_conv(const ConvArgs& args);
void check_pool(const PoolArgs& args);

// ValueError "<op>: axis <axis> is out of range for shape <shape>".
void check_axis(const char* op, int axis, const Shape& shape);
// gather / scatter_add: the axis, the dtypes (int32 or int64 indices), and the element count of the output (the updates)
// for indices.shape.num_elements() indices. The index values are each backend's to check.
struct AxisSplit;
AxisSplit check_gather(const In& x, const In& indices, int axis, const Out& out);
AxisSplit check_scatter_add(const In& updates, const In& indices, int axis, const Out& out);

// A shape seen around one axis: outer * n * inner elements (softmax, argmax, gather).
struct AxisSplit {
  std::int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, int axis);

// The patch matrix of a convolution (im2col + GEMM on both backends).
struct ConvGeometry {
  std::int64_t pixels;  // out_h * out_w: rows of the patch matrix per sample
  std::int64_t cg, fg;  // channels and filters per group
  std::int64_t k;       // kernel_h * kernel_w * cg: columns of the patch matrix
  bool direct;          // 1x1, stride 1, no padding, one group: x is the patch matrix
};
ConvGeometry conv_geometry(const ConvArgs& args);

// copy_strided's dimensions with size-1 ones dropped and those contiguous on both sides merged
// (at least one dimension). ValueError when the stride lists do not match the shape's rank.
struct StridedRuns {
  std::vector<std::int64_t> dims, src_strides, dst_strides;
};
StridedRuns merge_strided_dims(const StridedCopyArgs& args);

}  // namespace strata::backend
