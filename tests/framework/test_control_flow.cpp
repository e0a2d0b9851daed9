// st::cond and st::while_loop, eagerly: values, which branch runs, gradients through the tape
// (float64 checks against central differences, also with respect to captured Variables), and the
// errors tf.cond / tf.while_loop give.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "strata/strata.hpp"
#include "support/gradient_check.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using st::GradientTape;
using st::Shape;
using st::Tensor;
using st::Variable;
using st::testing::check_gradients;
using st::testing::f64;
using st::testing::contains;
using st::testing::message_of;
using st::testing::random_f64;
using Tensors = std::vector<Tensor>;

namespace {

Tensor boolean(bool value, const Shape& shape = {}) { return st::full(shape, value ? 1.0 : 0.0, st::bool_); }


// d f / d v by central differences, one element of `v` at a time (v is float64).
std::vector<double> numeric_gradient(const std::function<double()>& f, Variable& v, double eps = 1e-6) {
  const Tensor original = v.value();
  std::vector<double> values = original.to_vector<double>();
  std::vector<double> grad(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto at = [&](double x) {
      std::vector<double> moved = values;
      moved[i] = x;
      v.assign(Tensor::from_vector(moved, v.shape()));
      return f();
    };
    grad[i] = (at(values[i] + eps) - at(values[i] - eps)) / (2 * eps);
  }
  v.assign(original);
  return grad;
}

void check_close(const std::vector<double>& analytic, const std::vector<double>& numeric) {
  REQUIRE(analytic.size() == numeric.size());
  for (std::size_t i = 0; i < analytic.size(); ++i) CHECK(analytic[i] == doctest::Approx(numeric[i]).epsilon(1e-6));
}

}  // namespace

// ------------------------------------------------------------------ cond

TEST_CASE("cond runs only the branch the predicate picks") {
  const Tensor x = f64({1.0, -2.0, 3.0}, {3});
  int true_runs = 0, false_runs = 0;
  auto pick = [&](const Tensor& pred) {
    return st::cond(
        pred, [&] { ++true_runs; return x * 2.0; }, [&] { ++false_runs; return -x; });
  };
  CHECK(pick(boolean(true)).to_vector<double>() == std::vector<double>{2.0, -4.0, 6.0});
  CHECK(true_runs == 1);
  CHECK(false_runs == 0);
  CHECK(pick(boolean(false)).to_vector<double>() == std::vector<double>{-1.0, 2.0, -3.0});
  CHECK(true_runs == 1);
  CHECK(false_runs == 1);
  // A predicate computed from data, and one-element tensors of any rank (as tf.cond).
  CHECK(pick(st::sum(x) > 0.0).to_vector<double>()[0] == 2.0);
  CHECK(pick(boolean(false, {1})).to_vector<double>()[0] == -1.0);
  CHECK(pick(boolean(true, {1, 1})).to_vector<double>()[0] == 2.0);
}

TEST_CASE("cond returns every tensor of the branch") {
  const Tensor a({1.0f, 2.0f});
  const Tensor b(5);
  auto outputs = st::cond(
      boolean(false), [&]() -> Tensors { return {a + 1.0f, b + 1}; },
      [&]() -> Tensors { return {a * 10.0f, b * 2}; });
  REQUIRE(outputs.size() == 2);
  CHECK(outputs[0].to_vector<float>() == std::vector<float>{10.0f, 20.0f});
  CHECK(outputs[1].dtype() == st::int32);
  CHECK(outputs[1].item<int>() == 10);
}

