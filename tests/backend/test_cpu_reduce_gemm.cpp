// The CPU backend's reductions and GEMM through the Backend interface.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "backend/backend_test_util.hpp"
#include "strata/framework/errors.hpp"

using namespace backend_test;
using strata::Shape;
using sb::ReduceOp;

namespace {

Shape kept(const Shape& shape, const std::vector<int>& axes) {
  Shape k = shape;
  for (int a : axes) k[static_cast<std::size_t>(a)] = 1;
  return k;
}

// Reference reduction in long double.
template <class T>
std::vector<long double> reference(ReduceOp op, const Host<T>& x, const std::vector<int>& axes) {
  const Shape out_shape = kept(x.shape, axes);
  const auto n = static_cast<std::size_t>(out_shape.num_elements());
  const bool extreme = op == ReduceOp::max || op == ReduceOp::min;
  std::vector<long double> acc(n, op == ReduceOp::prod ? 1.0L : 0.0L);
  std::vector<bool> seen(n, false);
  std::int64_t count = 1;
  for (int a : axes) count *= x.shape[static_cast<std::size_t>(a)];
  for (std::int64_t i = 0; i < x.shape.num_elements(); ++i) {
    const auto o = static_cast<std::size_t>(broadcast_flat(unravel(i, x.shape), out_shape));
    const long double v = x[static_cast<std::size_t>(i)];
    if (op == ReduceOp::prod)
      acc[o] *= v;
    else if (extreme)
      acc[o] = !seen[o] ? v : (op == ReduceOp::max ? std::max(acc[o], v) : std::min(acc[o], v));
    else
      acc[o] += v;
    seen[o] = true;
  }
  if (op == ReduceOp::mean)
    for (auto& v : acc) v /= static_cast<long double>(count);
  return acc;
}

template <class T>
void check_reduce(ReduceOp op, const Host<T>& x, const std::vector<int>& axes, double tolerance) {
  Host<T> out(kept(x.shape, axes));
  cpu().reduce(op, x.in(), axes, out.out());
  const auto expected = reference(op, x, axes);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    const bool ok = tolerance == 0 ? static_cast<long double>(out[i]) == expected[i]
                                   : static_cast<double>(out[i]) ==
                                         doctest::Approx(static_cast<double>(expected[i])).epsilon(tolerance);
    if (!ok) REQUIRE(static_cast<double>(out[i]) == doctest::Approx(static_cast<double>(expected[i])));
  }
}

}  // namespace

TEST_CASE("reduce: sum/mean/max/min/prod over every axis set of a 3-d tensor") {
  Shape shape{3, 4, 5};
  Host<double> x(shape);
  for (std::size_t i = 0; i < x.values.size(); ++i) x[i] = std::sin(double(i)) * 2 + 0.1;
  Host<float> xf(shape);
  for (std::size_t i = 0; i < x.values.size(); ++i) xf[i] = static_cast<float>(x[i]);
  const std::vector<std::vector<int>> axis_sets = {{}, {0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (const auto& axes : axis_sets)
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max, ReduceOp::min, ReduceOp::prod}) {
      CAPTURE(static_cast<int>(op));
      CAPTURE(axes.size());
      check_reduce(op, x, axes, 1e-12);
      check_reduce(op, xf, axes, 1e-5);
    }
  Shape four{2, 3, 1, 4};
  Host<std::int32_t> ints(four);
  for (std::size_t i = 0; i < ints.values.size(); ++i) ints[i] = static_cast<std::int32_t>(i % 5) - 2;
  for (const auto& axes : std::vector<std::vector<int>>{{0}, {1, 3}, {0, 2, 3}, {0, 1, 2, 3}, {2}})
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::max, ReduceOp::min, ReduceOp::prod}) check_reduce(op, ints, axes, 0);
}

TEST_CASE("reduce: known values, keepdims shape, integer mean truncates") {
  Shape s{2, 3};
  Host<float> x(s, {1, 2, 3, 4, 5, 6});
  Host<float> rows(Shape{2, 1}), cols(Shape{1, 3}), all(Shape{1, 1});
  cpu().reduce(ReduceOp::sum, x.in(), {1}, rows.out());
  CHECK(rows.values == std::vector<float>{6, 15});
  cpu().reduce(ReduceOp::mean, x.in(), {0}, cols.out());
  CHECK(cols.values == std::vector<float>{2.5f, 3.5f, 4.5f});
  cpu().reduce(ReduceOp::prod, x.in(), {0, 1}, all.out());
  CHECK(all[0] == 720.0f);
  Host<std::int64_t> ints(Shape{4}, {1, 2, 2, 2}), mean(Shape{1});
  cpu().reduce(ReduceOp::mean, ints.in(), {0}, mean.out());
  CHECK(mean[0] == 1);
  Host<float> wrong(Shape{2});
  CHECK_THROWS_AS(cpu().reduce(ReduceOp::sum, x.in(), {1}, wrong.out()), strata::ShapeError);
}

