// Elementwise kernels: unary ops, binary ops with NumPy broadcasting, and where(). One kernel per
// dtype takes the op as a runtime argument (the switch is uniform across a launch, so it costs no
// divergence), which keeps nvcc's work and the binary small; the formulas are the CPU backend's.
#include <string>
#include <type_traits>

#include "strata/backend/cuda/common.cuh"

namespace strata::backend::cuda {
namespace {

// --- unary ---

template <class T>
__device__ T float_unary(UnaryOp op, T v, T alpha) {
  const T zero(0), one(1), half(0.5);
  switch (op) {
    case UnaryOp::negative: return -v;
    case UnaryOp::abs: return d_abs(v);
    case UnaryOp::sign: return v > zero ? one : (v < zero ? -one : v);
    case UnaryOp::square: return v * v;
    case UnaryOp::sqrt: return d_sqrt(v);
    case UnaryOp::rsqrt: return one / d_sqrt(v);
    case UnaryOp::reciprocal: return one / v;
    case UnaryOp::exp: return d_exp(v);
    case UnaryOp::expm1: return d_expm1(v);
    case UnaryOp::log: return d_log(v);
    case UnaryOp::log1p: return d_log1p(v);
    case UnaryOp::sin: return d_sin(v);
    case UnaryOp::cos: return d_cos(v);
    case UnaryOp::tanh: return d_tanh(v);
    case UnaryOp::sigmoid: return one / (one + d_exp(-v));
    case UnaryOp::erf: return d_erf(v);
    case UnaryOp::floor: return d_floor(v);
    case UnaryOp::ceil: return d_ceil(v);
    case UnaryOp::round: return d_rint(v);
    case UnaryOp::relu: return v > zero ? v : zero;
    case UnaryOp::relu6: return v > zero ? (v < T(6) ? v : T(6)) : zero;
    case UnaryOp::leaky_relu: return v >= zero ? v : alpha * v;
    case UnaryOp::elu: return v > zero ? v : alpha * d_expm1(v);
    case UnaryOp::selu: {
      const T scale = T(1.0507009873554804934193349852946);
      const T selu_alpha = T(1.6732632423543772848170429916717);
      return scale * (v > zero ? v : selu_alpha * d_expm1(v));
    }
    case UnaryOp::softplus: return d_log1p(d_exp(-d_abs(v))) + (v > zero ? v : zero);
    case UnaryOp::softsign: return v / (one + d_abs(v));
    case UnaryOp::gelu: return half * v * (one + d_erf(v * T(0.70710678118654752440084436210485)));
    case UnaryOp::gelu_tanh: {
      const T sqrt_2_over_pi = T(0.79788456080286535587989211986876);
      const T c = T(0.044715);
      return half * v * (one + d_tanh(sqrt_2_over_pi * (v + c * v * v * v)));
    }
    case UnaryOp::hard_sigmoid: {
      const T shifted = v + T(3);
      const T clipped = shifted > zero ? (shifted < T(6) ? shifted : T(6)) : zero;
      return clipped * (one / T(6));
    }
    case UnaryOp::swish: return v / (one + d_exp(-v));
    default: return v;  // logical_not is its own kernel
  }
}

template <class T>
__global__ void float_unary_kernel(UnaryOp op, const T* x, T* y, std::int64_t n, T alpha) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) y[i] = float_unary(op, x[i], alpha);
}

// negative, abs, sign, square through the unsigned type (the most negative value wraps, as NumPy);
// floor, ceil and round are the identity.
template <class T>
__device__ bool is_negative(T v) {
  if constexpr (std::is_signed_v<T>) return v < T(0);
  else return false;
}

template <class T>
__global__ void integer_unary_kernel(UnaryOp op, const T* x, T* y, std::int64_t n) {
  using U = std::make_unsigned_t<T>;
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    const T v = x[i];
    T r = v;
    switch (op) {
      case UnaryOp::negative: r = T(U(0) - U(v)); break;
      case UnaryOp::abs: r = is_negative(v) ? T(U(0) - U(v)) : v; break;
      case UnaryOp::sign: r = T((T(0) < v) - is_negative(v)); break;
      case UnaryOp::square: r = T(U(v) * U(v)); break;
      default: break;
    }
    y[i] = r;
  }
}

template <class T>
__global__ void logical_not_kernel(const T* x, bool* y, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) y[i] = x[i] == T(0);
}

// --- binary ---

template <class T>
__device__ T arithmetic(BinaryOp op, T x, T y) {
  if constexpr (std::is_same_v<T, bool>) {
    // bool arithmetic as NumPy: + and maximum are or, * and minimum are and.
    switch (op) {
      case BinaryOp::add:
      case BinaryOp::maximum: return x || y;
      default: return x && y;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::add: return x + y;
      case BinaryOp::subtract: return x - y;
      case BinaryOp::multiply: return x * y;
      case BinaryOp::divide: return x / y;
      case BinaryOp::pow: return d_pow(x, y);
      case BinaryOp::maximum: return (x > y || x != x) ? x : y;  // NaN propagates
      case BinaryOp::minimum: return (x < y || x != x) ? x : y;
      default: return x;
    }
  } else {
    using U = std::make_unsigned_t<T>;
    switch (op) {
      case BinaryOp::add: return T(U(x) + U(y));
      case BinaryOp::subtract: return T(U(x) - U(y));
      case BinaryOp::multiply: return T(U(x) * U(y));
      case BinaryOp::divide: return floor_divide(x, y);
      case BinaryOp::pow: return integer_pow(x, y);
      case BinaryOp::maximum: return x < y ? y : x;
      case BinaryOp::minimum: return y < x ? y : x;
      default: return x;
    }
  }
}

