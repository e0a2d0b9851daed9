// Gradient checks of every differentiable op against central finite differences in float64, through
// the one shared helper (tests/support/gradient_check.hpp). Inputs stay away from kinks (no x near 0
// for relu/abs, no ties for max/min).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "strata/strata.hpp"
#include "support/gradient_check.hpp"

namespace st = strata;
using st::Shape;
using st::Tensor;
using st::testing::check_gradients;
using st::testing::distinct_f64;
using st::testing::f64;
using st::testing::random_away_from_zero;
using st::testing::random_f64;
using Inputs = std::vector<Tensor>;
using UnaryOp = std::function<Tensor(const Tensor&)>;
using BinaryOp = std::function<Tensor(const Tensor&, const Tensor&)>;

namespace {

void check_unary(const UnaryOp& op, const Tensor& x, const st::testing::GradCheckOptions& options = {}) {
  check_gradients([&](const Inputs& in) { return op(in[0]); }, {x}, options);
}

void check_binary(const BinaryOp& op, const Tensor& a, const Tensor& b) {
  check_gradients([&](const Inputs& in) { return op(in[0], in[1]); }, {a, b});
}

// The operand shapes every binary op is checked with: equal, scalar, row vs matrix, (3,1)*(1,4),
// rank-3 vs rank-1, and two-sided broadcasting.
struct ShapePair {
  const char* name;
  Shape a;
  Shape b;
};
const std::vector<ShapePair>& broadcast_cases() {
  static const std::vector<ShapePair> cases = {
      {"same shape (2,3)", {2, 3}, {2, 3}},
      {"scalar with (2,3)", {}, {2, 3}},
      {"(2,3) with scalar", {2, 3}, {}},
      {"matrix (3,4) with row (4)", {3, 4}, {4}},
      {"row (4) with matrix (3,4)", {4}, {3, 4}},
      {"(3,1) with (1,4)", {3, 1}, {1, 4}},
      {"rank-3 (2,3,4) with rank-1 (4)", {2, 3, 4}, {4}},
      {"(2,1,4) with (3,1)", {2, 1, 4}, {3, 1}},
  };
  return cases;
}

using Generator = std::function<Tensor(const Shape&, std::uint64_t seed)>;
Tensor any_values(const Shape& s, std::uint64_t seed) { return random_f64(s, -1.0, 1.0, seed); }
Tensor positive_values(const Shape& s, std::uint64_t seed) { return random_f64(s, 0.5, 2.0, seed); }
Tensor nonzero_values(const Shape& s, std::uint64_t seed) { return random_away_from_zero(s, 0.5, 1.5, seed); }

void check_binary_broadcasting(const BinaryOp& op, const Generator& make_a, const Generator& make_b) {
  for (const auto& c : broadcast_cases()) {
    INFO("operands: " << c.name);
    check_binary(op, make_a(c.a, 101), make_b(c.b, 202));
  }
}

}  // namespace

// ---------------------------------------------------------------- binary elementwise

TEST_CASE("add: gradient with broadcasting") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::add(a, b); }, any_values, any_values);
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return a + b; }, any_values, any_values);
}

TEST_CASE("subtract: gradient with broadcasting") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::subtract(a, b); }, any_values,
                            any_values);
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return a - b; }, any_values, any_values);
}

TEST_CASE("multiply: gradient with broadcasting") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::multiply(a, b); }, any_values,
                            any_values);
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return a * b; }, any_values, any_values);
}

TEST_CASE("divide: gradient with broadcasting") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::divide(a, b); }, any_values,
                            nonzero_values);
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return a / b; }, any_values, nonzero_values);
}

TEST_CASE("pow: gradient with broadcasting (base and exponent)") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::pow(a, b); }, positive_values,
                            any_values);
}

TEST_CASE("pow: gradient with a C++ exponent, including negative bases") {
  check_unary([](const Tensor& x) { return st::pow(x, 3.0); }, random_f64({2, 3}, -2.0, 2.0, 5));
  check_unary([](const Tensor& x) { return st::pow(x, 2); }, random_f64({4}, -2.0, 2.0, 6));
  check_unary([](const Tensor& x) { return st::pow(x, 0.5); }, random_f64({4}, 0.5, 2.0, 7));
}

TEST_CASE("maximum: gradient with broadcasting (no ties)") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::maximum(a, b); }, any_values,
                            any_values);
  check_unary([](const Tensor& x) { return st::maximum(x, 0.1); }, random_f64({3, 4}, -1.0, 1.0, 3));
}

