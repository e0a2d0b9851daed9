// GradientTape and Variable: the TensorFlow tutorial examples ("Introduction to gradients and
// automatic differentiation", "Basic training loops"), persistent tapes, watching, stop_gradient,
// nested tapes, custom_gradient, broadcasting and accumulation.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "strata/strata.hpp"
#include "support/gradient_check.hpp"

namespace st = strata;
using st::GradientTape;
using st::Shape;
using st::Tensor;
using st::Variable;
using st::testing::check_gradients;
using st::testing::f64;
using st::testing::random_f64;

namespace {
std::vector<double> values_of(const Tensor& t) { return t.to_vector<double>(); }
}  // namespace

// ------------------------------------------------------------------ the tutorial

TEST_CASE("tutorial: y = x * x gives dy/dx = 6 at x = 3") {
  Variable x(3.0f);
  GradientTape tape;
  auto y = x * x;
  auto dy_dx = tape.gradient(y, x);
  REQUIRE(dy_dx.defined());
  CHECK(dy_dx.dtype() == st::float32);
  CHECK(dy_dx.shape() == Shape{});
  CHECK(dy_dx.item<float>() == 6.0f);
}

TEST_CASE("tutorial: 500 SGD steps on (x - 4)^2 bring x to 4") {
  Variable x(10.0f);
  const float learning_rate = 0.01f;
  for (int step = 0; step < 500; ++step) {
    GradientTape tape;
    auto loss = st::square(x - 4.0f);
    auto grad = tape.gradient(loss, x);
    REQUIRE(grad.defined());
    x.assign_sub(learning_rate * grad);
  }
  CHECK(std::abs(x.item<float>() - 4.0f) < 1e-3f);
}

TEST_CASE("tutorial: adding two constants prints value, shape and dtype") {
  CHECK(st::add(Tensor(1), Tensor(2)).to_string() == "strata.Tensor(3, shape=(), dtype=int32)");
  CHECK(st::add(Tensor({1, 2}, st::int32), Tensor({3, 4}, st::int32)).to_string() ==
        "strata.Tensor([4 6], shape=(2,), dtype=int32)");
  CHECK((Tensor({1, 2}) + Tensor({3, 4})).to_string() == "strata.Tensor([4. 6.], shape=(2,), dtype=float32)");
  CHECK(st::matmul(Tensor({{1, 2}, {3, 4}}), Tensor({{1, 1}, {1, 1}})).to_string() ==
        "strata.Tensor(\n[[3. 3.]\n [7. 7.]], shape=(2, 2), dtype=float32)");
}

TEST_CASE("tutorial: gradients of a small dense layer with respect to its variables") {
  Variable w(st::normal({3, 2}, {.seed = 1}), {.name = "w"});
  Variable b(st::zeros({2}), {.name = "b"});
  const Tensor x({{1.0, 2.0, 3.0}});
  GradientTape tape({.persistent = true});
  auto y = st::matmul(x, w) + b;
  auto loss = st::mean(y * y);
  auto grads = tape.gradient(loss, std::vector<Variable>{w, b});
  REQUIRE(grads.size() == 2);
  CHECK(grads[0].shape() == w.shape());
  CHECK(grads[1].shape() == b.shape());
  // d loss / d b = y (mean over 2 elements of y^2: 2 y / 2)
  const auto yv = values_of(y);
  const auto gb = values_of(grads[1]);
  CHECK(gb[0] == doctest::Approx(yv[0]).epsilon(1e-6));
  CHECK(gb[1] == doctest::Approx(yv[1]).epsilon(1e-6));
  // d loss / d w[i][j] = x[i] * y[j]
  const auto gw = values_of(grads[0]);
  CHECK(gw[2 * 2 + 1] == doctest::Approx(3.0 * yv[1]).epsilon(1e-5));
}

// ------------------------------------------------------------------ persistent, watch