template <class T>
__device__ bool comparison(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::equal: return x == y;
    case BinaryOp::not_equal: return x != y;
    case BinaryOp::less: return x < y;
    case BinaryOp::less_equal: return x <= y;
    case BinaryOp::greater: return x > y;
    case BinaryOp::greater_equal: return x >= y;
    case BinaryOp::logical_and: return x != T(0) && y != T(0);
    case BinaryOp::logical_or: return x != T(0) || y != T(0);
    default: return (x != T(0)) != (y != T(0));  // logical_xor
  }
}

// out[i] = a op b at the broadcast offsets: a comparison writes bool, arithmetic writes T.
template <bool Compare, class T, class R = std::conditional_t<Compare, bool, T>>
__global__ void binary_kernel(BinaryOp op, Broadcast<2> plan, const T* a, const T* b, R* out, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    std::int64_t off[2];
    plan.offsets(i, off);
    if constexpr (Compare) out[i] = comparison(op, a[off[0]], b[off[1]]);
    else out[i] = arithmetic(op, a[off[0]], b[off[1]]);
  }
}

// Same-shape operands: no index arithmetic at all.
template <class T>
__global__ void arithmetic_flat_kernel(BinaryOp op, const T* a, const T* b, T* out, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) out[i] = arithmetic(op, a[i], b[i]);
}

bool bool_supports(BinaryOp op) {
  return op == BinaryOp::add || op == BinaryOp::maximum || op == BinaryOp::multiply || op == BinaryOp::minimum;
}

// --- where (copies elements of the branch's size, whatever the dtype) ---

template <class Word>
__global__ void where_kernel(Broadcast<3> plan, const bool* c, const Word* a, const Word* b, Word* out, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    std::int64_t off[3];
    plan.offsets(i, off);
    out[i] = c[off[0]] ? a[off[1]] : b[off[2]];
  }
}

}  // namespace

void CudaBackend::unary(UnaryOp op, In x, Out out, double alpha) {
  const char* name = unary_name(op);
  check_unary(op, x, out);
  const std::int64_t n = x.shape.num_elements();
  if (op == UnaryOp::logical_not) {
    visit_dtype(x.dtype, [&]<class T>() {
      if (n == 0) return;
      activate();
      launch(*this, name, n, logical_not_kernel<T>, static_cast<const T*>(x.data), static_cast<bool*>(out.data), n);
    });
    return;
  }
  if (n == 0) return;
  visit_dtype(x.dtype, [&]<class T>() {
    const T* p = static_cast<const T*>(x.data);
    T* y = static_cast<T*>(out.data);
    if constexpr (std::is_floating_point_v<T>) {
      activate();
      launch(*this, name, n, float_unary_kernel<T>, op, p, y, n, static_cast<T>(alpha));
    } else if constexpr (std::is_same_v<T, bool>) {
      unsupported_dtype(name, x.dtype, "a numeric dtype");
    } else {
      if (!integer_unary_supported(op)) unsupported_dtype(name, x.dtype, "float32 or float64");
      activate();
      launch(*this, name, n, integer_unary_kernel<T>, op, p, y, n);
    }
  });
}

void CudaBackend::binary(BinaryOp op, In a, In b, Out out) {
  const char* name = binary_name(op);
  check_binary(op, a, b, out);
  const std::int64_t n = out.shape.num_elements();
  if (n == 0) return;
  const auto plan = plan_broadcast<2>(name, out.shape, {&a.shape, &b.shape});
  if (a.dtype == DType::boolean && !writes_bool(op) && !bool_supports(op))
    unsupported_dtype(name, DType::boolean, "a numeric dtype");
  activate();
  const bool flat = plan.rank == 1 && plan.strides[0][0] == 1 && plan.strides[1][0] == 1;
  visit_dtype(a.dtype, [&]<class T>() {
    const T* pa = static_cast<const T*>(a.data);
    const T* pb = static_cast<const T*>(b.data);
    if (writes_bool(op))
      launch(*this, name, n, binary_kernel<true, T>, op, plan, pa, pb, static_cast<bool*>(out.data), n);
    else if (flat)
      launch(*this, name, n, arithmetic_flat_kernel<T>, op, pa, pb, static_cast<T*>(out.data), n);
    else
      launch(*this, name, n, binary_kernel<false, T>, op, plan, pa, pb, static_cast<T*>(out.data), n);
  });
}

void CudaBackend::where(In condition, In a, In b, Out out) {
  check_where(condition, a, b, out);
  const std::int64_t n = out.shape.num_elements();
  if (n == 0) return;
  const auto plan = plan_broadcast<3>("where", out.shape, {&condition.shape, &a.shape, &b.shape});
  activate();
  const bool* c = static_cast<const bool*>(condition.data);
  auto run = [&]<class Word>() {
    launch(*this, "where", n, where_kernel<Word>, plan, c, static_cast<const Word*>(a.data),
           static_cast<const Word*>(b.data), static_cast<Word*>(out.data), n);
  };
  switch (dtype_size(a.dtype)) {
    case 1: return run.template operator()<std::uint8_t>();
    case 4: return run.template operator()<std::uint32_t>();
    case 8: return run.template operator()<std::uint64_t>();
    default: throw DTypeError("where: unsupported dtype " + std::string(dtype_name(a.dtype)));
  }
}

}  // namespace strata::backend::cuda