TEST_CASE("minimum: gradient with broadcasting (no ties)") {
  check_binary_broadcasting([](const Tensor& a, const Tensor& b) { return st::minimum(a, b); }, any_values,
                            any_values);
  check_unary([](const Tensor& x) { return st::minimum(x, 0.1); }, random_f64({3, 4}, -1.0, 1.0, 3));
}

TEST_CASE("operators: C++ numbers on either side keep float64") {
  check_unary([](const Tensor& x) { return x * 2.0 + 1.5; }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return 3.0 - x * x; }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return 2.0 / x - x / 4.0; }, random_away_from_zero({2, 3}));
  check_unary([](const Tensor& x) { return 2 * x; }, random_f64({5}));
}

TEST_CASE("multiply: the same tensor as both operands") {
  check_unary([](const Tensor& x) { return st::multiply(x, x); }, random_f64({3, 2}));
  check_unary([](const Tensor& x) { return x * x + x; }, random_f64({3, 2}));
}

// ---------------------------------------------------------------- unary elementwise

TEST_CASE("negative: gradient") {
  check_unary([](const Tensor& x) { return st::negative(x); }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return -x; }, random_f64({2, 3}));
}
TEST_CASE("exp: gradient") { check_unary([](const Tensor& x) { return st::exp(x); }, random_f64({2, 3}, -2, 2)); }
TEST_CASE("expm1: gradient") {
  check_unary([](const Tensor& x) { return st::expm1(x); }, random_f64({2, 3}, -2, 2));
}
TEST_CASE("log: gradient") { check_unary([](const Tensor& x) { return st::log(x); }, random_f64({2, 3}, 0.3, 3)); }
TEST_CASE("log1p: gradient") {
  check_unary([](const Tensor& x) { return st::log1p(x); }, random_f64({2, 3}, -0.5, 3));
}
TEST_CASE("sqrt: gradient") { check_unary([](const Tensor& x) { return st::sqrt(x); }, random_f64({2, 3}, 0.3, 3)); }
TEST_CASE("rsqrt: gradient") {
  check_unary([](const Tensor& x) { return st::rsqrt(x); }, random_f64({2, 3}, 0.3, 3));
}
TEST_CASE("square: gradient") { check_unary([](const Tensor& x) { return st::square(x); }, random_f64({2, 3}, -2, 2)); }
TEST_CASE("reciprocal: gradient") {
  check_unary([](const Tensor& x) { return st::reciprocal(x); }, random_away_from_zero({2, 3}, 0.3, 2));
}
TEST_CASE("abs: gradient away from 0") {
  check_unary([](const Tensor& x) { return st::abs(x); }, random_away_from_zero({3, 4}));
}
TEST_CASE("sin: gradient") { check_unary([](const Tensor& x) { return st::sin(x); }, random_f64({2, 3}, -3, 3)); }
TEST_CASE("cos: gradient") { check_unary([](const Tensor& x) { return st::cos(x); }, random_f64({2, 3}, -3, 3)); }
TEST_CASE("erf: gradient") { check_unary([](const Tensor& x) { return st::erf(x); }, random_f64({2, 3}, -2, 2)); }

TEST_CASE("sign, floor, ceil, round: gradient is zero away from jumps") {
  const Tensor x = f64({-1.7, -0.3, 0.2, 1.2, 2.6, -2.4}, {2, 3});
  check_unary([](const Tensor& v) { return st::sign(v); }, x);
  check_unary([](const Tensor& v) { return st::floor(v); }, x);
  check_unary([](const Tensor& v) { return st::ceil(v); }, x);
  check_unary([](const Tensor& v) { return st::round(v); }, x);
  // Combined with a differentiable term, the result stays that term's gradient.
  check_unary([](const Tensor& v) { return st::floor(v) * v; }, x);
}

TEST_CASE("clip: gradient passes inside the interval only") {
  const Tensor x = f64({-2.0, -0.7, -0.2, 0.3, 0.6, 1.4, 2.5, 0.05}, {2, 4});
  check_unary([](const Tensor& v) { return st::clip(v, -0.5, 1.0); }, x);
}

