#include "strata/framework/ops/op_support.hpp"

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::detail {

std::string list_str(const std::vector<std::int64_t>& v) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

void check_positive(const char* op, const char* what, const std::vector<std::int64_t>& v, std::size_t n) {
  bool ok = v.size() == n;
  for (auto d : v) ok = ok && d > 0;
  if (!ok)
    throw ValueError(std::string(op) + ": " + what + " must be " + std::to_string(n) + " positive integers, got " +
                     list_str(v));
}

void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) throw ValueError(std::string(op) + ": an operand is undefined (a default-constructed Tensor?)");
}

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  if (a.device() != b.device())
    throw DeviceError(std::string(op) + ": operands are on different devices: " + a.device().to_string() + " (shape " +
                      shape_str(a) + ") and " + b.device().to_string() + " (shape " + shape_str(b) +
                      "); move one with to()");
  if (a.dtype() != b.dtype())
    throw DTypeError(std::string(op) + ": dtype mismatch: " + dtype_str(a.dtype()) + " tensor of shape " + shape_str(a) +
                     " and " + dtype_str(b.dtype()) + " tensor of shape " + shape_str(b) + "; cast one of them first");
}

void check_floating(const char* op, const Tensor& x) {
  check_defined(op, x);
  if (!is_floating(x.dtype()))
    throw DTypeError(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_str(x.dtype()) +
                     " of shape " + shape_str(x));
}

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int lead = g.rank() - shape.rank();
  std::vector<int> axes;
  for (int i = 0; i < g.rank(); ++i)
    if (i < lead || (shape[static_cast<std::size_t>(i - lead)] == 1 && g.shape()[static_cast<std::size_t>(i)] != 1))
      axes.push_back(i);
  return reshape(sum(g, Axes(axes), true), shape);
}

}  // namespace strata::detail