TEST_CASE("persistent tape: several gradient calls") {
  const Tensor x(3.0f);
  GradientTape tape({.persistent = true});
  tape.watch(x);
  auto y = x * x;
  auto z = y * y;
  CHECK(tape.gradient(z, x).item<float>() == 108.0f);  // 4 x^3
  CHECK(tape.gradient(y, x).item<float>() == 6.0f);
  CHECK(tape.gradient(z, y).item<float>() == 18.0f);  // 2 y
}

TEST_CASE("non-persistent tape: a second gradient call is a ValueError") {
  const Tensor x(3.0f);
  GradientTape tape;
  tape.watch(x);
  auto y = x * x;
  CHECK(tape.gradient(y, x).item<float>() == 6.0f);
  CHECK_THROWS_AS(tape.gradient(y, x), st::ValueError);
}

TEST_CASE("watch: a plain tensor is differentiated only when watched") {
  const Tensor x(3.0f);
  {
    GradientTape tape;
    auto y = x * x;
    CHECK_FALSE(tape.gradient(y, x).defined());
  }
  {
    GradientTape tape;
    tape.watch(x);
    auto y = x * x;
    CHECK(tape.gradient(y, x).item<float>() == 6.0f);
  }
  {
    const Tensor a(2.0f), b(5.0f);
    GradientTape tape;
    tape.watch(std::vector<Tensor>{a, b});
    auto y = a * b;
    auto g = tape.gradient(y, std::vector<Tensor>{a, b});
    CHECK(g[0].item<float>() == 5.0f);
    CHECK(g[1].item<float>() == 2.0f);
  }
}

TEST_CASE("watch: ops before the tape started are not recorded") {
  Variable x(3.0f);
  auto y = x * x;  // before the tape
  GradientTape tape;
  auto z = y * 2.0f;
  CHECK_FALSE(tape.gradient(z, x).defined());
}

TEST_CASE("a non-trainable Variable is not watched automatically") {
  Variable frozen(2.0f, {.name = "frozen", .trainable = false});
  Variable trained(3.0f);
  CHECK_FALSE(frozen.trainable());
  GradientTape tape({.persistent = true});
  auto y = frozen * frozen + trained;  // frozen * frozen reads no watched tensor: not recorded
  CHECK_FALSE(tape.gradient(y, frozen).defined());
  CHECK(tape.gradient(y, trained).item<float>() == 1.0f);

  Variable later(4.0f);
  later.set_trainable(false);
  CHECK_FALSE(later.trainable());
  GradientTape tape2;
  auto z = later * later;
  CHECK_FALSE(tape2.gradient(z, later).defined());
}

TEST_CASE("watch_accessed_variables = false: only watched variables") {
  Variable a(2.0f, {.name = "a"});
  Variable b(3.0f, {.name = "b"});
  GradientTape tape({.persistent = true, .watch_accessed_variables = false});
  tape.watch(a);
  auto y = a * a + b * b;
  CHECK(tape.gradient(y, a).item<float>() == 4.0f);
  CHECK_FALSE(tape.gradient(y, b).defined());
}

TEST_CASE("watched_variables: the trainable variables read, in first-use order") {
  Variable a(1.0f, {.name = "a"});
  Variable b(2.0f, {.name = "b"});
  Variable c(3.0f, {.name = "c", .trainable = false});
  Variable unused(4.0f, {.name = "unused"});
  GradientTape tape;
  auto first = b * c;  // separate statements: the order of operands of + is unspecified in C++
  auto second = a * b;
  auto y = first + second;
  const auto watched = tape.watched_variables();
  REQUIRE(watched.size() == 2);
  CHECK(watched[0].name() == "b");
  CHECK(watched[1].name() == "a");
  CHECK(watched[0].id() == b.id());
}

TEST_CASE("stop_gradient: no gradient flows through") {
  const Tensor x(3.0f);
  GradientTape tape({.persistent = true});
  tape.watch(x);
  auto y = x * st::stop_gradient(x);
  CHECK(tape.gradient(y, x).item<float>() == 3.0f);  // not 6
  auto z = st::stop_gradient(x * x);
  CHECK_FALSE(tape.gradient(z, x).defined());
  CHECK(st::stop_gradient(x).item<float>() == 3.0f);
}