TEST_CASE("reduce: max and min propagate NaN; argmax/argmin take the first extreme") {
  Shape s{2, 4};
  Host<float> x(s, {1, NAN, 3, 2, 5, 5, -1, -1});
  Host<float> m(Shape{2, 1});
  cpu().reduce(ReduceOp::max, x.in(), {1}, m.out());
  CHECK(std::isnan(m[0]));
  CHECK(m[1] == 5.0f);
  cpu().reduce(ReduceOp::min, x.in(), {1}, m.out());
  CHECK(std::isnan(m[0]));
  CHECK(m[1] == -1.0f);
  Host<std::int64_t> arg(Shape{2, 1});
  cpu().reduce(ReduceOp::argmax, x.in(), {1}, arg.out());
  CHECK(arg.values == std::vector<std::int64_t>{1, 0});
  cpu().reduce(ReduceOp::argmin, x.in(), {1}, arg.out());
  CHECK(arg.values == std::vector<std::int64_t>{1, 2});
  Host<std::int32_t> t(Shape{3, 2}, {4, 1, 7, 9, 7, 9});
  Host<std::int64_t> a0(Shape{1, 2});
  cpu().reduce(ReduceOp::argmax, t.in(), {0}, a0.out());
  CHECK(a0.values == std::vector<std::int64_t>{1, 1});
  cpu().reduce(ReduceOp::argmin, t.in(), {0}, a0.out());
  CHECK(a0.values == std::vector<std::int64_t>{0, 0});
  Host<float> big(Shape{1000, 300});
  for (std::size_t i = 0; i < big.values.size(); ++i) big[i] = float((i * 7919) % 1009);
  Host<std::int64_t> am(Shape{1, 300});
  cpu().reduce(ReduceOp::argmax, big.in(), {0}, am.out());
  for (std::int64_t c = 0; c < 300; ++c) {
    std::int64_t best = 0;
    for (std::int64_t r = 1; r < 1000; ++r)
      if (big[std::size_t(r * 300 + c)] > big[std::size_t(best * 300 + c)]) best = r;
    REQUIRE(am[std::size_t(c)] == best);
  }
}

TEST_CASE("reduce: a float32 sum of a million values is accurate, and large reductions match small ones") {
  Shape s{1000000};
  Host<float> x(s);
  long double exact = 0;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (auto& v : x.values) exact += (v = u(rng));
  Host<float> total(Shape{1});
  cpu().reduce(ReduceOp::sum, x.in(), {0}, total.out());
  CHECK(std::abs(total[0] - double(exact)) / double(exact) < 1e-6);
  cpu().reduce(ReduceOp::mean, x.in(), {0}, total.out());
  CHECK(std::abs(total[0] - double(exact / 1e6L)) / double(exact / 1e6L) < 1e-6);

  Shape m{1000, 700};
  Host<float> y(m);
  for (std::size_t i = 0; i < y.values.size(); ++i) y[i] = u(rng) - 0.5f;
  check_reduce(ReduceOp::sum, y, {0}, 1e-4);
  check_reduce(ReduceOp::sum, y, {1}, 1e-4);
  check_reduce(ReduceOp::max, y, {0}, 0);
  check_reduce(ReduceOp::min, y, {1}, 0);
  check_reduce(ReduceOp::sum, y, {0, 1}, 1e-4);
  Host<double> z(Shape{20, 3000, 20});
  for (std::size_t i = 0; i < z.values.size(); ++i) z[i] = std::cos(double(i));
  check_reduce(ReduceOp::sum, z, {1}, 1e-9);
  check_reduce(ReduceOp::sum, z, {0, 2}, 1e-9);
  check_reduce(ReduceOp::max, z, {0, 1}, 0);
}

