#include "strata/backend/kernel_checks.hpp"

#include <algorithm>
#include <string>

#include "strata/framework/errors.hpp"

namespace strata::backend {

const char* unary_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::negative: return "negative";
    case UnaryOp::abs: return "abs";
    case UnaryOp::sign: return "sign";
    case UnaryOp::square: return "square";
    case UnaryOp::sqrt: return "sqrt";
    case UnaryOp::rsqrt: return "rsqrt";
    case UnaryOp::reciprocal: return "reciprocal";
    case UnaryOp::exp: return "exp";
    case UnaryOp::expm1: return "expm1";
    case UnaryOp::log: return "log";
    case UnaryOp::log1p: return "log1p";
    case UnaryOp::sin: return "sin";
    case UnaryOp::cos: return "cos";
    case UnaryOp::tanh: return "tanh";
    case UnaryOp::sigmoid: return "sigmoid";
    case UnaryOp::erf: return "erf";
    case UnaryOp::floor: return "floor";
    case UnaryOp::ceil: return "ceil";
    case UnaryOp::round: return "round";
    case UnaryOp::relu: return "relu";
    case UnaryOp::relu6: return "relu6";
    case UnaryOp::leaky_relu: return "leaky_relu";
    case UnaryOp::elu: return "elu";
    case UnaryOp::selu: return "selu";
    case UnaryOp::softplus: return "softplus";
    case UnaryOp::softsign: return "softsign";
    case UnaryOp::gelu: return "gelu";
    case UnaryOp::gelu_tanh: return "gelu_tanh";
    case UnaryOp::hard_sigmoid: return "hard_sigmoid";
    case UnaryOp::swish: return "swish";
    case UnaryOp::logical_not: return "logical_not";
  }
  return "unary";
}

bool integer_unary_supported(UnaryOp op) {
  switch (op) {
    case UnaryOp::negative:
    case UnaryOp::abs:
    case UnaryOp::sign:
    case UnaryOp::square:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round: return true;
    default: return false;
  }
}

const char* binary_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "add";
    case BinaryOp::subtract: return "subtract";
    case BinaryOp::multiply: return "multiply";
    case BinaryOp::divide: return "divide";
    case BinaryOp::pow: return "pow";
    case BinaryOp::maximum: return "maximum";
    case BinaryOp::minimum: return "minimum";
    case BinaryOp::equal: return "equal";
    case BinaryOp::not_equal: return "not_equal";
    case BinaryOp::less: return "less";
    case BinaryOp::less_equal: return "less_equal";
    case BinaryOp::greater: return "greater";
    case BinaryOp::greater_equal: return "greater_equal";
    case BinaryOp::logical_and: return "logical_and";
    case BinaryOp::logical_or: return "logical_or";
    case BinaryOp::logical_xor: return "logical_xor";
  }
  return "binary";
}

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return "sum";
    case ReduceOp::mean: return "mean";
    case ReduceOp::max: return "max";
    case ReduceOp::min: return "min";
    case ReduceOp::prod: return "prod";
    case ReduceOp::argmax: return "argmax";
    case ReduceOp::argmin: return "argmin";
  }
  return "reduce";
}

void unsupported_dtype(const char* op, DType dtype, const char* expected) {
  throw DTypeError(std::string(op) + ": not supported for dtype " + std::string(dtype_name(dtype)) + " (expected " +
                   expected + ")");
}

void expect_dtype(const char* op, const char* what, DType actual, DType expected) {
  if (actual != expected)
    throw DTypeError(std::string(op) + ": " + what + " has dtype " + std::string(dtype_name(actual)) + ", expected " +
                     std::string(dtype_name(expected)));
}

void check_cast(const In& x, const Out& out) {
  if (out.shape.num_elements() != x.shape.num_elements())
    throw ShapeError("cast: output shape " + out.shape.to_string() + " differs from input shape " + x.shape.to_string());
}

void check_unary(UnaryOp op, const In& x, const Out& out) {
  const char* name = unary_name(op);
  if (x.shape.num_elements() != out.shape.num_elements())
    throw ShapeError(std::string(name) + ": output shape " + out.shape.to_string() + " differs from input shape " +
                     x.shape.to_string());
  expect_dtype(name, "the output", out.dtype, op == UnaryOp::logical_not ? DType::boolean : x.dtype);
}

void check_binary(BinaryOp op, const In& a, const In& b, const Out& out) {
  const char* name = binary_name(op);
  if (a.dtype != b.dtype)
    throw DTypeError(std::string(name) + ": operands have different dtypes " + std::string(dtype_name(a.dtype)) +
                     " and " + std::string(dtype_name(b.dtype)));
  expect_dtype(name, "the output", out.dtype, writes_bool(op) ? DType::boolean : a.dtype);
}

void check_where(const In& condition, const In& a, const In& b, const Out& out) {
  expect_dtype("where", "the condition", condition.dtype, DType::boolean);
  if (a.dtype != b.dtype)
    throw DTypeError("where: the two branches have different dtypes " + std::string(dtype_name(a.dtype)) + " and " +
                     std::string(dtype_name(b.dtype)));
  expect_dtype("where", "the output", out.dtype, a.dtype);
}