TEST_CASE("stop_recording: ops in the pause are not recorded") {
  Variable x(3.0f);
  GradientTape tape({.persistent = true});
  auto y = x * x;
  Tensor z;
  {
    auto pause = tape.stop_recording();
    z = x * 10.0f;
  }
  auto w = x * 2.0f;
  CHECK(tape.gradient(y, x).item<float>() == 6.0f);
  CHECK_FALSE(tape.gradient(z, x).defined());
  CHECK(tape.gradient(w, x).item<float>() == 2.0f);
}

TEST_CASE("reset: forgets what was recorded") {
  Variable x(3.0f);
  GradientTape tape({.persistent = true});
  auto y = x * x;
  tape.reset();
  CHECK_FALSE(tape.gradient(y, x).defined());
  auto z = x * 5.0f;
  CHECK(tape.gradient(z, x).item<float>() == 5.0f);
}

// ------------------------------------------------------------------ what gradients look like

TEST_CASE("gradient through broadcasting is reduced to the input's shape") {
  Variable x(Tensor({{1, 2, 3}, {4, 5, 6}}), {.name = "x"});
  Variable row(Tensor({10, 20, 30}), {.name = "row"});
  Variable column(st::reshape(Tensor({1, 2}), {2, 1}), {.name = "column"});
  Variable s(2.0f, {.name = "s"});
  GradientTape tape;
  auto y = (x + row) * column * s;
  auto g = tape.gradient(y, std::vector<Variable>{x, row, column, s});
  REQUIRE(g.size() == 4);
  CHECK(g[0].shape() == Shape{2, 3});
  CHECK(g[1].shape() == Shape{3});
  CHECK(g[2].shape() == Shape{2, 1});
  CHECK(g[3].shape() == Shape{});
  CHECK(values_of(g[0]) == std::vector<double>{2, 2, 2, 4, 4, 4});
  CHECK(values_of(g[1]) == std::vector<double>{6, 6, 6});                // sum over rows of column * s
  CHECK(values_of(g[2]) == std::vector<double>{2 * 66, 2 * 75});        // sum of (x + row) * s
  CHECK(values_of(g[3]) == std::vector<double>{66 * 1 + 75 * 2});       // sum of (x + row) * column
}

TEST_CASE("a tensor used twice accumulates: y = x*x + x gives 2x + 1") {
  Variable x(Tensor({1.0, -2.0, 0.5}));
  GradientTape tape;
  auto y = x * x + x;
  CHECK(values_of(tape.gradient(y, x)) == std::vector<double>{3.0, -3.0, 2.0});
}

TEST_CASE("a source the target does not depend on gives an undefined tensor") {
  Variable x(2.0f, {.name = "x"});
  Variable unrelated(5.0f, {.name = "unrelated"});
  GradientTape tape({.persistent = true});
  auto y = x * x;
  auto z = unrelated * 1.0f;
  const Tensor g = tape.gradient(y, unrelated);
  CHECK_FALSE(g.defined());
  const auto gs = tape.gradient(y, std::vector<Variable>{x, unrelated});
  REQUIRE(gs.size() == 2);
  CHECK(gs[0].item<float>() == 4.0f);
  CHECK_FALSE(gs[1].defined());
  // a constant target
  CHECK_FALSE(tape.gradient(Tensor(1.0f), x).defined());
}

TEST_CASE("gradient with respect to a list of sources") {
  const Tensor a(2.0f), b(3.0f), c(4.0f);
  GradientTape tape;
  tape.watch(std::vector<Tensor>{a, b, c});
  auto y = a * b + b * c + st::square(c);
  const auto g = tape.gradient(y, std::vector<Tensor>{a, b, c});
  REQUIRE(g.size() == 3);
  CHECK(g[0].item<float>() == 3.0f);
  CHECK(g[1].item<float>() == 6.0f);
  CHECK(g[2].item<float>() == 11.0f);
}

