// Elementwise ops of one operand: flat xtensor expressions over the whole buffer, split across
// threads when large.
#include <cmath>
#include <string>
#include <type_traits>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/tanh_simd.hpp"
#include "strata/backend/cpu/thread_pool.hpp"
#include "strata/backend/cpu/xt_views.hpp"

namespace strata::backend::cpu {
namespace {

// Cheap ops (the integer ones, the relus, logical_not) are memory-bound and pay for threads only
// on large buffers; transcendental ones pay earlier.
std::int64_t threshold_of(UnaryOp op) {
  const bool cheap = integer_unary_supported(op) || op == UnaryOp::relu || op == UnaryOp::relu6 ||
                     op == UnaryOp::leaky_relu || op == UnaryOp::logical_not;
  return cheap ? kParallelThreshold : kParallelThreshold / 4;
}

// Evaluates `expression(view)` into out over [0, n), in chunks across threads.
template <class T, class R, class Expression>
void apply(const T* x, R* out, std::int64_t n, std::int64_t threshold, Expression expression) {
  parallel_for(
      n, 4096,
      [&](std::int64_t begin, std::int64_t end) {
        auto result = flat_view(out + begin, end - begin);
        xt::noalias(result) = expression(flat_view(x + begin, end - begin));
      },
      threshold);
}

// f (batch code) over [0, n), in chunks across threads.
template <class F>
void batch_map(const float* x, float* out, std::int64_t n, std::int64_t threshold, F f) {
  parallel_for(
      n, 4096, [&](std::int64_t begin, std::int64_t end) { map_batches(x + begin, out + begin, end - begin, f); },
      threshold);
}

template <class T>
void floating_unary(UnaryOp op, const T* x, T* y, std::int64_t n, T alpha) {
  const auto t = threshold_of(op);
  [[maybe_unused]] static constexpr T zero(0), one(1), half(0.5);
  switch (op) {
    case UnaryOp::negative: return apply(x, y, n, t, [](auto&& v) { return -v; });
    case UnaryOp::abs: return apply(x, y, n, t, [](auto&& v) { return xt::abs(v); });
    case UnaryOp::sign:
      return apply(x, y, n, t, [](auto&& v) { return xt::where(v > zero, one, xt::where(v < zero, -one, v)); });
    case UnaryOp::square: return apply(x, y, n, t, [](auto&& v) { return v * v; });
    case UnaryOp::sqrt: return apply(x, y, n, t, [](auto&& v) { return xt::sqrt(v); });
    case UnaryOp::rsqrt: return apply(x, y, n, t, [](auto&& v) { return one / xt::sqrt(v); });
    case UnaryOp::reciprocal: return apply(x, y, n, t, [](auto&& v) { return one / v; });
    case UnaryOp::exp: return apply(x, y, n, t, [](auto&& v) { return xt::exp(v); });
    case UnaryOp::expm1: return apply(x, y, n, t, [](auto&& v) { return xt::expm1(v); });
    case UnaryOp::log: return apply(x, y, n, t, [](auto&& v) { return xt::log(v); });
    case UnaryOp::log1p: return apply(x, y, n, t, [](auto&& v) { return xt::log1p(v); });
    case UnaryOp::sin: return apply(x, y, n, t, [](auto&& v) { return xt::sin(v); });
    case UnaryOp::cos: return apply(x, y, n, t, [](auto&& v) { return xt::cos(v); });
    // float32 tanh and sigmoid: the batch code fused programs use too (tanh_simd.hpp).
    case UnaryOp::tanh:
      if constexpr (std::is_same_v<T, float>) return batch_map(x, y, n, t, [](auto v) { return tanh_batch(v); });
      return apply(x, y, n, t, [](auto&& v) { return xt::tanh(v); });
    // exp(-x) overflows to inf for very negative x, and 1 / inf is the right 0.
    case UnaryOp::sigmoid:
      if constexpr (std::is_same_v<T, float>) return batch_map(x, y, n, t, [](auto v) { return sigmoid_batch(v); });
      return apply(x, y, n, t, [](auto&& v) { return one / (one + xt::exp(-v)); });
    case UnaryOp::erf: return apply(x, y, n, t, [](auto&& v) { return xt::erf(v); });
    case UnaryOp::floor: return apply(x, y, n, t, [](auto&& v) { return xt::floor(v); });
    case UnaryOp::ceil: return apply(x, y, n, t, [](auto&& v) { return xt::ceil(v); });
    case UnaryOp::round: return apply(x, y, n, t, [](auto&& v) { return xt::nearbyint(v); });  // half to even
    case UnaryOp::relu: return apply(x, y, n, t, [](auto&& v) { return xt::maximum(v, zero); });
    case UnaryOp::relu6:
      return apply(x, y, n, t, [](auto&& v) { return xt::minimum(xt::maximum(v, zero), T(6)); });
    case UnaryOp::leaky_relu:
      return apply(x, y, n, t, [alpha](auto&& v) { return xt::where(v >= zero, v, alpha * v); });
    case UnaryOp::elu:
      return apply(x, y, n, t, [alpha](auto&& v) { return xt::where(v > zero, v, alpha * xt::expm1(v)); });
    case UnaryOp::selu: {
      [[maybe_unused]] static constexpr T scale = T(1.0507009873554804934193349852946);
      [[maybe_unused]] static constexpr T selu_alpha = T(1.6732632423543772848170429916717);
      return apply(x, y, n, t,
                   [](auto&& v) { return scale * xt::where(v > zero, v, selu_alpha * xt::expm1(v)); });
    }
    case UnaryOp::softplus:
      return apply(x, y, n, t, [](auto&& v) { return xt::log1p(xt::exp(-xt::abs(v))) + xt::maximum(v, zero); });
    case UnaryOp::softsign: return apply(x, y, n, t, [](auto&& v) { return v / (one + xt::abs(v)); });
    case UnaryOp::gelu: {
      [[maybe_unused]] static constexpr T inv_sqrt2 = T(0.70710678118654752440084436210485);
      return apply(x, y, n, t, [](auto&& v) { return half * v * (one + xt::erf(v * inv_sqrt2)); });
    }
    case UnaryOp::gelu_tanh: {
      [[maybe_unused]] static constexpr T sqrt_2_over_pi = T(0.79788456080286535587989211986876);
      [[maybe_unused]] static constexpr T c = T(0.044715);
      return apply(x, y, n, t,
                   [](auto&& v) { return half * v * (one + xt::tanh(sqrt_2_over_pi * (v + c * v * v * v))); });
    }
    case UnaryOp::hard_sigmoid:
      return apply(x, y, n, t,
                   [](auto&& v) { return xt::minimum(xt::maximum(v + T(3), zero), T(6)) * (one / T(6)); });
    case UnaryOp::swish: return apply(x, y, n, t, [](auto&& v) { return v / (one + xt::exp(-v)); });
    default: break;
  }
  throw ValueError(std::string("unary: unknown op ") + unary_name(op));
}

// negative, abs, sign, square on integers (and the identity roundings) as plain loops the compiler
// vectorises; the rest throw. Negation and squaring go through the unsigned type, so the most
// negative value wraps as in NumPy instead of overflowing.
template <class T>
void integer_unary(UnaryOp op, const T* x, T* y, std::int64_t n, DType dtype) {
  using U = std::make_unsigned_t<T>;
  auto loop = [&](auto f) {
    parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
    });
  };
  switch (op) {
    case UnaryOp::negative: return loop([](T v) { return T(U(0) - U(v)); });
    case UnaryOp::abs: return loop([](T v) { return v < T(0) ? T(U(0) - U(v)) : v; });
    case UnaryOp::sign: return loop([](T v) { return T((T(0) < v) - (v < T(0))); });
    case UnaryOp::square: return loop([](T v) { return T(U(v) * U(v)); });
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round: return loop([](T v) { return v; });
    default: unsupported_dtype(unary_name(op), dtype, "float32 or float64");
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, In x, Out out, double alpha) {
  const char* name = unary_name(op);
  check_unary(op, x, out);
  const std::int64_t n = x.shape.num_elements();
  if (op == UnaryOp::logical_not) {
    bool* y = static_cast<bool*>(out.data);
    visit_dtype(x.dtype, [&]<class T>() {
      const T* p = static_cast<const T*>(x.data);
      parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) y[i] = p[i] == T(0);
      });
    });
    return;
  }
  if (n == 0) return;
  visit_dtype(x.dtype, [&]<class T>() {
    const T* p = static_cast<const T*>(x.data);
    T* y = static_cast<T*>(out.data);
    if constexpr (std::is_floating_point_v<T>) {
      floating_unary<T>(op, p, y, n, static_cast<T>(alpha));
    } else if constexpr (std::is_same_v<T, bool>) {
      unsupported_dtype(name, x.dtype, "a numeric dtype");
    } else {
      integer_unary<T>(op, p, y, n, x.dtype);
    }
  });
}

}  // namespace strata::backend::cpu