TEST_CASE("where: gradient to both branches, with broadcasting") {
  const Tensor condition = st::Tensor({{1, 0, 0, 1}, {0, 1, 1, 0}, {1, 1, 0, 0}}, st::bool_);
  check_gradients([](const Inputs& in) { return st::where(in[0], in[1], in[2]); },
                  {condition, random_f64({3, 4}, -1, 1, 1), random_f64({3, 4}, -1, 1, 2)});
  // a broadcast from a row, b a scalar
  check_gradients([](const Inputs& in) { return st::where(in[0], in[1], in[2]); },
                  {condition, random_f64({4}, -1, 1, 3), f64({0.25}, Shape{})});
  // the condition broadcast as a column
  const Tensor column = st::reshape(st::Tensor({1, 0, 1}, st::bool_), {3, 1});
  check_gradients([](const Inputs& in) { return st::where(in[0], in[1], in[2]); },
                  {column, random_f64({3, 4}, -1, 1, 4), random_f64({3, 4}, -1, 1, 5)});
}

TEST_CASE("cast: float64 to float64 passes the gradient") {
  check_unary([](const Tensor& x) { return st::cast(x, st::float64) * x; }, random_f64({2, 3}));
}

// ---------------------------------------------------------------- matmul

namespace {
void check_matmul(const Shape& a, const Shape& b, st::MatmulOptions options = {}) {
  INFO("matmul of " << a.to_string() << " and " << b.to_string() << " transpose_a=" << options.transpose_a
                    << " transpose_b=" << options.transpose_b);
  check_gradients([options](const Inputs& in) { return st::matmul(in[0], in[1], options); },
                  {random_f64(a, -1, 1, 31), random_f64(b, -1, 1, 32)});
}
}  // namespace

TEST_CASE("matmul: gradient 2-D") {
  check_matmul({2, 3}, {3, 4});
  check_matmul({1, 5}, {5, 1});
}
TEST_CASE("matmul: gradient batched") { check_matmul({2, 2, 3}, {2, 3, 4}); }
TEST_CASE("matmul: gradient with broadcast batch axes") {
  check_matmul({2, 2, 3}, {3, 4});
  check_matmul({2, 3}, {3, 3, 4});
  check_matmul({4, 1, 2, 3}, {3, 3, 2});
  check_matmul({1, 2, 3}, {2, 3, 2});
}
TEST_CASE("matmul: gradient with rank-1 operands") {
  check_matmul({3}, {3, 4});
  check_matmul({2, 3}, {3});
  check_matmul({3}, {3});
  check_matmul({3}, {2, 3, 4});
}
TEST_CASE("matmul: gradient with transpose options") {
  check_matmul({3, 2}, {3, 4}, {.transpose_a = true});
  check_matmul({2, 3}, {4, 3}, {.transpose_b = true});
  check_matmul({3, 2}, {4, 3}, {.transpose_a = true, .transpose_b = true});
  check_matmul({2, 3, 2}, {2, 4, 3}, {.transpose_a = true, .transpose_b = true});
}

TEST_CASE("dense_forward: gradient with and without bias and relu, rank 2 and 3") {
  for (bool relu : {false, true}) {
    INFO("relu=" << relu);
    check_gradients([relu](const Inputs& in) { return st::dense_forward(in[0], in[1], in[2], relu); },
                    {random_f64({3, 4}, -1, 1, 41), random_f64({4, 5}, -1, 1, 42), random_f64({5}, -1, 1, 43)});
    check_gradients([relu](const Inputs& in) { return st::dense_forward(in[0], in[1], Tensor(), relu); },
                    {random_f64({2, 3, 4}, -1, 1, 44), random_f64({4, 2}, -1, 1, 45)});
    check_gradients([relu](const Inputs& in) { return st::dense_forward(in[0], in[1], in[2], relu); },
                    {random_f64({1, 6}, -1, 1, 46), random_f64({6, 20}, -1, 1, 47), random_f64({20}, -1, 1, 48)});
  }
}

// ---------------------------------------------------------------- array ops

TEST_CASE("transpose: gradient") {
  check_unary([](const Tensor& x) { return st::transpose(x); }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return st::transpose(x); }, random_f64({2, 3, 4}));
  check_unary([](const Tensor& x) { return st::transpose(x, {1, 2, 0}); }, random_f64({2, 3, 4}));
  check_unary([](const Tensor& x) { return st::permute(x, {0, 2, 1}); }, random_f64({2, 3, 4}));
}

TEST_CASE("reshape: gradient") {
  check_unary([](const Tensor& x) { return st::reshape(x, {3, 2}); }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return st::reshape(x, {-1, 4}); }, random_f64({2, 3, 4}));
  check_unary([](const Tensor& x) { return st::reshape(x, {6}) * st::reshape(x, {6}); }, random_f64({2, 3}));
}