TEST_CASE("gradient of a non-scalar target is the gradient of its sum") {
  Variable x(Tensor({1.0, 2.0, 3.0}));
  GradientTape tape({.persistent = true});
  auto y = x * Tensor({1.0, 2.0, 3.0}) + st::square(x);  // non-scalar
  CHECK(values_of(tape.gradient(y, x)) == std::vector<double>{3.0, 6.0, 9.0});
  // an output_gradient weights the target's elements
  CHECK(values_of(tape.gradient(y, x, Tensor({1.0, 0.0, -1.0}))) == std::vector<double>{3.0, 0.0, -9.0});
}

TEST_CASE("gradient with respect to an int32 tensor is a ValueError") {
  // Watching an integer tensor may already be refused; either way it is a ValueError.
  CHECK_THROWS_AS(
      [] {
        const Tensor i({1, 2, 3}, st::int32);
        GradientTape tape;
        tape.watch(i);
        auto y = st::cast(i * i, st::float32);
        tape.gradient(y, i);
      }(),
      st::ValueError);
  // An integer source of a float target.
  Variable x(Tensor({1.0, 2.0, 3.0}));
  const Tensor i({1, 2, 3}, st::int32);
  GradientTape tape;
  auto y = x * st::cast(i, st::float32);
  CHECK_THROWS_AS(tape.gradient(y, i), st::ValueError);
}

TEST_CASE("gradient through cast float32 -> float64 -> float32") {
  Variable x(Tensor({1.5, -2.0}));
  GradientTape tape;
  auto y = st::cast(st::square(st::cast(x, st::float64)), st::float32);
  const auto g = tape.gradient(y, x);
  REQUIRE(g.defined());
  CHECK(g.dtype() == st::float32);
  CHECK(values_of(g) == std::vector<double>{3.0, -4.0});
}

// ------------------------------------------------------------------ higher order

TEST_CASE("nested tapes: second derivative of x^3 is 6x") {
  Variable x(2.0f);
  GradientTape outer;
  Tensor dy_dx;
  {
    GradientTape inner;
    auto y = x * x * x;
    dy_dx = inner.gradient(y, x);
  }
  auto d2y_dx2 = outer.gradient(dy_dx, x);
  CHECK(dy_dx.item<float>() == 12.0f);    // 3 x^2
  REQUIRE(d2y_dx2.defined());
  CHECK(d2y_dx2.item<float>() == 12.0f);  // 6 x
}

TEST_CASE("nested tapes: second derivatives of elementwise ops") {
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::function<double(double)> second;
    double low, high;
  };
  const std::vector<Case> cases = {
      {"sin", [](const Tensor& x) { return st::sin(x); }, [](double x) { return -std::sin(x); }, -3, 3},
      {"cos", [](const Tensor& x) { return st::cos(x); }, [](double x) { return -std::cos(x); }, -3, 3},
      {"exp", [](const Tensor& x) { return st::exp(x); }, [](double x) { return std::exp(x); }, -2, 2},
      {"tanh", [](const Tensor& x) { return st::tanh(x); },
       [](double x) { return -2 * std::tanh(x) * (1 - std::tanh(x) * std::tanh(x)); }, -2, 2},
      {"log", [](const Tensor& x) { return st::log(x); }, [](double x) { return -1 / (x * x); }, 0.5, 2},
      {"sigmoid", [](const Tensor& x) { return st::sigmoid(x); },
       [](double x) {
         const double s = 1 / (1 + std::exp(-x));
         return s * (1 - s) * (1 - 2 * s);
       },
       -3, 3},
      {"square", [](const Tensor& x) { return st::square(x); }, [](double) { return 2.0; }, -2, 2},
      {"sqrt", [](const Tensor& x) { return st::sqrt(x); }, [](double x) { return -0.25 * std::pow(x, -1.5); }, 0.5, 2},
  };
  for (const auto& c : cases) {
    INFO("op " << std::string(c.name));
    const Tensor x = random_f64({5}, c.low, c.high, 3);
    GradientTape outer;
    outer.watch(x);
    Tensor first;
    {
      GradientTape inner;
      inner.watch(x);
      first = inner.gradient(c.f(x), x);
    }
    REQUIRE(first.defined());
    const Tensor second = outer.gradient(first, x);
    REQUIRE(second.defined());
    const auto xs = values_of(x);
    const auto got = values_of(second);
    for (std::size_t i = 0; i < xs.size(); ++i) CHECK(got[i] == doctest::Approx(c.second(xs[i])).epsilon(1e-9));
  }
}

