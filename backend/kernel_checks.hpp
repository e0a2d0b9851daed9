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
// The unary ops defined on integers (negative, abs, sign, square and the identity roundings).
bool integer_unary_supported(UnaryOp op);
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
// softmax / log_softmax: returns x's shape split at the axis.
struct AxisSplit;
AxisSplit check_softmax(const In& x, int axis, bool log, const Out& out);
// ValueError on negative sizes or leading dimensions shorter than the rows they hold; an empty
// product (batch, m or n 0) passes whatever its leading dimensions.
void check_gemm(const GemmArgs& args);
void check_conv(const ConvArgs& args);
void check_pool(const PoolArgs& args);

// ValueError "<op>: axis <axis> is out of range for shape <shape>".
void check_axis(const char* op, int axis, const Shape& shape);
// gather / scatter_add: the axis, the dtypes (int32 or int64 indices), and the element count of the output (the updates)
// for indices.shape.num_elements() indices. The index values are each backend's to check.
AxisSplit check_gather(const In& x, const In& indices, int axis, const Out& out);
AxisSplit check_scatter_add(const In& updates, const In& indices, int axis, const Out& out);

// A shape seen around one axis: outer * n * inner elements (softmax, argmax, gather).
struct AxisSplit {
  std::int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, int axis);

// A reduction's input as groups of adjacent dimensions that are all reduced or all kept and
// contiguous with each other (size-1 dimensions dropped, so possibly none), outermost first.
struct ReduceGroup {
  std::int64_t size, stride;
  bool reduced;
};
std::vector<ReduceGroup> reduce_groups(const Shape& shape, const std::vector<int>& axes);

// The patch matrix of a convolution (im2col + GEMM on both backends).
struct ConvGeometry {
  std::int64_t pixels;  // out_h * out_w: rows of the patch matrix per sample
  std::int64_t cg, fg;  // channels and filters per group
  std::int64_t k;       // kernel_h * kernel_w * cg: columns of the patch matrix
  bool direct;          // 1x1, stride 1, no padding, one group: x is the patch matrix
};
ConvGeometry conv_geometry(const ConvArgs& args);

// The three GEMMs of an im2col convolution, the same on both backends, for the filters of `group`
// over the `samples` samples from `first`, with `patches` those samples' patch matrix (or x itself
// when direct; then group 0 and the whole batch). The backends differ only in how they fill the
// patch matrix and walk the batch.
// y_g = patches w_g (+ bias, relu).
template <class T>
GemmArgs conv_forward_gemm(const ConvArgs& a, const ConvGeometry& g, const T* patches, const T* w, T* y,
                           std::int64_t group, std::int64_t first, std::int64_t samples) {
  GemmArgs m;
  m.dtype = a.dtype;
  m.m = samples * g.pixels, m.n = g.fg, m.k = g.k;
  m.a = patches, m.lda = g.k;
  m.b = w + group * g.fg, m.ldb = a.filters;
  m.c = y + first * g.pixels * a.filters + group * g.fg, m.ldc = a.filters;
  m.bias = a.bias ? static_cast<const T*>(a.bias) + group * g.fg : nullptr;
  m.relu = a.relu;
  return m;
}
// dw_g (K, fg) = beta dw_g + patches^T (K, M) dy_g (M, fg).
template <class T>
GemmArgs conv_kernel_grad_gemm(const ConvArgs& a, const ConvGeometry& g, const T* patches, const T* dy, T* dw,
                               std::int64_t group, std::int64_t first, std::int64_t samples, double beta) {
  GemmArgs k;
  k.dtype = a.dtype;
  k.transpose_a = true;
  k.m = g.k, k.n = g.fg, k.k = samples * g.pixels;
  k.a = patches, k.lda = g.k;
  k.b = dy + first * g.pixels * a.filters + group * g.fg, k.ldb = a.filters;
  k.c = dw + group * g.fg, k.ldc = a.filters;
  k.beta = beta;
  return k;
}
// dpatches (M, K) = dy_g (M, fg) w_g^T (when direct, dpatches is dx).
template <class T>
GemmArgs conv_patch_grad_gemm(const ConvArgs& a, const ConvGeometry& g, const T* dy, const T* w, T* dpatches,
                              std::int64_t group, std::int64_t first, std::int64_t samples) {
  GemmArgs m;
  m.dtype = a.dtype;
  m.transpose_b = true;
  m.m = samples * g.pixels, m.n = g.k, m.k = g.fg;
  m.a = dy + first * g.pixels * a.filters + group * g.fg, m.lda = a.filters;
  m.b = w + group * g.fg, m.ldb = a.filters;
  m.c = dpatches, m.ldc = g.k;
  return m;
}
// The backward pass of a direct convolution (x is the patch matrix): two GEMMs over the batch.
template <class T>
void conv_direct_backward(Backend& be, const ConvArgs& a, const ConvGeometry& g, const T* x, const T* w, const T* dy,
                          T* dx, T* dw) {
  if (dx) be.gemm(conv_patch_grad_gemm(a, g, dy, w, dx, 0, 0, a.batch));
  if (dw) be.gemm(conv_kernel_grad_gemm(a, g, x, dy, dw, 0, 0, a.batch, 0.0));
}

// copy_strided's dimensions with size-1 ones dropped and those contiguous on both sides merged
// (at least one dimension). ValueError when the stride lists do not match the shape's rank.
struct StridedRuns {
  std::vector<std::int64_t> dims, src_strides, dst_strides;
};
StridedRuns merge_strided_dims(const StridedCopyArgs& args);

}  // namespace strata::backend
