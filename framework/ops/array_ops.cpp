#include "strata/framework/ops/array_ops.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/op_support.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata {

using namespace detail;

namespace {

using Strides = std::vector<std::int64_t>;

// dst[dst_offset + i . dst_strides] = src[src_offset + i . src_strides] for every index i of `shape`.
void strided_copy(const Tensor& src, std::int64_t src_offset, Strides src_strides, const Tensor& dst,
                  std::int64_t dst_offset, Strides dst_strides, const Shape& shape) {
  if (shape.num_elements() == 0) return;
  backend::StridedCopyArgs args;
  args.dtype = src.dtype();
  args.shape = shape;
  args.src = src.impl()->data();
  args.src_offset = src_offset;
  args.src_strides = std::move(src_strides);
  args.dst = dst.impl()->data();
  args.dst_offset = dst_offset;
  args.dst_strides = std::move(dst_strides);
  backend_of(src).copy_strided(args);
}

std::string shapes_str(const std::vector<Tensor>& tensors) {
  std::string s;
  for (const auto& t : tensors) s += (s.empty() ? "" : ", ") + shape_str(t);
  return s;
}

// The elements of `x` in the box [begin, begin + shape) (the adjoint of pad).
Tensor crop(const Tensor& x, const std::vector<std::int64_t>& begin, const Shape& shape);

// A tensor of `full_shape` holding `x` at [begin, begin + x.shape) and `value` elsewhere.
Tensor place(const Tensor& x, const Shape& full_shape, const std::vector<std::int64_t>& begin, double value) {
  Tensor y = empty(full_shape, x.dtype(), x.device());
  backend_of(x).fill(y.impl()->out(), value);
  auto strides = contiguous_strides(full_shape);
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < begin.size(); ++d) offset += begin[d] * strides[d];
  strided_copy(x, 0, contiguous_strides(x.shape()), y, offset, strides, x.shape());
  if (is_floating(x.dtype()))
    record_if("pad", {x}, y, [begin, shape = x.shape()](const Grads& g, const Needs&) -> Grads {
      return {crop(g[0], begin, shape)};
    });
  return y;
}

Tensor crop(const Tensor& x, const std::vector<std::int64_t>& begin, const Shape& shape) {
  Tensor y = empty(shape, x.dtype(), x.device());
  auto strides = contiguous_strides(x.shape());
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < begin.size(); ++d) offset += begin[d] * strides[d];
  strided_copy(x, offset, strides, y, 0, contiguous_strides(shape), shape);
  if (is_floating(x.dtype()))
    record_if("crop", {x}, y, [begin, full = x.shape()](const Grads& g, const Needs&) -> Grads {
      return {place(g[0], full, begin, 0.0)};
    });
  return y;
}

// The adjoint of a strided slice: zeros of `full_shape` with g written at start, start+step, ...
Tensor slice_backward(const Tensor& g, const Shape& full_shape, int axis, std::int64_t start, std::int64_t step) {
  Tensor y = empty(full_shape, g.dtype(), g.device());
  backend_of(g).fill(y.impl()->out(), 0.0);
  auto strides = contiguous_strides(full_shape);
  auto dst_strides = strides;
  dst_strides[static_cast<std::size_t>(axis)] *= step;
  strided_copy(g, 0, contiguous_strides(g.shape()), y, start * strides[static_cast<std::size_t>(axis)], dst_strides,
               g.shape());
  const std::int64_t stop = start + g.shape()[static_cast<std::size_t>(axis)] * step;
  record_if("slice_backward", {g}, y, [axis, start, stop, step](const Grads& gg, const Needs&) -> Grads {
    return {slice(gg[0], axis, start, stop, step)};
  });
  return y;
}

