#include "strata/framework/ops/linalg.hpp"

#include <string>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"
#include "strata/framework/ops/op_support.hpp"

namespace strata {

using namespace detail;

namespace {

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// Rank >= 2 operands; op(A) is (..., m, k), op(B) is (..., k, n); batch axes broadcast.
Tensor matmul_core(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const auto ra = static_cast<std::size_t>(a.rank()), rb = static_cast<std::size_t>(b.rank());
  const std::int64_t m = ta ? a.shape()[ra - 1] : a.shape()[ra - 2];
  const std::int64_t ka = ta ? a.shape()[ra - 2] : a.shape()[ra - 1];
  const std::int64_t kb = tb ? b.shape()[rb - 1] : b.shape()[rb - 2];
  const std::int64_t n = tb ? b.shape()[rb - 2] : b.shape()[rb - 1];
  if (ka != kb)
    throw ShapeError("matmul: incompatible shapes " + shape_str(a) + " and " + shape_str(b) + ": inner dimensions " +
                     std::to_string(ka) + " and " + std::to_string(kb) + " differ" +
                     (ta || tb ? std::string(" (after transpose_a=") + (ta ? "true" : "false") +
                                     ", transpose_b=" + (tb ? "true" : "false") + ")"
                               : ""));
  const Shape batch_a = batch_of(a.shape()), batch_b = batch_of(b.shape());
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const ShapeError&) {
    throw ShapeError("matmul: incompatible shapes " + shape_str(a) + " and " + shape_str(b) + ": batch dimensions " +
                     batch_a.to_string() + " and " + batch_b.to_string() + " do not broadcast");
  }
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor y = empty(out_shape, a.dtype(), a.device());

  // Operands whose batch differs from the result's are either broadcast with stride 0 (a single
  // matrix) or materialised.
  auto batched = [&](const Tensor& t, const Shape& t_batch, std::int64_t rows, std::int64_t cols,
                     std::int64_t& stride) -> Tensor {
    if (t_batch == batch) {
      stride = rows * cols;
      return t;
    }
    if (t_batch.num_elements() == 1) {
      stride = 0;
      return t;
    }
    Shape full = batch;
    full.push_back(rows);
    full.push_back(cols);
    stride = rows * cols;
    return broadcast_to(t, full);
  };
  backend::GemmArgs args;
  const std::int64_t a_rows = a.shape()[ra - 2], a_cols = a.shape()[ra - 1];
  const std::int64_t b_rows = b.shape()[rb - 2], b_cols = b.shape()[rb - 1];
  Tensor a_full = batched(a, batch_a, a_rows, a_cols, args.stride_a);
  Tensor b_full = batched(b, batch_b, b_rows, b_cols, args.stride_b);
  args.dtype = a.dtype();
  args.transpose_a = ta;
  args.transpose_b = tb;
  args.batch = batch.num_elements();
  args.m = m;
  args.n = n;
  args.k = ka;
  args.a = a_full.impl()->data();
  args.lda = a_cols;
  args.b = b_full.impl()->data();
  args.ldb = b_cols;
  args.c = y.impl()->data();
  args.ldc = n;
  args.stride_c = m * n;
  // A stacked (batch, m, k) @ (k, n) is one tall GEMM.
  if (!ta && args.stride_a != 0 && args.stride_b == 0 && args.batch > 1) {
    args.m = m * args.batch;
    args.batch = 1;
  }
  if (y.size()) backend_of(a).gemm(args);

