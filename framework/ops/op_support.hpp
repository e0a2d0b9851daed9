#pragma once
// Shared plumbing of the op implementations (internal): argument checks with Keras-style messages,
// output allocation, and the recording helper.
#include <string>
#include <vector>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/tensor_impl.hpp"

namespace strata::detail {

using autodiff::Grads;
using autodiff::Needs;

inline backend::Backend& backend_of(const Tensor& t) { return t.impl()->backend(); }

// "(2, 3)" for messages.
inline std::string shape_str(const Tensor& t) { return t.shape().to_string(); }
inline std::string dtype_str(DType d) { return std::string(dtype_name(d)); }

// "(1, 2)", "(3,)": a list of sizes for messages, as Python writes a tuple.
std::string list_str(const std::vector<std::int64_t>& v);
// ValueError "<op>: <what> must be <n> positive integers, got (...)" unless v is n sizes > 0.
void check_positive(const char* op, const char* what, const std::vector<std::int64_t>& v, std::size_t n);

void check_defined(const char* op, const Tensor& t);
// Both defined, same device (DeviceError naming both), same dtype (DTypeError naming both).
void check_pair(const char* op, const Tensor& a, const Tensor& b);
void check_floating(const char* op, const Tensor& x);

// The gradient `g` of a broadcast result, summed back to an operand's `shape`.
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

// Records `backward` when a tape watches one of `inputs`. A template, so that nothing is allocated
// for the closure when no tape records.
template <class Backward>
void record_if(const char* op, std::initializer_list<Tensor> inputs, const Tensor& output, Backward&& backward) {
  std::vector<Tensor> list(inputs);
  if (autodiff::is_watched(list)) autodiff::record(op, std::move(list), {output}, std::forward<Backward>(backward));
}
template <class Backward>
void record_if(const char* op, const std::vector<Tensor>& inputs, const Tensor& output, Backward&& backward) {
  if (autodiff::is_watched(inputs)) autodiff::record(op, inputs, {output}, std::forward<Backward>(backward));
}

// y = relu?(x kernel + bias) as one backend GEMM (bias and relu fused; bias may be undefined), with
// no checks and no recording: x (..., k), kernel (k, n), y (..., n) already allocated. The
// dense_forward op and the inference plan's Dense step both run it.
void dense_gemm(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool relu, const Tensor& y);

// What a backward closure keeps of an input: the tensor itself, or for a Variable read under a tape
// a snapshot of its current storage, so that a later assign() does not change the value the
// gradient uses (the Variable then writes to fresh storage, as a TensorFlow variable read is a
// snapshot). The snapshot keeps the variable's id, so nested tapes still see the variable.
inline Tensor saved(const Tensor& t) {
  return t.defined() && t.is_variable() && autodiff::is_recording() ? snapshot(t) : t;
}

// A float elementwise op computed by one backend kernel: y = f(x), with dy/dx = derivative(x, y)
// written with ops so that nested tapes can differentiate it again.
template <class Derivative>
Tensor differentiable_unary(backend::UnaryOp op, const char* name, const Tensor& x, Derivative derivative,
                            double alpha = 0.0) {
  check_floating(name, x);
  Tensor y = empty(x.shape(), x.dtype(), x.device());
  backend_of(x).unary(op, x.impl()->in(), y.impl()->out(), alpha);
  record_if(name, {x}, y, [x = saved(x), y, derivative](const Grads& g, const Needs&) -> Grads {
    return {multiply(g[0], derivative(x, y))};
  });
  return y;
}

}  // namespace strata::detail