Tensor gather_backward(const Tensor& g, const Tensor& indices, int axis, const Shape& x_shape) {
  Tensor y = empty(x_shape, g.dtype(), g.device());
  backend_of(g).fill(y.impl()->out(), 0.0);
  backend_of(g).scatter_add(g.impl()->in(), indices.impl()->in(), axis, y.impl()->out());
  record_if("gather_backward", {g}, y, [indices, axis](const Grads& gg, const Needs&) -> Grads {
    return {gather(gg[0], indices, axis)};
  });
  return y;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined("reshape", x);
  Shape target = shape;
  int unknown = -1;
  std::int64_t known = 1;
  for (int i = 0; i < target.rank(); ++i) {
    const auto d = target[static_cast<std::size_t>(i)];
    if (d == -1 && unknown < 0) {
      unknown = i;
    } else if (d < 0) {
      throw ShapeError("reshape: invalid target shape " + shape.to_string() + " for a tensor of shape " + shape_str(x) +
                       ": only one dimension may be -1, and none may be negative otherwise");
    } else {
      known *= d;
    }
  }
  if (unknown >= 0) {
    if (known == 0 || x.size() % known != 0)
      throw ShapeError("reshape: cannot reshape a tensor of shape " + shape_str(x) + " (" + std::to_string(x.size()) +
                       " elements) into shape " + shape.to_string());
    target[static_cast<std::size_t>(unknown)] = x.size() / known;
  }
  if (target.num_elements() != x.size())
    throw ShapeError("reshape: cannot reshape a tensor of shape " + shape_str(x) + " (" + std::to_string(x.size()) +
                     " elements) into shape " + shape.to_string() + " (" + std::to_string(target.num_elements()) +
                     " elements)");
  if (target == x.shape()) return x;
  Tensor y = alias(x, target);
  if (is_floating(x.dtype()))
    record_if("reshape", {x}, y, [from = x.shape()](const Grads& g, const Needs&) -> Grads { return {reshape(g[0], from)}; });
  return y;
}

Tensor flatten(const Tensor& x) {
  check_defined("flatten", x);
  if (x.rank() < 1) throw ShapeError("flatten: expected a tensor of rank >= 1, got shape " + shape_str(x));
  std::int64_t rest = 1;
  for (int i = 1; i < x.rank(); ++i) rest *= x.shape()[static_cast<std::size_t>(i)];
  return reshape(x, Shape{x.shape()[0], rest});
}

Tensor transpose(const Tensor& x) {
  check_defined("transpose", x);
  std::vector<int> perm(static_cast<std::size_t>(x.rank()));
  std::iota(perm.rbegin(), perm.rend(), 0);
  return transpose(x, perm);
}

Tensor transpose(const Tensor& x, const std::vector<int>& perm) {
  check_defined("transpose", x);
  const int rank = x.rank();
  std::vector<int> resolved;
  std::vector<bool> seen(static_cast<std::size_t>(rank), false);
  for (int p : perm) {
    const int a = p < 0 ? p + rank : p;
    if (a < 0 || a >= rank || seen[static_cast<std::size_t>(a)]) {
      std::string list;
      for (int q : perm) list += (list.empty() ? "" : ", ") + std::to_string(q);
      throw ValueError("transpose: perm [" + list + "] is not a permutation of the axes of a tensor of shape " +
                       shape_str(x));
    }
    seen[static_cast<std::size_t>(a)] = true;
    resolved.push_back(a);
  }
  if (static_cast<int>(resolved.size()) != rank)
    throw ValueError("transpose: perm has " + std::to_string(perm.size()) + " axes but the tensor has shape " +
                     shape_str(x));
  bool identity = true;
  for (int i = 0; i < rank; ++i) identity = identity && resolved[static_cast<std::size_t>(i)] == i;
  if (identity) return x;
  auto x_strides = contiguous_strides(x.shape());
  Shape shape;
  Strides src_strides;
  for (int a : resolved) {
    shape.push_back(x.shape()[static_cast<std::size_t>(a)]);
    src_strides.push_back(x_strides[static_cast<std::size_t>(a)]);
  }
  Tensor y = empty(shape, x.dtype(), x.device());
  strided_copy(x, 0, src_strides, y, 0, contiguous_strides(shape), shape);
  if (is_floating(x.dtype()))
    record_if("transpose", {x}, y, [resolved](const Grads& g, const Needs&) -> Grads {
      std::vector<int> inverse(resolved.size());
      for (std::size_t i = 0; i < resolved.size(); ++i) inverse[static_cast<std::size_t>(resolved[i])] = static_cast<int>(i);
      return {transpose(g[0], inverse)};
    });
  return y;
}

