#include "strata/framework/ops/math.hpp"

#include <cmath>
#include <numbers>

#include "strata/framework/ops/op_support.hpp"

namespace strata {

using namespace detail;
using backend::BinaryOp;
using backend::UnaryOp;

namespace {

bool writes_bool(BinaryOp op) { return op >= BinaryOp::equal; }
bool is_logical(BinaryOp op) { return op >= BinaryOp::logical_and; }

Tensor binary_kernel(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_pair(name, a, b);
  if (is_logical(op) && a.dtype() != DType::boolean)
    throw DTypeError(std::string(name) + ": expected bool operands, got " + dtype_str(a.dtype()) + " tensors of shapes " +
                     shape_str(a) + " and " + shape_str(b));
  if (!is_logical(op) && a.dtype() == DType::boolean && !writes_bool(op))
    throw DTypeError(std::string(name) + ": arithmetic on bool tensors is not supported (shapes " + shape_str(a) + " and " +
                     shape_str(b) + "); cast them first");
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor y = empty(shape, writes_bool(op) ? DType::boolean : a.dtype(), a.device());
  backend_of(a).binary(op, a.impl()->in(), b.impl()->in(), y.impl()->out());
  return y;
}

Tensor unary_kernel(UnaryOp op, const char* name, const Tensor& x, double alpha = 0.0) {
  check_defined(name, x);
  Tensor y = empty(x.shape(), x.dtype(), x.device());
  backend_of(x).unary(op, x.impl()->in(), y.impl()->out(), alpha);
  return y;
}

// Piecewise-constant functions: the gradient is zero (as TensorFlow's sign/floor/round).
Tensor step_unary(UnaryOp op, const char* name, const Tensor& x) {
  Tensor y = unary_kernel(op, name, x);
  if (is_floating(x.dtype()))
    record_if(name, {x}, y, [](const Grads& g, const Needs&) -> Grads { return {zeros_like(g[0])}; });
  return y;
}


}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_kernel(BinaryOp::add, "add", a, b);
  if (is_floating(y.dtype()))
    record_if("add", {a, b}, y, [sa = a.shape(), sb = b.shape()](const Grads& g, const Needs& n) -> Grads {
      return {n[0] ? sum_to_shape(g[0], sa) : Tensor(), n[1] ? sum_to_shape(g[0], sb) : Tensor()};
    });
  return y;
}

Tensor subtract(const Tensor& a, const Tensor& b) {
  Tensor y = binary_kernel(BinaryOp::subtract, "subtract", a, b);
  if (is_floating(y.dtype()))
    record_if("subtract", {a, b}, y, [sa = a.shape(), sb = b.shape()](const Grads& g, const Needs& n) -> Grads {
      return {n[0] ? sum_to_shape(g[0], sa) : Tensor(), n[1] ? sum_to_shape(negative(g[0]), sb) : Tensor()};
    });
  return y;
}

Tensor multiply(const Tensor& a, const Tensor& b) {
  Tensor y = binary_kernel(BinaryOp::multiply, "multiply", a, b);
  if (is_floating(y.dtype()))
    record_if("multiply", {a, b}, y, [a = saved(a), b = saved(b)](const Grads& g, const Needs& n) -> Grads {
      return {n[0] ? sum_to_shape(multiply(g[0], b), a.shape()) : Tensor(),
              n[1] ? sum_to_shape(multiply(g[0], a), b.shape()) : Tensor()};
    });
  return y;
}

Tensor divide(const Tensor& a, const Tensor& b) {
  Tensor y = binary_kernel(BinaryOp::divide, "divide", a, b);
  if (is_floating(y.dtype()))
    record_if("divide", {a, b}, y, [a = saved(a), b = saved(b), y](const Grads& g, const Needs& n) -> Grads {
      return {n[0] ? sum_to_shape(divide(g[0], b), a.shape()) : Tensor(),
              n[1] ? sum_to_shape(negative(divide(multiply(g[0], y), b)), b.shape()) : Tensor()};
    });
  return y;
}