  record_if("matmul", {a, b}, y, [a = saved(a), b = saved(b), ta, tb](const Grads& g, const Needs& need) -> Grads {
    Grads r(2);
    const Tensor& dy = g[0];
    if (need[0]) {
      Tensor da = ta ? (tb ? matmul_core(b, dy, true, true) : matmul_core(b, dy, false, true))
                     : (tb ? matmul_core(dy, b, false, false) : matmul_core(dy, b, false, true));
      r[0] = sum_to_shape(da, a.shape());
    }
    if (need[1]) {
      Tensor db;
      if (!tb && !ta && b.rank() == 2 && a.rank() > 2) {
        // (batch..., m, k) @ (k, n): dB = A^T dY over all rows at once.
        const auto k = a.shape()[static_cast<std::size_t>(a.rank() - 1)];
        db = matmul_core(reshape(a, Shape{-1, k}), reshape(dy, Shape{-1, dy.shape().back()}), true, false);
      } else {
        db = tb ? (ta ? matmul_core(dy, a, true, true) : matmul_core(dy, a, true, false))
                : (ta ? matmul_core(a, dy, false, false) : matmul_core(a, dy, true, false));
      }
      r[1] = sum_to_shape(db, b.shape());
    }
    return r;
  });
  return y;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const MatmulOptions& options) {
  check_pair("matmul", a, b);
  if (!is_floating(a.dtype()))
    throw DTypeError("matmul: expected float32 or float64 operands, got " + dtype_str(a.dtype()) + " tensors of shapes " +
                     shape_str(a) + " and " + shape_str(b));
  if (a.rank() == 0 || b.rank() == 0)
    throw ShapeError("matmul: operands must have rank >= 1, got shapes " + shape_str(a) + " and " + shape_str(b));
  // Vectors as numpy.matmul: a row on the left, a column on the right, removed from the result.
  const bool a_vector = a.rank() == 1, b_vector = b.rank() == 1;
  if (a_vector || b_vector) {
    if ((a_vector && options.transpose_a) || (b_vector && options.transpose_b))
      throw ValueError("matmul: transpose options apply to matrices, not to rank-1 operands (shapes " + shape_str(a) +
                       " and " + shape_str(b) + ")");
    if ((a_vector ? a.shape()[0] : a.shape()[static_cast<std::size_t>(a.rank() - (options.transpose_a ? 2 : 1))]) !=
        (b_vector ? b.shape()[0] : b.shape()[static_cast<std::size_t>(b.rank() - (options.transpose_b ? 1 : 2))]))
      throw ShapeError("matmul: incompatible shapes " + shape_str(a) + " and " + shape_str(b) + ": inner dimensions " +
                       std::to_string(a_vector ? a.shape()[0] : a.shape().back()) + " and " +
                       std::to_string(b_vector ? b.shape()[0] : b.shape()[static_cast<std::size_t>(b.rank() - 2)]) +
                       " differ");
    Tensor a2 = a_vector ? reshape(a, Shape{1, a.shape()[0]}) : a;
    Tensor b2 = b_vector ? reshape(b, Shape{b.shape()[0], 1}) : b;
    Tensor y = matmul_core(a2, b2, options.transpose_a, options.transpose_b);
    std::vector<int> drop;
    if (a_vector) drop.push_back(y.rank() - 2);
    if (b_vector) drop.push_back(y.rank() - 1);
    return squeeze(y, drop);
  }
  return matmul_core(a, b, options.transpose_a, options.transpose_b);
}

void detail::dense_gemm(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool relu, const Tensor& y) {
  const std::int64_t k = kernel.shape()[0], n = kernel.shape()[1];
  backend::GemmArgs args;
  args.dtype = x.dtype();
  args.m = k == 0 ? 0 : x.size() / k;
  args.n = n;
  args.k = k;
  args.a = x.impl()->data();
  args.lda = k;
  args.b = kernel.impl()->data();
  args.ldb = n;
  args.c = y.impl()->data();
  args.ldc = n;
  args.bias = bias.defined() ? bias.impl()->data() : nullptr;
  args.relu = relu;
  if (y.size()) backend_of(x).gemm(args);
}

Tensor dense_forward(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool relu) {
  check_pair("dense_forward", x, kernel);
  if (bias.defined()) check_pair("dense_forward", x, bias);
  if (!is_floating(x.dtype()))
    throw DTypeError("dense_forward: expected float32 or float64 operands, got " + dtype_str(x.dtype()));
  if (x.rank() < 1 || kernel.rank() != 2 || x.shape().back() != kernel.shape()[0] ||
      (bias.defined() && (bias.rank() != 1 || bias.shape()[0] != kernel.shape()[1])))
    throw ShapeError("dense_forward: incompatible shapes: inputs " + shape_str(x) + ", kernel " + shape_str(kernel) +
                     ", bias " + (bias.defined() ? shape_str(bias) : std::string("none")));
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = kernel.shape()[1];
  Tensor y = empty(out_shape, x.dtype(), x.device());
  dense_gemm(x, kernel, bias, relu, y);

  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  record_if("dense_forward", inputs, y,
            [x = saved(x), kernel = saved(kernel), y, relu, has_bias = bias.defined()](const Grads& g, const Needs& need) -> Grads {
              Grads r(has_bias ? 3 : 2);
              const Tensor dz = relu ? multiply(g[0], cast(y > 0, y.dtype())) : g[0];
              const Tensor dz2 = reshape(dz, Shape{-1, kernel.shape()[1]});
              if (need[0]) r[0] = matmul(dz, kernel, {.transpose_b = true});
              if (need[1]) r[1] = matmul(reshape(x, Shape{-1, kernel.shape()[0]}), dz2, {.transpose_a = true});
              if (has_bias && need[2]) r[2] = sum(dz2, {0});
              return r;
            });
  return y;
}

}  // namespace strata