Tensor expand_dims(const Tensor& x, int axis) {
  check_defined("expand_dims", x);
  const int rank = x.rank();
  if (axis < -(rank + 1) || axis > rank)
    throw ValueError("expand_dims: axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                     std::to_string(rank) + " (shape " + shape_str(x) + ")");
  const int a = axis < 0 ? axis + rank + 1 : axis;
  std::vector<std::int64_t> dims = x.shape().dims();
  dims.insert(dims.begin() + a, 1);
  return reshape(x, Shape(dims));
}

Tensor squeeze(const Tensor& x, const std::vector<int>& axes) {
  check_defined("squeeze", x);
  std::vector<bool> drop(static_cast<std::size_t>(x.rank()), false);
  if (axes.empty()) {
    for (int i = 0; i < x.rank(); ++i) drop[static_cast<std::size_t>(i)] = x.shape()[static_cast<std::size_t>(i)] == 1;
  } else {
    for (int axis : axes) {
      const int a = normalize_axis(axis, x.rank(), "squeeze", x.shape());
      if (x.shape()[static_cast<std::size_t>(a)] != 1)
        throw ValueError("squeeze: cannot squeeze axis " + std::to_string(axis) + " of a tensor of shape " + shape_str(x) +
                         ": its size is " + std::to_string(x.shape()[static_cast<std::size_t>(a)]) + ", not 1");
      drop[static_cast<std::size_t>(a)] = true;
    }
  }
  Shape shape;
  for (int i = 0; i < x.rank(); ++i)
    if (!drop[static_cast<std::size_t>(i)]) shape.push_back(x.shape()[static_cast<std::size_t>(i)]);
  return reshape(x, shape);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  check_defined("broadcast_to", x);
  bool ok = x.rank() <= shape.rank();
  Strides src_strides(shape.size(), 0);
  auto x_strides = contiguous_strides(x.shape());
  for (int i = 0; ok && i < x.rank(); ++i) {
    const auto xi = static_cast<std::size_t>(i), si = static_cast<std::size_t>(shape.rank() - x.rank() + i);
    if (x.shape()[xi] == shape[si])
      src_strides[si] = x.shape()[xi] == 1 ? 0 : x_strides[xi];
    else
      ok = x.shape()[xi] == 1;
  }
  if (!ok) throw ShapeError("broadcast_to: cannot broadcast a tensor of shape " + shape_str(x) + " to shape " + shape.to_string());
  if (x.shape() == shape) return x;
  Tensor y = empty(shape, x.dtype(), x.device());
  strided_copy(x, 0, src_strides, y, 0, contiguous_strides(shape), shape);
  if (is_floating(x.dtype()))
    record_if("broadcast_to", {x}, y, [from = x.shape()](const Grads& g, const Needs&) -> Grads {
      return {sum_to_shape(g[0], from)};
    });
  return y;
}

Tensor concat(const std::vector<Tensor>& tensors, int axis) {
  if (tensors.empty()) throw ValueError("concat: expected at least one tensor, got none");
  const Tensor& first = tensors.front();
  for (const auto& t : tensors) check_pair("concat", first, t);
  const int a = normalize_axis(axis, first.rank(), "concat", first.shape());
  Shape shape = first.shape();
  std::int64_t total = 0;
  for (const auto& t : tensors) {
    bool same = t.rank() == first.rank();
    for (int d = 0; same && d < first.rank(); ++d)
      same = d == a || t.shape()[static_cast<std::size_t>(d)] == first.shape()[static_cast<std::size_t>(d)];
    if (!same)
      throw ShapeError("concat: shapes must match except along axis " + std::to_string(axis) + ", got " +
                       shapes_str(tensors));
    total += t.shape()[static_cast<std::size_t>(a)];
  }
  shape[static_cast<std::size_t>(a)] = total;
  Tensor y = empty(shape, first.dtype(), first.device());
  auto y_strides = contiguous_strides(shape);
  std::int64_t offset = 0;
  std::vector<std::int64_t> sizes;
  for (const auto& t : tensors) {
    strided_copy(t, 0, contiguous_strides(t.shape()), y, offset * y_strides[static_cast<std::size_t>(a)], y_strides,
                 t.shape());
    sizes.push_back(t.shape()[static_cast<std::size_t>(a)]);
    offset += sizes.back();
  }
  if (is_floating(y.dtype()))
    record_if("concat", tensors, y, [a, sizes](const Grads& g, const Needs& n) -> Grads {
      Grads r(sizes.size());
      std::int64_t start = 0;
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (n[i]) r[i] = slice(g[0], a, start, start + sizes[i]);
        start += sizes[i];
      }
      return r;
    });
  return y;
}

