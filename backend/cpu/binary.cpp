// Elementwise ops of two operands with NumPy broadcasting, and where().
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "strata/backend/cpu/broadcast.hpp"
#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/xt_views.hpp"
#include "strata/backend/element_math.hpp"

namespace strata::backend::cpu {
namespace {

// Runs `vector_op` (an xtensor expression of two operands, each a 1-D view or a scalar) over every
// innermost run of the broadcast.
template <class T, class VectorOp>
void run_vectorised(const BroadcastPlan<2>& plan, const T* a, const T* b, T* out, VectorOp vector_op) {
  for_each_run(plan, [&](std::int64_t o, const std::array<std::int64_t, 2>& off, std::int64_t n,
                         const std::array<std::int64_t, 2>& inner) {
    auto result = flat_view(out + o, n);
    if (inner[0] && inner[1]) {
      xt::noalias(result) = vector_op(flat_view(a + off[0], n), flat_view(b + off[1], n));
    } else if (inner[0]) {
      xt::noalias(result) = vector_op(flat_view(a + off[0], n), b[off[1]]);
    } else if (inner[1]) {
      xt::noalias(result) = vector_op(a[off[0]], flat_view(b + off[1], n));
    } else {
      T value[1];
      xt::noalias(flat_view(value, 1)) = vector_op(flat_view(a + off[0], 1), b[off[1]]);
      std::fill_n(out + o, n, value[0]);
    }
  });
}

// Runs `scalar_op(a, b)` element by element (integer division, comparisons, logical ops).
template <class T, class R, class ScalarOp>
void run_scalar(const BroadcastPlan<2>& plan, const T* a, const T* b, R* out, ScalarOp scalar_op) {
  for_each_run(plan, [&](std::int64_t o, const std::array<std::int64_t, 2>& off, std::int64_t n,
                         const std::array<std::int64_t, 2>& inner) {
    const T* pa = a + off[0];
    const T* pb = b + off[1];
    R* po = out + o;
    if (inner[0] && inner[1]) {
      for (std::int64_t i = 0; i < n; ++i) po[i] = scalar_op(pa[i], pb[i]);
    } else if (inner[0]) {
      const T vb = *pb;
      for (std::int64_t i = 0; i < n; ++i) po[i] = scalar_op(pa[i], vb);
    } else if (inner[1]) {
      const T va = *pa;
      for (std::int64_t i = 0; i < n; ++i) po[i] = scalar_op(va, pb[i]);
    } else {
      std::fill_n(po, n, scalar_op(*pa, *pb));
    }
  });
}

template <class T>
void arithmetic(BinaryOp op, const BroadcastPlan<2>& plan, const T* a, const T* b, T* out) {
  const char* name = binary_name(op);
  if constexpr (std::is_same_v<T, bool>) {
    // bool arithmetic as NumPy: + and maximum are or, * and minimum are and.
    switch (op) {
      case BinaryOp::add:
      case BinaryOp::maximum: return run_scalar(plan, a, b, out, [](bool x, bool y) { return x || y; });
      case BinaryOp::multiply:
      case BinaryOp::minimum: return run_scalar(plan, a, b, out, [](bool x, bool y) { return x && y; });
      default: unsupported_dtype(name, DType::boolean, "a numeric dtype");
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::add: return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return x + y; });
      case BinaryOp::subtract: return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return x - y; });
      case BinaryOp::multiply: return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return x * y; });
      case BinaryOp::divide: return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return x / y; });
      case BinaryOp::pow: return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return xt::pow(x, y); });
      case BinaryOp::maximum:
        return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return xt::maximum(x, y); });
      case BinaryOp::minimum:
        return run_vectorised(plan, a, b, out, [](auto&& x, auto&& y) { return xt::minimum(x, y); });
      default: break;
    }
  } else {
    // Integers: plain loops, which the compiler vectorises itself (integer arithmetic is exact, so
    // no reassociation is needed); going through the unsigned type makes overflow wrap.
    using U = std::make_unsigned_t<T>;
    switch (op) {
      case BinaryOp::add: return run_scalar(plan, a, b, out, [](T x, T y) { return T(U(x) + U(y)); });
      case BinaryOp::subtract: return run_scalar(plan, a, b, out, [](T x, T y) { return T(U(x) - U(y)); });
      case BinaryOp::multiply: return run_scalar(plan, a, b, out, [](T x, T y) { return T(U(x) * U(y)); });
      case BinaryOp::divide: return run_scalar(plan, a, b, out, [](T x, T y) { return floor_divide(x, y); });
      case BinaryOp::pow: return run_scalar(plan, a, b, out, [](T x, T y) { return integer_pow(x, y); });
      case BinaryOp::maximum: return run_scalar(plan, a, b, out, [](T x, T y) { return x < y ? y : x; });
      case BinaryOp::minimum: return run_scalar(plan, a, b, out, [](T x, T y) { return y < x ? y : x; });
      default: break;
    }
  }
  throw ValueError(std::string("binary: unknown op ") + name);
}