namespace detail {

Tensor arithmetic_on_temporary(char op, Tensor&& a, const Tensor& b) {
  BinaryOp kind;
  Tensor (*plain)(const Tensor&, const Tensor&);
  const char* name;
  switch (op) {
    case '+': kind = BinaryOp::add, plain = add, name = "add"; break;
    case '-': kind = BinaryOp::subtract, plain = subtract, name = "subtract"; break;
    case '*': kind = BinaryOp::multiply, plain = multiply, name = "multiply"; break;
    default: kind = BinaryOp::divide, plain = divide, name = "divide"; break;
  }
  if (!a.defined() || !b.defined() || a.dtype() != b.dtype() || a.device() != b.device() ||
      a.dtype() == DType::boolean || autodiff::is_recording())
    return plain(a, b);
  const auto& impl = a.impl();
  // Reusable only when this handle is the memory's sole owner: no copy, view, snapshot, variable
  // or graph edge, not memory of a replayed graph's arena, and nothing is being traced (a trace
  // keeps every buffer and records writes in program order).
  if (impl.use_count() != 1 || impl->symbolic() || impl->variable || impl->keras_history ||
      impl->storage.use_count() != 1 || !impl->storage->owned || impl->trace || impl->offset_bytes != 0 ||
      graph::detail::any_tracing())
    return plain(a, b);
  if (broadcast_shapes(a.shape(), b.shape(), name) != a.shape()) return plain(a, b);
  backend_of(a).binary(kind, impl->in(), b.impl()->in(), impl->out());
  Tensor y = alias(a, a.shape());  // a new id: the value is not a's any more
  a = Tensor();
  return y;
}

}  // namespace detail

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = binary_kernel(BinaryOp::pow, "pow", a, b);
  if (is_floating(y.dtype()))
    record_if("pow", {a, b}, y, [a = saved(a), b = saved(b), y](const Grads& g, const Needs& n) -> Grads {
      Grads r(2);
      if (n[0]) r[0] = sum_to_shape(multiply(g[0], multiply(b, pow(a, subtract(b, scalar_like(b, 1))))), a.shape());
      if (n[1]) {
        // d/db a^b = a^b log a, taken as 0 where a <= 0 (as TensorFlow).
        Tensor positive = greater(a, scalar_like(a, 0));
        Tensor log_a = where(positive, log(where(positive, a, ones_like(a))), zeros_like(a));
        r[1] = sum_to_shape(multiply(g[0], multiply(y, log_a)), b.shape());
      }
      return r;
    });
  return y;
}

namespace {
// maximum / minimum: the gradient goes to `a` where it wins (ties go to a), else to b.
Tensor extremum(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  Tensor y = binary_kernel(op, name, a, b);
  if (is_floating(y.dtype()))
    record_if(name, {a, b}, y, [a = saved(a), b = saved(b), op](const Grads& g, const Needs& n) -> Grads {
      Tensor a_wins = op == BinaryOp::maximum ? greater_equal(a, b) : less_equal(a, b);
      Tensor zero = zeros_like(g[0]);
      return {n[0] ? sum_to_shape(where(a_wins, g[0], zero), a.shape()) : Tensor(),
              n[1] ? sum_to_shape(where(a_wins, zero, g[0]), b.shape()) : Tensor()};
    });
  return y;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::maximum, "maximum", a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::minimum, "minimum", a, b); }

Tensor negative(const Tensor& x) {
  if (x.defined() && x.dtype() == DType::boolean)
    throw DTypeError("negative: not supported for bool tensors (shape " + shape_str(x) + ")");
  Tensor y = unary_kernel(UnaryOp::negative, "negative", x);
  if (is_floating(x.dtype()))
    record_if("negative", {x}, y, [](const Grads& g, const Needs&) -> Grads { return {negative(g[0])}; });
  return y;
}

Tensor exp(const Tensor& x) {
  return differentiable_unary(UnaryOp::exp, "exp", x, [](const Tensor&, const Tensor& y) { return y; });
}
Tensor expm1(const Tensor& x) {
  return differentiable_unary(UnaryOp::expm1, "expm1", x, [](const Tensor&, const Tensor& y) { return y + 1; });
}
Tensor log(const Tensor& x) {
  return differentiable_unary(UnaryOp::log, "log", x, [](const Tensor& x, const Tensor&) { return reciprocal(x); });
}
Tensor log1p(const Tensor& x) {
  return differentiable_unary(UnaryOp::log1p, "log1p", x, [](const Tensor& x, const Tensor&) { return reciprocal(x + 1); });
}
Tensor sqrt(const Tensor& x) {
  return differentiable_unary(UnaryOp::sqrt, "sqrt", x, [](const Tensor&, const Tensor& y) { return 0.5 / y; });
}
Tensor rsqrt(const Tensor& x) {
  return differentiable_unary(UnaryOp::rsqrt, "rsqrt", x, [](const Tensor& x, const Tensor& y) { return -0.5 * y / x; });
}
Tensor reciprocal(const Tensor& x) {
  return differentiable_unary(UnaryOp::reciprocal, "reciprocal", x, [](const Tensor&, const Tensor& y) { return -square(y); });
}
Tensor sin(const Tensor& x) {
  return differentiable_unary(UnaryOp::sin, "sin", x, [](const Tensor& x, const Tensor&) { return cos(x); });
}
Tensor cos(const Tensor& x) {
  return differentiable_unary(UnaryOp::cos, "cos", x, [](const Tensor& x, const Tensor&) { return -sin(x); });
}
Tensor erf(const Tensor& x) {
  return differentiable_unary(UnaryOp::erf, "erf", x, [](const Tensor& x, const Tensor&) {
    return (2.0 / std::sqrt(std::numbers::pi)) * exp(-square(x));
  });
}