TEST_CASE("nested tapes: gradients of gradients pass the gradient check") {
  // The inner gradient is itself a differentiable function of x.
  auto grad_of = [](std::function<Tensor(const Tensor&)> f) {
    return [f](const std::vector<Tensor>& in) {
      GradientTape inner;
      inner.watch(in[0]);
      return inner.gradient(f(in[0]), in[0]);
    };
  };
  check_gradients(grad_of([](const Tensor& x) { return st::sin(x) * st::exp(x); }), {random_f64({2, 3})});
  check_gradients(grad_of([](const Tensor& x) { return st::softplus(x) * x; }), {random_f64({4})});
  check_gradients(grad_of([](const Tensor& x) { return st::sum(st::square(st::matmul(x, x))); }),
                  {random_f64({3, 3})});
  check_gradients(grad_of([](const Tensor& x) { return st::logsumexp(x * x); }), {random_f64({5})});
}

// ------------------------------------------------------------------ custom_gradient

namespace {
Tensor log1pexp_naive(const Tensor& x) { return st::log(1.0f + st::exp(x)); }

Tensor log1pexp(const Tensor& x) {
  return st::custom_gradient(x, [](const Tensor& v) {
    const Tensor e = st::exp(v);
    return st::CustomGradient{st::log(1.0f + e),
                              [e](const Tensor& upstream) { return upstream * (1.0f - 1.0f / (1.0f + e)); }};
  });
}
}  // namespace

TEST_CASE("custom_gradient: log1pexp gives 1 at x = 100 where the naive gradient is NaN") {
  const Tensor x(100.0f);
  {
    GradientTape tape;
    tape.watch(x);
    const Tensor g = tape.gradient(log1pexp_naive(x), x);
    REQUIRE(g.defined());
    CHECK(std::isnan(g.item<float>()));
  }
  {
    GradientTape tape;
    tape.watch(x);
    const Tensor g = tape.gradient(log1pexp(x), x);
    REQUIRE(g.defined());
    CHECK(g.item<float>() == 1.0f);
  }
  {  // and the same as the naive one where both are fine
    const Tensor small(0.0f);
    GradientTape tape;
    tape.watch(small);
    CHECK(tape.gradient(log1pexp(small), small).item<float>() == doctest::Approx(0.5f));
  }
}

TEST_CASE("custom_gradient: the upstream gradient is passed in") {
  Variable x(Tensor({1.0, 2.0}));
  GradientTape tape;
  auto doubled = st::custom_gradient(x, [](const Tensor& v) {
    return st::CustomGradient{v * 2.0f, [](const Tensor& upstream) { return upstream * 100.0f; }};
  });
  auto y = doubled * Tensor({1.0, 3.0});
  CHECK(values_of(doubled) == std::vector<double>{2.0, 4.0});
  CHECK(values_of(tape.gradient(y, x)) == std::vector<double>{100.0, 300.0});
}

TEST_CASE("custom_gradient: several inputs") {
  Variable a(2.0f, {.name = "a"});
  Variable b(3.0f, {.name = "b"});
  GradientTape tape;
  auto y = st::custom_gradient(std::vector<Tensor>{a, b}, [](const std::vector<Tensor>& in) {
    return st::CustomGradients{in[0] * in[1], [in](const Tensor& upstream) {
                                 return std::vector<Tensor>{upstream * in[1] * 10.0f, upstream * in[0] * 100.0f};
                               }};
  });
  CHECK(y.item<float>() == 6.0f);
  const auto g = tape.gradient(y, std::vector<Variable>{a, b});
  CHECK(g[0].item<float>() == 30.0f);
  CHECK(g[1].item<float>() == 200.0f);
}