TEST_CASE("cond is differentiable through either branch (float64 gradient check)") {
  auto f = [](const Tensors& in) {
    return st::cond(
        in[2], [&] { return st::exp(in[0]) * in[1]; }, [&] { return st::sin(in[0]) - in[1] * in[1]; });
  };
  for (bool pred : {true, false}) {
    CAPTURE(pred);
    check_gradients(f, {random_f64({2, 3}, -1, 1, 3), random_f64({3}, -1, 1, 4), boolean(pred)});
  }
  // A predicate that depends on the differentiated input: the branch stays the same under the
  // small perturbations of the check, so the gradient is that branch's.
  auto g = [](const Tensors& in) {
    return st::cond(
        st::sum(in[0]) > 0.0, [&] { return st::square(in[0]); }, [&] { return st::tanh(in[0]) * 3.0; });
  };
  check_gradients(g, {f64({0.5, 1.5, -0.25}, {3})});
  check_gradients(g, {f64({-0.5, -1.5, 0.25}, {3})});
}

TEST_CASE("cond: gradient with respect to a Variable captured in a branch") {
  Variable w(f64({0.3, -0.7, 1.1}, {3}), {.name = "w"});
  Variable unused(f64({2.0}, {1}), {.name = "unused"});
  const Tensor x = f64({1.5, 0.5, -2.0}, {3});
  for (bool pred : {true, false}) {
    CAPTURE(pred);
    auto loss = [&] {
      return st::sum(st::cond(
          boolean(pred), [&] { return st::exp(w) * x; }, [&] { return w * w * unused; }));
    };
    GradientTape tape;
    const Tensor y = loss();
    const auto grads = tape.gradient(y, std::vector<Variable>{w, unused});
    REQUIRE(grads[0].defined());
    check_close(grads[0].to_vector<double>(), numeric_gradient([&] { return loss().item<double>(); }, w));
    // The branch not taken never ran, so `unused` is not connected when pred is true (TF's None).
    CHECK(grads[1].defined() == !pred);
  }
}

TEST_CASE("cond: errors name the predicate's shape and dtype") {
  auto one = [] { return Tensor(1.0f); };
  const std::string shape_msg = message_of([&] { st::cond(boolean(true, {2, 3}), one, one); });
  CHECK(contains(shape_msg, "cond: pred must be a scalar (one element), got shape (2, 3)"));
  CHECK_THROWS_AS(st::cond(boolean(true, {2}), one, one), st::ShapeError);
  CHECK_THROWS_AS(st::cond(boolean(true, {0}), one, one), st::ShapeError);

  const std::string dtype_msg = message_of([&] { st::cond(Tensor(1.0f), one, one); });
  CHECK(contains(dtype_msg, "cond: pred must be a bool tensor"));
  CHECK(contains(dtype_msg, "got float32"));
  CHECK_THROWS_AS(st::cond(Tensor(1), one, one), st::DTypeError);
  CHECK_THROWS_AS(st::cond(Tensor(), one, one), st::ValueError);

  const std::string undefined_msg = message_of([&] { st::cond(boolean(false), one, [] { return Tensor(); }); });
  CHECK(contains(undefined_msg, "cond: false_fn returned an undefined tensor at position 0"));
}

TEST_CASE("cond: branches must match in count, dtype and shape (checked where both are traced)") {
  using st::control_flow::check_branches_match;
  const Tensor a = st::zeros({2, 3});
  const Tensor b = st::zeros({3, 2});
  CHECK_NOTHROW(check_branches_match({a, Tensor(1)}, {st::ones({2, 3}), Tensor(2)}));

  const std::string count = message_of([&] { check_branches_match({a, a}, {a}); });
  CHECK(contains(count, "cond: true_fn returned 2 tensors but false_fn returned 1 tensor"));
  CHECK_THROWS_AS(check_branches_match({a, a}, {a}), st::ValueError);

  const std::string dtype = message_of([&] { check_branches_match({Tensor(1.0f)}, {Tensor(1)}); });
  CHECK(contains(dtype, "cond: output 0 is float32 in true_fn but int32 in false_fn"));
  CHECK_THROWS_AS(check_branches_match({Tensor(1.0f)}, {Tensor(1)}), st::DTypeError);

  const std::string shape = message_of([&] { check_branches_match({Tensor(1), a}, {Tensor(1), b}); });
  CHECK(contains(shape, "cond: output 1 is of shape (2, 3) in true_fn but (3, 2) in false_fn"));
  CHECK_THROWS_AS(check_branches_match({a}, {b}), st::ShapeError);
}