TEST_CASE("flatten: gradient") { check_unary([](const Tensor& x) { return st::flatten(x); }, random_f64({2, 3, 2})); }

TEST_CASE("expand_dims: gradient") {
  check_unary([](const Tensor& x) { return st::expand_dims(x, 0); }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return st::expand_dims(x, -1); }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return st::expand_dims(x, 1); }, random_f64({2, 3}));
}

TEST_CASE("squeeze: gradient") {
  check_unary([](const Tensor& x) { return st::squeeze(x); }, random_f64({1, 3, 1, 2}));
  check_unary([](const Tensor& x) { return st::squeeze(x, {2}); }, random_f64({1, 3, 1, 2}));
  check_unary([](const Tensor& x) { return st::squeeze(x, {-4}); }, random_f64({1, 3, 1, 2}));
}

TEST_CASE("broadcast_to: gradient sums over the broadcast axes") {
  check_unary([](const Tensor& x) { return st::broadcast_to(x, {2, 3, 4}); }, random_f64({3, 1}));
  check_unary([](const Tensor& x) { return st::broadcast_to(x, {3, 4}); }, random_f64({4}));
  check_unary([](const Tensor& x) { return st::broadcast_to(x, {2, 2}); }, f64({1.5}, Shape{}));
}

TEST_CASE("concat: gradient along several axes") {
  const Inputs in = {random_f64({2, 3}, -1, 1, 1), random_f64({2, 1}, -1, 1, 2), random_f64({2, 2}, -1, 1, 3)};
  check_gradients([](const Inputs& x) { return st::concat(x, 1); }, in);
  check_gradients([](const Inputs& x) { return st::concat(x, -1); }, in);
  check_gradients([](const Inputs& x) { return st::concat(x, 0); },
                  {random_f64({1, 3}, -1, 1, 4), random_f64({3, 3}, -1, 1, 5)});
  // the same tensor twice
  check_gradients([](const Inputs& x) { return st::concat({x[0], x[0]}, 0); }, {random_f64({2, 2})});
}

TEST_CASE("stack: gradient along several axes") {
  const Inputs in = {random_f64({2, 3}, -1, 1, 1), random_f64({2, 3}, -1, 1, 2), random_f64({2, 3}, -1, 1, 3)};
  for (int axis : {0, 1, 2, -1}) {
    INFO("axis " << axis);
    check_gradients([axis](const Inputs& x) { return st::stack(x, axis); }, in);
  }
}

TEST_CASE("split: gradient of equal parts, one part unused") {
  check_gradients(
      [](const Inputs& x) {
        auto parts = st::split(x[0], 3, 1);
        return parts[0] * 2.0 + st::square(parts[2]);  // parts[1] unused: its gradient is zero
      },
      {random_f64({2, 6})});
  check_gradients(
      [](const Inputs& x) {
        auto parts = st::split(x[0], 2, 0);
        return parts[0] * parts[1];
      },
      {random_f64({4, 3})});
}

TEST_CASE("split: gradient of given sizes") {
  check_gradients(
      [](const Inputs& x) {
        auto parts = st::split(x[0], std::vector<std::int64_t>{1, 3, 2}, -1);
        return st::concat({st::exp(parts[2]), parts[0] * 3.0, st::sin(parts[1])}, 1);
      },
      {random_f64({2, 6})});
}

TEST_CASE("slice: gradient with step and negative indices") {
  check_unary([](const Tensor& x) { return st::slice(x, 0, 1, 3); }, random_f64({4, 3}));
  check_unary([](const Tensor& x) { return st::slice(x, 1, 0, 6, 2); }, random_f64({3, 6}));
  check_unary([](const Tensor& x) { return st::slice(x, 1, -4, -1, 2); }, random_f64({3, 6}));
  check_unary([](const Tensor& x) { return st::slice(x, -1, 1, 100); }, random_f64({2, 2, 4}));
}

TEST_CASE("gather: gradient, repeated indices accumulate") {
  check_gradients([](const Inputs& x) { return st::gather(x[0], x[1], 0); },
                  {random_f64({4, 3}), st::Tensor({2, 0, 2, 2}, st::int32)});
  check_gradients([](const Inputs& x) { return st::gather(x[0], x[1], 1); },
                  {random_f64({2, 4}), st::Tensor({{3, 3}, {0, 1}}, st::int64)});
  check_gradients([](const Inputs& x) { return st::gather(x[0], x[1], -1); },
                  {random_f64({2, 2, 3}), st::Tensor({1, 1, 1, 2}, st::int32)});
}