TEST_CASE("custom_gradient: passes the gradient check when the gradient is right") {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return st::custom_gradient(in[0], [](const Tensor& v) {
          const Tensor e = st::exp(v);
          return st::CustomGradient{st::log1p(e), [e](const Tensor& upstream) { return upstream * e / (1.0 + e); }};
        });
      },
      {random_f64({2, 3}, -3, 3)});
}

// ------------------------------------------------------------------ Variable

TEST_CASE("Variable: name, trainable, is_variable") {
  Variable v(Tensor({1, 2}), {.name = "kernel"});
  CHECK(v.name() == "kernel");
  CHECK(v.trainable());
  CHECK(v.is_variable());
  CHECK(v.shape() == Shape{2});
  CHECK(v.dtype() == st::float32);
  CHECK(Variable(1.0f).name() == "Variable");
  CHECK(Variable(1.0).dtype() == st::float32);
}

TEST_CASE("Variable: assign, assign_add, assign_sub") {
  Variable v(Tensor({1.0, 2.0}));
  const Tensor before = v.value();
  const Tensor read = v * 1.0f;
  v.assign(Tensor({5.0, 6.0}));
  CHECK(values_of(v) == std::vector<double>{5.0, 6.0});
  v.assign_add(Tensor({1.0, 1.0}));
  CHECK(values_of(v) == std::vector<double>{6.0, 7.0});
  v.assign_sub(Tensor({0.5, 2.0}));
  CHECK(values_of(v) == std::vector<double>{5.5, 5.0});
  // earlier reads keep their values
  CHECK(values_of(before) == std::vector<double>{1.0, 2.0});
  CHECK(values_of(read) == std::vector<double>{1.0, 2.0});
  CHECK(values_of(v.value()) == std::vector<double>{5.5, 5.0});
  // a copy of the handle is the same variable
  Variable alias = v;
  alias.assign_add(Tensor({1.0, 1.0}));
  CHECK(values_of(v) == std::vector<double>{6.5, 6.0});
}

TEST_CASE("Variable: assigning a different shape or dtype is a ValueError") {
  Variable v(Tensor({1.0, 2.0}), {.name = "v"});
  CHECK_THROWS_AS(v.assign(Tensor({1.0, 2.0, 3.0})), st::ValueError);
  CHECK_THROWS_AS(v.assign_add(Tensor({{1.0, 2.0}})), st::ValueError);
  CHECK_THROWS_AS(v.assign_sub(Tensor({1.0, 2.0}, st::float64)), st::ValueError);
  try {
    v.assign(Tensor({1.0, 2.0, 3.0}));
  } catch (const st::ValueError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("(2,)") != std::string::npos);
    CHECK(msg.find("(3,)") != std::string::npos);
  }
  CHECK(values_of(v) == std::vector<double>{1.0, 2.0});  // unchanged
}

TEST_CASE("Variable: assign is not recorded, and the gradient uses the value at the time of use") {
  Variable x(3.0f);
  GradientTape tape;
  auto y = x * x;
  x.assign(Tensor(100.0f));
  CHECK(tape.gradient(y, x).item<float>() == 6.0f);
}

TEST_CASE("an unwatched input of a recorded op gets no gradient (as TensorFlow's None)") {
  Variable frozen(2.0f, {.name = "frozen", .trainable = false});
  Variable trained(3.0f);
  const Tensor constant(5.0f);
  GradientTape tape({.persistent = true});
  auto y = frozen * trained * constant;
  CHECK_FALSE(tape.gradient(y, frozen).defined());
  CHECK_FALSE(tape.gradient(y, constant).defined());
  CHECK(tape.gradient(y, trained).item<float>() == 10.0f);
}

TEST_CASE("a column and a 1x1 matrix from nested lists") {
  const Tensor column({{1}, {2}});
  CHECK(column.shape() == st::Shape{2, 1});
  const Tensor one({{7}});
  CHECK(one.shape() == st::Shape{1, 1});
  CHECK(one.item<float>() == 7.0f);
  CHECK(st::scalar(2.5, st::float64).dtype() == st::float64);
}