Tensor stack(const std::vector<Tensor>& tensors, int axis) {
  if (tensors.empty()) throw ValueError("stack: expected at least one tensor, got none");
  for (const auto& t : tensors) {
    check_defined("stack", t);
    if (t.shape() != tensors.front().shape())
      throw ShapeError("stack: all tensors must have the same shape, got " + shapes_str(tensors));
  }
  const int rank = tensors.front().rank();
  if (axis < -(rank + 1) || axis > rank)
    throw ValueError("stack: axis " + std::to_string(axis) + " is out of range for tensors of rank " +
                     std::to_string(rank) + " (shape " + shape_str(tensors.front()) + ")");
  std::vector<Tensor> expanded;
  for (const auto& t : tensors) expanded.push_back(expand_dims(t, axis));
  return concat(expanded, axis < 0 ? axis + rank + 1 : axis);
}

std::vector<Tensor> split(const Tensor& x, int num, int axis) {
  check_defined("split", x);
  const int a = normalize_axis(axis, x.rank(), "split", x.shape());
  const auto length = x.shape()[static_cast<std::size_t>(a)];
  if (num <= 0 || length % num != 0)
    throw ValueError("split: axis " + std::to_string(axis) + " of a tensor of shape " + shape_str(x) + " has length " +
                     std::to_string(length) + ", which cannot be split into " + std::to_string(num) + " equal parts");
  return split(x, std::vector<std::int64_t>(static_cast<std::size_t>(num), length / num), a);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int axis) {
  check_defined("split", x);
  const int a = normalize_axis(axis, x.rank(), "split", x.shape());
  const auto length = x.shape()[static_cast<std::size_t>(a)];
  std::int64_t total = 0;
  for (auto s : sizes) {
    if (s < 0) throw ValueError("split: sizes must be non-negative, got " + std::to_string(s));
    total += s;
  }
  if (total != length)
    throw ValueError("split: sizes add up to " + std::to_string(total) + " but axis " + std::to_string(axis) +
                     " of shape " + shape_str(x) + " has length " + std::to_string(length));
  std::vector<Tensor> parts;
  std::int64_t start = 0;
  for (auto s : sizes) {
    parts.push_back(slice(x, a, start, start + s));
    start += s;
  }
  return parts;
}

Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop, std::int64_t step) {
  check_defined("slice", x);
  const int a = normalize_axis(axis, x.rank(), "slice", x.shape());
  if (step <= 0) throw ValueError("slice: step must be positive, got " + std::to_string(step));
  const auto length = x.shape()[static_cast<std::size_t>(a)];
  auto clamp = [length](std::int64_t i) { return std::clamp(i < 0 ? i + length : i, std::int64_t{0}, length); };
  start = clamp(start);
  stop = clamp(stop);
  const std::int64_t count = stop > start ? (stop - start + step - 1) / step : 0;
  Shape shape = x.shape();
  shape[static_cast<std::size_t>(a)] = count;
  auto strides = contiguous_strides(x.shape());
  bool leading = step == 1;  // a contiguous block: share storage
  for (int d = 0; leading && d < a; ++d) leading = x.shape()[static_cast<std::size_t>(d)] == 1;
  Tensor y;
  if (leading) {
    y = alias(x, shape, static_cast<std::size_t>(start * strides[static_cast<std::size_t>(a)]) * dtype_size(x.dtype()));
  } else {
    y = empty(shape, x.dtype(), x.device());
    auto src_strides = strides;
    src_strides[static_cast<std::size_t>(a)] *= step;
    strided_copy(x, start * strides[static_cast<std::size_t>(a)], src_strides, y, 0, contiguous_strides(shape), shape);
  }
  if (is_floating(x.dtype()))
    record_if("slice", {x}, y, [full = x.shape(), a, start, step](const Grads& g, const Needs&) -> Grads {
      return {slice_backward(g[0], full, a, start, step)};
    });
  return y;
}