void check_reduce(ReduceOp op, const In& x, const std::vector<int>& axes, const Out& out) {
  const char* name = reduce_name(op);
  const int rank = x.shape.rank();
  for (std::size_t i = 0; i < axes.size(); ++i)
    if (axes[i] < 0 || axes[i] >= rank || (i && axes[i] <= axes[i - 1]))
      throw ValueError(std::string(name) + ": axes must be sorted, unique and within the rank " +
                       std::to_string(rank) + " of shape " + x.shape.to_string());
  Shape expected = x.shape;
  for (int a : axes) expected[static_cast<std::size_t>(a)] = 1;
  if (!(out.shape == expected))
    throw ShapeError(std::string(name) + ": output shape " + out.shape.to_string() + " should be " +
                     expected.to_string() + " for input shape " + x.shape.to_string());
  if (x.dtype == DType::boolean) unsupported_dtype(name, x.dtype, "a numeric dtype");
  if (op == ReduceOp::argmax || op == ReduceOp::argmin) {
    if (axes.size() != 1)
      throw ValueError(std::string(name) + ": reduces exactly one axis, got " + std::to_string(axes.size()));
    expect_dtype(name, "the output", out.dtype, DType::int64);
  } else {
    expect_dtype(name, "the output", out.dtype, x.dtype);
  }
}

AxisSplit check_softmax(const In& x, int axis, bool log, const Out& out) {
  const char* name = log ? "log_softmax" : "softmax";
  if (axis < 0 || axis >= x.shape.rank())
    throw ValueError(std::string(name) + ": axis " + std::to_string(axis) + " is out of range for shape " +
                     x.shape.to_string());
  if (!(out.shape == x.shape))
    throw ShapeError(std::string(name) + ": output shape " + out.shape.to_string() + " differs from input shape " +
                     x.shape.to_string());
  expect_dtype(name, "the output", out.dtype, x.dtype);
  return split_at(x.shape, axis);
}

void check_gemm(const GemmArgs& g) {
  if (g.batch < 0 || g.m < 0 || g.n < 0 || g.k < 0)
    throw ValueError("gemm: negative sizes (batch " + std::to_string(g.batch) + ", m " + std::to_string(g.m) + ", n " +
                     std::to_string(g.n) + ", k " + std::to_string(g.k) + ")");
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  const std::int64_t a_cols = g.transpose_a ? g.m : g.k;
  const std::int64_t b_cols = g.transpose_b ? g.k : g.n;
  if (g.k > 0 && (g.lda < std::max<std::int64_t>(1, a_cols) || g.ldb < std::max<std::int64_t>(1, b_cols)))
    throw ValueError("gemm: leading dimensions lda " + std::to_string(g.lda) + " / ldb " + std::to_string(g.ldb) +
                     " are smaller than the row lengths " + std::to_string(a_cols) + " / " + std::to_string(b_cols));
  if (g.ldc < g.n)
    throw ValueError("gemm: ldc " + std::to_string(g.ldc) + " is smaller than n " + std::to_string(g.n));
}

void check_conv(const ConvArgs& a) {
  auto positive = [](std::int64_t v) { return v > 0; };
  if (a.batch < 0 || a.in_h < 0 || a.in_w < 0 || a.out_h < 0 || a.out_w < 0 || !positive(a.in_channels) ||
      !positive(a.filters) || !positive(a.kernel_h) || !positive(a.kernel_w) || !positive(a.stride_h) ||
      !positive(a.stride_w) || !positive(a.dilation_h) || !positive(a.dilation_w) || !positive(a.groups) ||
      a.pad_top < 0 || a.pad_left < 0 || a.in_channels % a.groups != 0 || a.filters % a.groups != 0)
    throw ValueError("conv2d: invalid arguments (batch " + std::to_string(a.batch) + ", input " +
                     std::to_string(a.in_h) + "x" + std::to_string(a.in_w) + "x" + std::to_string(a.in_channels) +
                     ", kernel " + std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w) + ", filters " +
                     std::to_string(a.filters) + ", groups " + std::to_string(a.groups) + ")");
}

void check_pool(const PoolArgs& a) {
  if (a.batch < 0 || a.in_h < 0 || a.in_w < 0 || a.channels < 0 || a.out_h < 0 || a.out_w < 0 || a.pool_h <= 0 ||
      a.pool_w <= 0 || a.stride_h <= 0 || a.stride_w <= 0 || a.pad_top < 0 || a.pad_left < 0)
    throw ValueError("pool2d: invalid arguments (input " + std::to_string(a.in_h) + "x" + std::to_string(a.in_w) +
                     ", pool " + std::to_string(a.pool_h) + "x" + std::to_string(a.pool_w) + ", strides " +
                     std::to_string(a.stride_h) + "x" + std::to_string(a.stride_w) + ")");
}