// ------------------------------------------------------------------ while_loop

TEST_CASE("while_loop runs the body while the condition holds") {
  // Sum of 0..9 with a counter: both loop variables come back.
  auto out = st::while_loop([](const Tensors& v) { return v[0] < 10; },
                            [](const Tensors& v) -> Tensors { return {v[0] + 1, v[1] + v[0]}; },
                            {Tensor(0), Tensor(0)});
  REQUIRE(out.size() == 2);
  CHECK(out[0].item<int>() == 10);
  CHECK(out[1].item<int>() == 45);

  // A false condition at the start: no iteration, the loop variables come back unchanged.
  int body_runs = 0;
  auto none = st::while_loop([](const Tensors& v) { return v[0] > 0.0f; },
                             [&](const Tensors& v) -> Tensors { ++body_runs; return {v[0] - 1.0f}; },
                             {Tensor(-1.0f)});
  CHECK(body_runs == 0);
  CHECK(none[0].item<float>() == -1.0f);
}

TEST_CASE("while_loop: maximum_iterations bounds the loop, as tf.while_loop") {
  int cond_runs = 0;
  auto always = [&](const Tensors&) { ++cond_runs; return boolean(true); };
  auto step = [](const Tensors& v) -> Tensors { return {v[0] * 2.0f}; };
  auto out = st::while_loop(always, step, {Tensor(1.0f)}, {.maximum_iterations = 5});
  CHECK(out[0].item<float>() == 32.0f);
  CHECK(cond_runs == 5);  // not asked again once the limit is reached
  CHECK(st::while_loop(always, step, {Tensor(1.0f)}, {.maximum_iterations = 0})[0].item<float>() == 1.0f);
  // The condition still ends the loop first when it turns false earlier.
  auto bounded = st::while_loop([](const Tensors& v) { return v[0] < 3.0f; }, step, {Tensor(1.0f)},
                                {.maximum_iterations = 100});
  CHECK(bounded[0].item<float>() == 4.0f);
  CHECK_THROWS_AS(st::while_loop(always, step, {Tensor(1.0f)}, {.maximum_iterations = -1}), st::ValueError);
}

TEST_CASE("while_loop is differentiable: x^(2^n) by repeated squaring, n from a tensor") {
  auto power = [](const Tensors& in) {
    const Tensor& n = in[1];
    auto out = st::while_loop([&](const Tensors& v) { return v[0] < n; },
                              [](const Tensors& v) -> Tensors { return {v[0] + 1, v[1] * v[1]}; },
                              {Tensor(0), in[0]});
    return out[1];
  };
  const Tensor x = f64({0.9, -1.1, 1.05}, {3});
  for (int n : {0, 1, 3}) {
    CAPTURE(n);
    check_gradients(power, {x, Tensor(n)});
  }
  // The exact derivative of x^8: 8 x^7.
  GradientTape tape;
  tape.watch(x);
  const Tensor y = power({x, Tensor(3)});
  const auto grad = tape.gradient(st::sum(y), x).to_vector<double>();
  const auto xs = x.to_vector<double>();
  for (std::size_t i = 0; i < xs.size(); ++i) CHECK(grad[i] == doctest::Approx(8 * std::pow(xs[i], 7)).epsilon(1e-12));
}