Tensor square(const Tensor& x) {
  if (x.defined() && x.dtype() == DType::boolean) throw DTypeError("square: not supported for bool tensors");
  Tensor y = unary_kernel(UnaryOp::square, "square", x);
  if (is_floating(x.dtype()))
    record_if("square", {x}, y, [x = saved(x)](const Grads& g, const Needs&) -> Grads { return {g[0] * (2 * x)}; });
  return y;
}

Tensor abs(const Tensor& x) {
  if (x.defined() && x.dtype() == DType::boolean) throw DTypeError("abs: not supported for bool tensors");
  Tensor y = unary_kernel(UnaryOp::abs, "abs", x);
  if (is_floating(x.dtype()))
    record_if("abs", {x}, y, [x = saved(x)](const Grads& g, const Needs&) -> Grads { return {g[0] * sign(x)}; });
  return y;
}

Tensor sign(const Tensor& x) { return step_unary(UnaryOp::sign, "sign", x); }
Tensor floor(const Tensor& x) { return step_unary(UnaryOp::floor, "floor", x); }
Tensor ceil(const Tensor& x) { return step_unary(UnaryOp::ceil, "ceil", x); }
Tensor round(const Tensor& x) { return step_unary(UnaryOp::round, "round", x); }

Tensor clip(const Tensor& x, double min_value, double max_value) {
  check_defined("clip", x);
  if (min_value > max_value)
    throw ValueError("clip: min_value " + std::to_string(min_value) + " is greater than max_value " +
                     std::to_string(max_value));
  return minimum(maximum(x, scalar_like(x, min_value)), scalar_like(x, max_value));
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_pair("where", a, b);
  check_defined("where", condition);
  if (condition.dtype() != DType::boolean)
    throw DTypeError("where: the condition must be bool, got " + dtype_str(condition.dtype()) + " of shape " +
                     shape_str(condition));
  if (condition.device() != a.device())
    throw DeviceError("where: the condition is on " + condition.device().to_string() + " but the values are on " +
                      a.device().to_string());
  Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor y = empty(shape, a.dtype(), a.device());
  backend_of(a).where(condition.impl()->in(), a.impl()->in(), b.impl()->in(), y.impl()->out());
  if (is_floating(y.dtype()))
    record_if("where", {a, b}, y, [condition = saved(condition), sa = a.shape(), sb = b.shape()](const Grads& g, const Needs& n) -> Grads {
      Tensor zero = zeros_like(g[0]);
      return {n[0] ? sum_to_shape(where(condition, g[0], zero), sa) : Tensor(),
              n[1] ? sum_to_shape(where(condition, zero, g[0]), sb) : Tensor()};
    });
  return y;
}

Tensor cast(const Tensor& x, DType dtype) {
  check_defined("cast", x);
  if (x.dtype() == dtype) return x;
  Tensor y = empty(x.shape(), dtype, x.device());
  backend_of(x).cast(x.impl()->in(), y.impl()->out());
  if (is_floating(x.dtype()) && is_floating(dtype))
    record_if("cast", {x}, y, [from = x.dtype()](const Grads& g, const Needs&) -> Grads { return {cast(g[0], from)}; });
  return y;
}

Tensor equal(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::equal, "equal", a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::not_equal, "not_equal", a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::less, "less", a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::less_equal, "less_equal", a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::greater, "greater", a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) {
  return binary_kernel(BinaryOp::greater_equal, "greater_equal", a, b);
}
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::logical_and, "logical_and", a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::logical_or, "logical_or", a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::logical_xor, "logical_xor", a, b); }
Tensor logical_not(const Tensor& x) {
  check_defined("logical_not", x);
  if (x.dtype() != DType::boolean)
    throw DTypeError("logical_not: expected a bool tensor, got " + dtype_str(x.dtype()) + " of shape " + shape_str(x));
  return unary_kernel(UnaryOp::logical_not, "logical_not", x);
}

}  // namespace strata