template <class T>
void comparison(BinaryOp op, const BroadcastPlan<2>& plan, const T* a, const T* b, bool* out) {
  switch (op) {
    case BinaryOp::equal: return run_scalar(plan, a, b, out, [](T x, T y) { return x == y; });
    case BinaryOp::not_equal: return run_scalar(plan, a, b, out, [](T x, T y) { return x != y; });
    case BinaryOp::less: return run_scalar(plan, a, b, out, [](T x, T y) { return x < y; });
    case BinaryOp::less_equal: return run_scalar(plan, a, b, out, [](T x, T y) { return x <= y; });
    case BinaryOp::greater: return run_scalar(plan, a, b, out, [](T x, T y) { return x > y; });
    case BinaryOp::greater_equal: return run_scalar(plan, a, b, out, [](T x, T y) { return x >= y; });
    case BinaryOp::logical_and:
      return run_scalar(plan, a, b, out, [](T x, T y) { return x != T(0) && y != T(0); });
    case BinaryOp::logical_or:
      return run_scalar(plan, a, b, out, [](T x, T y) { return x != T(0) || y != T(0); });
    case BinaryOp::logical_xor:
      return run_scalar(plan, a, b, out, [](T x, T y) { return (x != T(0)) != (y != T(0)); });
    default: break;
  }
  throw ValueError(std::string("binary: unknown op ") + binary_name(op));
}


}  // namespace

void CpuBackend::binary(BinaryOp op, In a, In b, Out out) {
  const char* name = binary_name(op);
  check_binary(op, a, b, out);
  if (out.shape.num_elements() == 0) return;
  const auto plan = plan_broadcast<2>(name, out.shape, {&a.shape, &b.shape});
  visit_dtype(a.dtype, [&]<class T>() {
    const T* pa = static_cast<const T*>(a.data);
    const T* pb = static_cast<const T*>(b.data);
    if (writes_bool(op))
      comparison<T>(op, plan, pa, pb, static_cast<bool*>(out.data));
    else
      arithmetic<T>(op, plan, pa, pb, static_cast<T*>(out.data));
  });
}

void CpuBackend::where(In condition, In a, In b, Out out) {
  check_where(condition, a, b, out);
  if (out.shape.num_elements() == 0) return;
  const auto plan = plan_broadcast<3>("where", out.shape, {&condition.shape, &a.shape, &b.shape});
  const bool* pc = static_cast<const bool*>(condition.data);
  visit_dtype(a.dtype, [&]<class T>() {
    const T* pa = static_cast<const T*>(a.data);
    const T* pb = static_cast<const T*>(b.data);
    T* po = static_cast<T*>(out.data);
    for_each_run(plan, [&](std::int64_t o, const std::array<std::int64_t, 3>& off, std::int64_t n,
                           const std::array<std::int64_t, 3>& inner) {
      const bool* c = pc + off[0];
      const T* x = pa + off[1];
      const T* y = pb + off[2];
      T* r = po + o;
      if (inner[0] && inner[1] && inner[2]) {
        for (std::int64_t i = 0; i < n; ++i) r[i] = c[i] ? x[i] : y[i];
      } else if (inner[0] && !inner[1] && !inner[2]) {
        // Two values chosen by a mask (a one-hot from labels): a loop the compiler vectorises.
        const T xv = *x, yv = *y;
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(c);
        for (std::int64_t i = 0; i < n; ++i) r[i] = bytes[i] ? xv : yv;
      } else {
        for (std::int64_t i = 0; i < n; ++i) r[i] = c[i * inner[0]] ? x[i * inner[1]] : y[i * inner[2]];
      }
    });
  });
}

}  // namespace strata::backend::cpu