TEST_CASE("cond and while_loop: second derivatives with nested tapes") {
  // d2/dx2 of x^8 (three squarings in a loop) is 56 x^6; the outer tape records the inner gradient.
  const Tensor x = f64({1.1}, {1});
  GradientTape outer;
  outer.watch(x);
  Tensor dy;
  {
    GradientTape inner;
    inner.watch(x);
    auto out = st::while_loop([](const Tensors& v) { return v[0] < 3; },
                              [](const Tensors& v) -> Tensors { return {v[0] + 1, v[1] * v[1]}; }, {Tensor(0), x});
    const Tensor y = st::cond(boolean(true), [&] { return out[1]; }, [&] { return x; });
    dy = inner.gradient(y, x);
  }
  CHECK(dy.item<double>() == doctest::Approx(8 * std::pow(1.1, 7)).epsilon(1e-12));
  CHECK(outer.gradient(dy, x).item<double>() == doctest::Approx(56 * std::pow(1.1, 6)).epsilon(1e-12));
}

TEST_CASE("while_loop: gradient with respect to a Variable used in every iteration, with a cond inside") {
  Variable w(f64({0.8, -0.6}, {2}), {.name = "w"});
  const Tensor x0 = f64({1.0, 2.0}, {2});
  // acc <- acc * w + 1 while the counter is below 4, with a cond in the body choosing tanh on
  // odd steps.
  auto loss = [&] {
    auto out = st::while_loop(
        [](const Tensors& v) { return v[0] < 4; },
        [&](const Tensors& v) -> Tensors {
          const Tensor odd = st::equal(v[0], Tensor(1)) || st::equal(v[0], Tensor(3));
          Tensor next = st::cond(odd, [&] { return st::tanh(v[1] * w); }, [&] { return v[1] * w + 1.0; });
          return {v[0] + 1, next};
        },
        {Tensor(0), x0});
    return st::sum(out[1]);
  };
  GradientTape tape;
  const Tensor y = loss();
  const Tensor grad = tape.gradient(y, w);
  REQUIRE(grad.defined());
  check_close(grad.to_vector<double>(), numeric_gradient([&] { return loss().item<double>(); }, w));
}

TEST_CASE("while_loop: errors name the loop variable, the expected and the received") {
  auto once = [](const Tensors& v) { return v[0] < 1; };
  const Tensors start = {Tensor(0), st::zeros({2})};

  const std::string shape = message_of([&] {
    st::while_loop(once, [](const Tensors& v) -> Tensors { return {v[0] + 1, st::zeros({3})}; }, start);
  });
  CHECK(contains(shape, "while_loop: loop variable 1 enters the loop with shape (2,) but has shape (3,) after "
                        "iteration 1"));
  CHECK_THROWS_AS(
      st::while_loop(once, [](const Tensors& v) -> Tensors { return {v[0] + 1, st::zeros({2, 1})}; }, start),
      st::ShapeError);

  const std::string dtype = message_of([&] {
    st::while_loop(once, [](const Tensors& v) -> Tensors { return {v[0] + 1, st::zeros({2}, st::float64)}; },
                   start);
  });
  CHECK(contains(dtype, "while_loop: loop variable 1 enters the loop as float32 but is float64 after iteration 1"));

  const std::string count =
      message_of([&] { st::while_loop(once, [](const Tensors& v) -> Tensors { return {v[0] + 1}; }, start); });
  CHECK(contains(count, "while_loop: body returned 1 tensor but there are 2 loop variables"));

  const std::string pred = message_of([&] {
    st::while_loop([](const Tensors& v) { return v[1]; }, [](const Tensors& v) { return v; }, start);
  });
  CHECK(contains(pred, "while_loop: the cond function's result must be a bool tensor"));
  const std::string pred_shape = message_of([&] {
    st::while_loop([](const Tensors& v) { return v[1] > 0.0f; }, [](const Tensors& v) { return v; }, start);
  });
  CHECK(contains(pred_shape, "must be a scalar (one element), got shape (2,)"));

  CHECK(contains(message_of([&] { st::while_loop(once, [](const Tensors& v) { return v; }, {}); }),
                 "while_loop: no loop variables provided"));
}