AxisSplit split_at(const Shape& shape, int axis) {
  AxisSplit s;
  for (int d = 0; d < axis; ++d) s.outer *= shape[static_cast<std::size_t>(d)];
  s.n = shape[static_cast<std::size_t>(axis)];
  for (int d = axis + 1; d < shape.rank(); ++d) s.inner *= shape[static_cast<std::size_t>(d)];
  return s;
}

void check_axis(const char* op, int axis, const Shape& shape) {
  if (axis < 0 || axis >= shape.rank())
    throw ValueError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for shape " +
                     shape.to_string());
}

namespace {
void check_index_dtype(const char* op, DType dtype) {
  if (dtype != DType::int32 && dtype != DType::int64)
    throw DTypeError(std::string(op) + ": indices must be int32 or int64, got " + std::string(dtype_name(dtype)));
}

// What gather and scatter_add both check: the axis of the indexed shape, the dtype of the values
// moved (`what`) against the indexed tensor's, and the indices' dtype.
AxisSplit check_indexed(const char* op, const Shape& indexed, DType indexed_dtype, int axis, const char* what,
                        DType values_dtype, DType indices_dtype) {
  check_axis(op, axis, indexed);
  expect_dtype(op, what, values_dtype, indexed_dtype);
  check_index_dtype(op, indices_dtype);
  return split_at(indexed, axis);
}
}  // namespace

AxisSplit check_gather(const In& x, const In& indices, int axis, const Out& out) {
  const AxisSplit s = check_indexed("gather", x.shape, x.dtype, axis, "the output", out.dtype, indices.dtype);
  const std::int64_t count = indices.shape.num_elements();
  if (out.shape.num_elements() != s.outer * count * s.inner)
    throw ShapeError("gather: output shape " + out.shape.to_string() + " does not hold " +
                     std::to_string(s.outer * count * s.inner) + " elements");
  return s;
}

AxisSplit check_scatter_add(const In& updates, const In& indices, int axis, const Out& out) {
  const AxisSplit s =
      check_indexed("scatter_add", out.shape, out.dtype, axis, "the updates", updates.dtype, indices.dtype);
  const std::int64_t count = indices.shape.num_elements();
  if (updates.shape.num_elements() != s.outer * count * s.inner)
    throw ShapeError("scatter_add: updates of shape " + updates.shape.to_string() + " do not match " +
                     std::to_string(count) + " indices into shape " + out.shape.to_string() + " along axis " +
                     std::to_string(axis));
  return s;
}

std::vector<ReduceGroup> reduce_groups(const Shape& shape, const std::vector<int>& axes) {
  std::vector<ReduceGroup> dims, groups;
  std::int64_t stride = 1;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const auto extent = shape[static_cast<std::size_t>(d)];
    if (extent != 1) dims.push_back({extent, stride, std::binary_search(axes.begin(), axes.end(), d)});
    stride *= extent;
  }
  std::reverse(dims.begin(), dims.end());
  for (const auto& g : dims) {
    if (!groups.empty() && groups.back().reduced == g.reduced && groups.back().stride == g.stride * g.size) {
      groups.back().size *= g.size;
      groups.back().stride = g.stride;
    } else {
      groups.push_back(g);
    }
  }
  return groups;
}

ConvGeometry conv_geometry(const ConvArgs& a) {
  ConvGeometry g;
  g.pixels = a.out_h * a.out_w;
  g.cg = a.in_channels / a.groups;
  g.fg = a.filters / a.groups;
  g.k = a.kernel_h * a.kernel_w * g.cg;
  g.direct = a.kernel_h == 1 && a.kernel_w == 1 && a.stride_h == 1 && a.stride_w == 1 && a.pad_top == 0 &&
             a.pad_left == 0 && a.groups == 1 && a.out_h == a.in_h && a.out_w == a.in_w;
  return g;
}

StridedRuns merge_strided_dims(const StridedCopyArgs& args) {
  const int rank = args.shape.rank();
  if (static_cast<int>(args.src_strides.size()) != rank || static_cast<int>(args.dst_strides.size()) != rank)
    throw ValueError("copy_strided: " + std::to_string(args.src_strides.size()) + " source and " +
                     std::to_string(args.dst_strides.size()) + " destination strides for shape " +
                     args.shape.to_string());
  StridedRuns r;
  for (int d = 0; d < rank; ++d) {
    const auto extent = args.shape[static_cast<std::size_t>(d)];
    if (extent == 1) continue;
    const auto ss = args.src_strides[static_cast<std::size_t>(d)], ds = args.dst_strides[static_cast<std::size_t>(d)];
    if (!r.dims.empty() && r.src_strides.back() == ss * extent && r.dst_strides.back() == ds * extent) {
      r.dims.back() *= extent;
      r.src_strides.back() = ss;
      r.dst_strides.back() = ds;
    } else {
      r.dims.push_back(extent);
      r.src_strides.push_back(ss);
      r.dst_strides.push_back(ds);
    }
  }
  if (r.dims.empty()) r.dims = {1}, r.src_strides = {1}, r.dst_strides = {1};
  return r;
}

}  // namespace strata::backend