Tensor gather(const Tensor& x, const Tensor& indices, int axis) {
  check_defined("gather", x);
  check_defined("gather", indices);
  if (indices.dtype() != DType::int32 && indices.dtype() != DType::int64)
    throw DTypeError("gather: indices must be int32 or int64, got " + dtype_str(indices.dtype()) + " of shape " +
                     shape_str(indices));
  if (indices.device() != x.device())
    throw DeviceError("gather: the tensor is on " + x.device().to_string() + " but the indices are on " +
                      indices.device().to_string());
  const int a = normalize_axis(axis, x.rank(), "gather", x.shape());
  Shape shape;
  for (int d = 0; d < a; ++d) shape.push_back(x.shape()[static_cast<std::size_t>(d)]);
  for (auto d : indices.shape()) shape.push_back(d);
  for (int d = a + 1; d < x.rank(); ++d) shape.push_back(x.shape()[static_cast<std::size_t>(d)]);
  Tensor y = empty(shape, x.dtype(), x.device());
  backend_of(x).gather(x.impl()->in(), indices.impl()->in(), a, y.impl()->out());
  if (is_floating(x.dtype()))
    record_if("gather", {x}, y, [indices = saved(indices), a, from = x.shape()](const Grads& g, const Needs&) -> Grads {
      return {gather_backward(g[0], indices, a, from)};
    });
  return y;
}

Tensor one_hot(const Tensor& indices, std::int64_t depth, DType dtype, double on_value, double off_value) {
  check_defined("one_hot", indices);
  if (!is_integer(indices.dtype()))
    throw DTypeError("one_hot: indices must be an integer tensor, got " + dtype_str(indices.dtype()) + " of shape " +
                     shape_str(indices));
  if (depth < 0) throw ValueError("one_hot: depth must be non-negative, got " + std::to_string(depth));
  DeviceScope on(indices.device());
  Tensor hits = equal(expand_dims(indices, -1), arange(0.0, static_cast<double>(depth), 1.0, indices.dtype()));
  return where(hits, scalar(on_value, dtype, indices.device()), scalar(off_value, dtype, indices.device()));
}

Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings, double constant_value) {
  check_defined("pad", x);
  if (static_cast<int>(paddings.size()) != x.rank())
    throw ValueError("pad: expected " + std::to_string(x.rank()) + " (before, after) pairs for a tensor of shape " +
                     shape_str(x) + ", got " + std::to_string(paddings.size()));
  Shape shape = x.shape();
  std::vector<std::int64_t> begin;
  for (std::size_t d = 0; d < paddings.size(); ++d) {
    auto [before, after] = paddings[d];
    if (before < 0 || after < 0)
      throw ValueError("pad: paddings must be non-negative, got (" + std::to_string(before) + ", " +
                       std::to_string(after) + ") for axis " + std::to_string(d));
    shape[d] += before + after;
    begin.push_back(before);
  }
  return place(x, shape, begin, constant_value);
}

}  // namespace strata