namespace {

// C = alpha op(A) op(B) + beta C by the definition, for one matrix of the batch.
template <class T>
void reference_gemm(const sb::GemmArgs& g, std::int64_t batch_index, std::vector<T>& c) {
  const T* a = static_cast<const T*>(g.a) + batch_index * g.stride_a;
  const T* b = static_cast<const T*>(g.b) + batch_index * g.stride_b;
  T* cc = c.data() + batch_index * g.stride_c;
  for (std::int64_t i = 0; i < g.m; ++i)
    for (std::int64_t j = 0; j < g.n; ++j) {
      double s = 0;
      for (std::int64_t p = 0; p < g.k; ++p)
        s += double(g.transpose_a ? a[p * g.lda + i] : a[i * g.lda + p]) *
             double(g.transpose_b ? b[j * g.ldb + p] : b[p * g.ldb + j]);
      T& out = cc[i * g.ldc + j];
      out = static_cast<T>(g.alpha * s + (g.beta == 0 ? 0.0 : g.beta * double(out)));
    }
}

template <class T>
void check_gemm(bool ta, bool tb, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, bool share_a,
                bool share_b, double alpha, double beta, bool bias_relu = false) {
  sb::GemmArgs g;
  g.dtype = strata::dtype_of<T>();
  g.transpose_a = ta;
  g.transpose_b = tb;
  g.batch = batch;
  g.m = m;
  g.n = n;
  g.k = k;
  g.lda = ta ? m : k;
  g.ldb = tb ? k : n;
  g.ldc = n;
  g.stride_a = share_a ? 0 : m * k;
  g.stride_b = share_b ? 0 : k * n;
  g.stride_c = m * n;
  g.alpha = alpha;
  g.beta = beta;
  std::vector<T> a(static_cast<std::size_t>((share_a ? 1 : batch) * m * k));
  std::vector<T> b(static_cast<std::size_t>((share_b ? 1 : batch) * k * n));
  std::vector<T> c(static_cast<std::size_t>(batch * m * n)), expected;
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = T(int(i % 11) - 5) / T(4);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = T(int(i % 7) - 3) / T(2);
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = beta == 0 ? T(NAN) : T(int(i % 3));
  expected = c;
  g.a = a.data();
  g.b = b.data();
  g.c = c.data();
  cpu().gemm(g);
  std::vector<T> bias(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) bias[static_cast<std::size_t>(j)] = T(int(j % 5) - 2);
  if (bias_relu) {
    g.bias = bias.data();
    g.relu = true;
    c = expected;  // the same starting C again
    g.c = c.data();
    cpu().gemm(g);
  }
  g.c = expected.data();
  for (std::int64_t i = 0; i < batch; ++i) reference_gemm(g, i, expected);
  if (bias_relu)
    for (std::size_t i = 0; i < expected.size(); ++i)
      expected[i] = std::max(T(0), expected[i] + bias[i % static_cast<std::size_t>(n)]);
  for (std::size_t i = 0; i < c.size(); ++i) {
    CAPTURE(i);
    if (!(double(c[i]) == doctest::Approx(double(expected[i])).epsilon(1e-5)))
      REQUIRE(double(c[i]) == doctest::Approx(double(expected[i])).epsilon(1e-5));
  }
}

}  // namespace

TEST_CASE("gemm: known product") {
  std::vector<float> a{1, 2, 3, 4, 5, 6}, b{7, 8, 9, 10, 11, 12}, c(4);
  sb::GemmArgs g;
  g.m = 2, g.n = 2, g.k = 3, g.a = a.data(), g.lda = 3, g.b = b.data(), g.ldb = 2, g.c = c.data(), g.ldc = 2;
  cpu().gemm(g);
  CHECK(c == std::vector<float>{58, 64, 139, 154});
}

TEST_CASE("gemm: transposes, batches, shared operands, vectors and empty inner dimension") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      CAPTURE(ta);
      CAPTURE(tb);
      check_gemm<float>(ta, tb, 1, 5, 7, 3, false, false, 1.0, 0.0);
      check_gemm<double>(ta, tb, 3, 4, 6, 5, false, false, 1.0, 0.0);
      check_gemm<float>(ta, tb, 3, 4, 6, 5, true, false, 0.5, 0.0);
      check_gemm<double>(ta, tb, 3, 4, 6, 5, false, true, 1.0, 2.0);
      check_gemm<float>(ta, tb, 2, 1, 9, 4, false, false, 1.0, 0.0);  // m == 1 (gemv)
      check_gemm<float>(ta, tb, 2, 9, 1, 4, false, false, 1.0, 1.0);  // n == 1 (gemv)
      check_gemm<double>(ta, tb, 2, 1, 1, 4, false, true, 1.0, 0.0);
      check_gemm<float>(ta, tb, 2, 3, 4, 0, false, false, 1.0, 0.0);  // k == 0: C = 0
      check_gemm<float>(ta, tb, 2, 3, 4, 0, false, false, 1.0, 3.0);  // k == 0: C = beta C
      check_gemm<float>(ta, tb, 1, 70, 65, 130, false, false, 1.0, 0.0);
      // Above 2^19 multiply-adds the product is split over the pool's threads: by rows, or by
      // columns when there are few rows; each slab runs the bias + relu epilogue itself.
      check_gemm<double>(ta, tb, 2, 130, 40, 120, true, false, 0.5, 1.0);
      check_gemm<float>(ta, tb, 2, 20, 300, 100, false, true, 1.0, 0.5);
      check_gemm<float>(ta, tb, 1, 150, 70, 60, false, false, 1.0, 0.0, true);
      check_gemm<float>(ta, tb, 1, 20, 300, 100, false, false, 1.0, 0.0, true);
      // m == 1 with a wide B: the row-times-matrix kernel (full 8-register blocks, single
      // registers and a scalar tail), alpha applied, batches sharing B.
      check_gemm<float>(ta, tb, 2, 1, 16 * 8 + 16 + 5, 37, false, true, 0.5, 0.0);
      check_gemm<double>(ta, tb, 2, 1, 8 * 8 + 8 + 3, 29, false, false, 1.0, 0.0);
      check_gemm<float>(ta, tb, 1, 1, 256, 784, false, false, 1.0, 0.0);
    }
  sb::GemmArgs ints;
  ints.dtype = strata::DType::int32;
  ints.m = ints.n = ints.k = 1;
  ints.lda = ints.ldb = ints.ldc = 1;
  CHECK_THROWS_AS(cpu().gemm(ints), strata::DTypeError);
}