TEST_CASE("gather: repeated indices accumulate, checked by value") {
  const Tensor x = f64({1, 2, 3}, {3});
  st::GradientTape tape;
  tape.watch(x);
  const Tensor y = st::sum(st::gather(x, st::Tensor({0, 2, 2, 2}, st::int32)));
  const Tensor g = tape.gradient(y, x);
  REQUIRE(g.defined());
  CHECK(g.to_vector<double>() == std::vector<double>{1.0, 0.0, 3.0});
}

TEST_CASE("pad: gradient") {
  check_unary([](const Tensor& x) { return st::pad(x, {{1, 0}, {2, 1}}); }, random_f64({2, 3}));
  check_unary([](const Tensor& x) { return st::pad(x, {{0, 0}, {1, 1}, {0, 2}}, 0.5); }, random_f64({2, 2, 2}));
}

// ---------------------------------------------------------------- reductions

namespace {
struct ReductionCase {
  const char* name;
  Shape shape;
  st::Axes axes;
  bool keepdims;
};
const std::vector<ReductionCase>& reduction_cases() {
  static const std::vector<ReductionCase> cases = {
      {"all axes of (2,3)", {2, 3}, {}, false},
      {"all axes of (2,3), keepdims", {2, 3}, {}, true},
      {"axis 0 of (2,3)", {2, 3}, 0, false},
      {"axis -1 of (2,3), keepdims", {2, 3}, -1, true},
      {"axis 1 of (2,3,4)", {2, 3, 4}, 1, false},
      {"axes {0,2} of (2,3,4)", {2, 3, 4}, {0, 2}, false},
      {"axes {0,2} of (2,3,4), keepdims", {2, 3, 4}, {0, 2}, true},
      {"axis 0 of (5)", {5}, 0, false},
      {"a scalar", {}, {}, false},
  };
  return cases;
}

using ReductionOp = std::function<Tensor(const Tensor&, const st::Axes&, bool)>;
void check_reduction(const ReductionOp& op, const std::function<Tensor(const Shape&)>& make_input) {
  for (const auto& c : reduction_cases()) {
    INFO("reduction over " << c.name);
    check_unary([&](const Tensor& x) { return op(x, c.axes, c.keepdims); }, make_input(c.shape));
  }
}
}  // namespace

TEST_CASE("sum: gradient over various axes, keepdims") {
  check_reduction([](const Tensor& x, const st::Axes& a, bool k) { return st::sum(x, a, k); },
                  [](const Shape& s) { return random_f64(s); });
}
TEST_CASE("mean: gradient over various axes, keepdims") {
  check_reduction([](const Tensor& x, const st::Axes& a, bool k) { return st::mean(x, a, k); },
                  [](const Shape& s) { return random_f64(s); });
}
TEST_CASE("max: gradient over various axes, keepdims (no ties)") {
  check_reduction([](const Tensor& x, const st::Axes& a, bool k) { return st::max(x, a, k); },
                  [](const Shape& s) { return distinct_f64(s); });
}
TEST_CASE("min: gradient over various axes, keepdims (no ties)") {
  check_reduction([](const Tensor& x, const st::Axes& a, bool k) { return st::min(x, a, k); },
                  [](const Shape& s) { return distinct_f64(s); });
}
TEST_CASE("prod: gradient over various axes, keepdims") {
  check_reduction([](const Tensor& x, const st::Axes& a, bool k) { return st::prod(x, a, k); },
                  [](const Shape& s) { return random_away_from_zero(s, 0.5, 1.5); });
}
TEST_CASE("prod: gradient with a zero element") {
  check_unary([](const Tensor& x) { return st::prod(x); }, f64({0.0, 2.0, 3.0}, {3}));
  check_unary([](const Tensor& x) { return st::prod(x, 1); }, f64({1.5, 0.0, -2.0, 0.5, 3.0, 2.0}, {2, 3}));
}
TEST_CASE("logsumexp: gradient over various axes, keepdims") {
  check_reduction([](const Tensor& x, const st::Axes& a, bool k) { return st::logsumexp(x, a, k); },
                  [](const Shape& s) { return random_f64(s, -2, 2); });
}

