#include "strata/framework/ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/op_support.hpp"

namespace strata {

using namespace detail;
using backend::ReduceOp;

std::vector<int> Axes::resolve(const Shape& shape, const char* op) const {
  std::vector<int> axes;
  if (all()) {
    for (int i = 0; i < shape.rank(); ++i) axes.push_back(i);
    return axes;
  }
  for (int a : *axes_) {
    if (a < -shape.rank() || a >= shape.rank())
      throw ValueError(std::string(op) + ": axis " + std::to_string(a) + " is out of range for a tensor of rank " +
                       std::to_string(shape.rank()) + " (shape " + shape.to_string() + ")");
    axes.push_back(a < 0 ? a + shape.rank() : a);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw ValueError(std::string(op) + ": repeated axis in the axes of a reduction over shape " + shape.to_string());
  return axes;
}

namespace {

Shape kept_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape kept = shape;
  for (int a : axes) kept[static_cast<std::size_t>(a)] = 1;
  return kept;
}

Shape dropped_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape dropped;
  for (int i = 0; i < shape.rank(); ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) dropped.push_back(shape[static_cast<std::size_t>(i)]);
  return dropped;
}

// Runs the reduction kernel; the result has the kept (keepdims) shape.
Tensor reduce_kernel(ReduceOp op, const char* name, const Tensor& x, const std::vector<int>& axes, DType out_dtype) {
  Tensor y = empty(kept_shape(x.shape(), axes), out_dtype, x.device());
  backend_of(x).reduce(op, x.impl()->in(), axes, y.impl()->out());
  return y;
}

Tensor finish(const Tensor& kept, const Shape& x_shape, const std::vector<int>& axes, bool keepdims) {
  return keepdims ? kept : reshape(kept, dropped_shape(x_shape, axes));
}

void check_numeric(const char* name, const Tensor& x) {
  check_defined(name, x);
  if (x.dtype() == DType::boolean)
    throw DTypeError(std::string(name) + ": not supported for bool tensors (shape " + shape_str(x) + "); cast first");
}

// sum, mean, max, min, prod: the kernel, then a backward rule in terms of the kept-shape result.
template <class Backward>
Tensor reduction(ReduceOp op, const char* name, const Tensor& x, const Axes& axes_spec, bool keepdims,
                 Backward backward) {
  check_numeric(name, x);
  auto axes = axes_spec.resolve(x.shape(), name);
  Tensor kept = reduce_kernel(op, name, x, axes, x.dtype());
  if (is_floating(x.dtype()))
    record_if(name, {x}, kept, [x = saved(x), kept, axes, backward](const Grads& g, const Needs&) -> Grads {
      return {backward(x, kept, g[0], axes)};
    });
  return finish(kept, x.shape(), axes, keepdims);
}

std::int64_t count_of(const Shape& shape, const std::vector<int>& axes) {
  std::int64_t n = 1;
  for (int a : axes) n *= shape[static_cast<std::size_t>(a)];
  return n;
}

// The gradient of max/min: shared equally among the elements equal to the extreme (as TF).
Tensor extreme_backward(const Tensor& x, const Tensor& kept, const Tensor& g, const std::vector<int>& axes) {
  Tensor hits = cast(equal(x, kept), x.dtype());
  return hits * (g / sum(hits, Axes(axes), true));
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduction(ReduceOp::sum, "sum", x, axes, keepdims,
                   [](const Tensor& x, const Tensor&, const Tensor& g, const std::vector<int>&) {
                     return broadcast_to(g, x.shape());
                   });
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduction(ReduceOp::mean, "mean", x, axes, keepdims,
                   [](const Tensor& x, const Tensor&, const Tensor& g, const std::vector<int>& axes) {
                     return broadcast_to(g / static_cast<double>(count_of(x.shape(), axes)), x.shape());
                   });
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduction(ReduceOp::max, "max", x, axes, keepdims, extreme_backward);
}

Tensor min(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduction(ReduceOp::min, "min", x, axes, keepdims, extreme_backward);
}

Tensor prod(const Tensor& x, const Axes& axes, bool keepdims) {
  // d prod / dx_i is the product of the other elements. Computed from the product of the nonzero
  // elements and the count of zeros, so that zeros in x do not turn it into 0/0.
  return reduction(ReduceOp::prod, "prod", x, axes, keepdims,
                   [](const Tensor& x, const Tensor&, const Tensor& g, const std::vector<int>& axes) {
                     Tensor is_zero = equal(x, zeros_like(x));
                     Tensor nonzero = where(is_zero, ones_like(x), x);
                     Tensor nonzero_prod = prod(nonzero, Axes(axes), true);
                     Tensor zero_count = sum(cast(is_zero, x.dtype()), Axes(axes), true);
                     Tensor no_zero = equal(zero_count, zeros_like(zero_count));
                     Tensor one_zero = equal(zero_count, ones_like(zero_count));
                     Tensor others = where(no_zero, nonzero_prod / nonzero,
                                           where(logical_and(one_zero, is_zero), broadcast_to(nonzero_prod, x.shape()),
                                                 zeros_like(x)));
                     return g * others;
                   });
}

Tensor logsumexp(const Tensor& x, const Axes& axes_spec, bool keepdims) {
  check_floating("logsumexp", x);
  auto axes = axes_spec.resolve(x.shape(), "logsumexp");
  // Shift by the maximum so exp cannot overflow; an infinite maximum shifts by zero instead.
  Tensor m = reduce_kernel(ReduceOp::max, "logsumexp", x, axes, x.dtype());  // not recorded: a constant
  m = where(abs(m) < INFINITY, m, zeros_like(m));
  Tensor kept = log(sum(exp(x - m), Axes(axes), true)) + m;
  return finish(kept, x.shape(), axes, keepdims);
}

namespace {
Tensor arg_extreme(ReduceOp op, const char* name, const Tensor& x, int axis, bool keepdims) {
  check_numeric(name, x);
  std::vector<int> axes{normalize_axis(axis, x.rank(), name, x.shape())};
  return finish(reduce_kernel(op, name, x, axes, DType::int64), x.shape(), axes, keepdims);
}
}  // namespace

Tensor argmax(const Tensor& x, int axis, bool keepdims) { return arg_extreme(ReduceOp::argmax, "argmax", x, axis, keepdims); }
Tensor argmin(const Tensor& x, int axis, bool keepdims) { return arg_extreme(ReduceOp::argmin, "argmin", x, axis, keepdims); }

}  // namespace strata