// ---------------------------------------------------------------- activations

TEST_CASE("relu: gradient away from 0") {
  check_unary([](const Tensor& x) { return st::relu(x); }, random_away_from_zero({3, 4}));
}
TEST_CASE("relu6: gradient away from 0 and 6") {
  check_unary([](const Tensor& x) { return st::relu6(x); }, f64({-2.0, -0.5, 0.5, 3.0, 5.5, 6.5, 8.0, 1.0}, {2, 4}));
}
TEST_CASE("leaky_relu: gradient with the default and a custom slope") {
  check_unary([](const Tensor& x) { return st::leaky_relu(x); }, random_away_from_zero({3, 4}));
  check_unary([](const Tensor& x) { return st::leaky_relu(x, 0.01); }, random_away_from_zero({3, 4}));
}
TEST_CASE("elu: gradient with the default and a custom alpha") {
  check_unary([](const Tensor& x) { return st::elu(x); }, random_away_from_zero({3, 4}));
  check_unary([](const Tensor& x) { return st::elu(x, 0.5); }, random_away_from_zero({3, 4}));
}
TEST_CASE("selu: gradient") { check_unary([](const Tensor& x) { return st::selu(x); }, random_away_from_zero({3, 4})); }
TEST_CASE("gelu: gradient, exact and approximate") {
  check_unary([](const Tensor& x) { return st::gelu(x); }, random_f64({3, 4}, -3, 3));
  check_unary([](const Tensor& x) { return st::gelu(x, true); }, random_f64({3, 4}, -3, 3));
}
TEST_CASE("sigmoid: gradient") { check_unary([](const Tensor& x) { return st::sigmoid(x); }, random_f64({3, 4}, -4, 4)); }
TEST_CASE("hard_sigmoid: gradient away from -3 and 3") {
  check_unary([](const Tensor& x) { return st::hard_sigmoid(x); },
              f64({-5.0, -3.5, -2.5, -1.0, 0.0, 1.5, 2.9, 3.2, 4.0}, {9}));
}
TEST_CASE("tanh: gradient") { check_unary([](const Tensor& x) { return st::tanh(x); }, random_f64({3, 4}, -3, 3)); }
TEST_CASE("softplus: gradient, including large inputs") {
  check_unary([](const Tensor& x) { return st::softplus(x); }, random_f64({3, 4}, -4, 4));
  check_unary([](const Tensor& x) { return st::softplus(x); }, f64({-40.0, 40.0, 25.0, -25.0}, {4}));
}
TEST_CASE("softsign: gradient") {
  check_unary([](const Tensor& x) { return st::softsign(x); }, random_away_from_zero({3, 4}));
}
TEST_CASE("swish and silu: gradient") {
  check_unary([](const Tensor& x) { return st::swish(x); }, random_f64({3, 4}, -4, 4));
  check_unary([](const Tensor& x) { return st::silu(x); }, random_f64({3, 4}, -4, 4));
}
TEST_CASE("softmax: gradient over various axes") {
  for (int axis : {-1, 0, 1, 2}) {
    INFO("axis " << axis);
    check_unary([axis](const Tensor& x) { return st::softmax(x, axis); }, random_f64({2, 3, 4}, -2, 2));
  }
  check_unary([](const Tensor& x) { return st::softmax(x); }, random_f64({5}, -2, 2));
  check_unary([](const Tensor& x) { return st::softmax(x); }, f64({100.0, 101.0, 99.5, 100.2}, {2, 2}));
}
TEST_CASE("log_softmax: gradient over various axes") {
  for (int axis : {-1, 0, 1, 2}) {
    INFO("axis " << axis);
    check_unary([axis](const Tensor& x) { return st::log_softmax(x, axis); }, random_f64({2, 3, 4}, -2, 2));
  }
  check_unary([](const Tensor& x) { return st::log_softmax(x); }, f64({100.0, 101.0, 99.5, 100.2}, {2, 2}));
}

// ---------------------------------------------------------------- compositions

TEST_CASE("composition: a small dense layer with a loss") {
  check_gradients(
      [](const Inputs& in) {
        const Tensor hidden = st::tanh(st::matmul(in[0], in[1]) + in[2]);
        return st::mean(st::square(st::log_softmax(hidden, -1)));
      },
      {random_f64({4, 3}, -1, 1, 1), random_f64({3, 5}, -1, 1, 2), random_f64({5}, -1, 1, 3)});
}
