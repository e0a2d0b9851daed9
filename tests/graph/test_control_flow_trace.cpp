// st::cond and st::while_loop inside st::function: one graph whose control-flow nodes read the
// predicate at every replay, compiled results equal to eager ones, effects only of the branch
// taken, and gradients (float64, central differences) through a traced cond.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "strata/strata.hpp"
#include "support/gradient_check.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using st::GradientTape;
using st::Tensor;
using st::Variable;
using st::testing::contains;
using st::testing::message_of;
using Tensors = std::vector<Tensor>;

namespace {

std::vector<double> doubles(const Tensor& t) { return t.to_vector<double>(); }
// float64 values: a vector, and a scalar.
Tensor d(const std::vector<double>& v) { return st::testing::f64(v, {static_cast<std::int64_t>(v.size())}); }
Tensor s(double v) { return st::full({}, v, st::float64); }

Tensor positive(const Tensor& x) { return st::sum(x) > 0.0; }

// The callable eagerly and through one st::function: the same values at every call.
void check_compiled_equals_eager(const std::function<Tensors(const Tensors&)>& callable,
                                 const std::vector<Tensors>& calls) {
  auto compiled = st::function(callable);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CAPTURE(i);
    const Tensors eager = callable(calls[i]);
    const Tensors traced = compiled(calls[i]);
    REQUIRE(traced.size() == eager.size());
    for (std::size_t k = 0; k < eager.size(); ++k) CHECK(doubles(traced[k]) == doubles(eager[k]));
  }
  CHECK(compiled.trace_count() == 1);
}

}  // namespace

TEST_CASE("function: st::cond picks its branch at every replay of one graph") {
  auto f = st::function([](const Tensor& x) {
    return st::cond(positive(x), [&] { return x * 2.0; }, [&] { return -x; });
  });
  CHECK(doubles(f(d({1.0, 2.0}))) == std::vector<double>{2.0, 4.0});
  CHECK(doubles(f(d({-1.0, -2.0}))) == std::vector<double>{1.0, 2.0});
  CHECK(doubles(f(d({3.0, -1.0}))) == std::vector<double>{6.0, -2.0});
  CHECK(doubles(f(d({-3.0, 1.0}))) == std::vector<double>{3.0, -1.0});
  CHECK(f.trace_count() == 1);
  const auto listing = f.get_concrete_function({d({1.0, 2.0})}).listing();
  CHECK(contains(listing, "= cond("));

  // A predicate read from a variable that changes between calls is not folded into the graph.
  Variable threshold(s(0.0), {.name = "threshold"});
  auto g = st::function([&](const Tensor& x) {
    return st::cond(st::sum(x) > threshold, [&] { return x + 1.0; }, [&] { return x - 1.0; });
  });
  CHECK(doubles(g(d({1.0}))) == std::vector<double>{2.0});
  threshold.assign(s(5.0));
  CHECK(doubles(g(d({1.0}))) == std::vector<double>{0.0});
  CHECK(g.trace_count() == 1);
}

TEST_CASE("function: nested st::cond and several outputs, compiled equal to eager") {
  check_compiled_equals_eager(
      [](const Tensors& in) {
        const Tensor &x = in[0], &y = in[1];
        return st::cond(
            positive(x),
            [&]() -> Tensors {
              return st::cond(
                  positive(y), [&]() -> Tensors { return {x + y, st::exp(y)}; },
                  [&]() -> Tensors { return {x - y, st::tanh(x) * y}; });
            },
            [&]() -> Tensors { return {x * y, st::sum(x) + y}; });
      },
      {{d({1.0, 2.0}), d({0.5, 0.25})},
       {d({1.0, 2.0}), d({-0.5, -0.25})},
       {d({-1.0, -2.0}), d({0.5, 0.25})},
       {d({-1.0, 2.5}), d({-3.0, 1.0})}});
}

TEST_CASE("function: a variable assigned in a branch changes only when that branch is taken") {
  Variable counter(s(0.0), {.name = "counter"});
  auto f = st::function([&](const Tensor& x) {
    const Tensor before = counter.value();  // a snapshot alive across the assign keeps its value
    Tensor y = st::cond(positive(x), [&] { counter.assign_add(s(1.0)); return x * 1.0; },
                        [&] { return x * 0.0; });
    return Tensors{y, before, counter.value()};
  });
  // The first call traces both branches; the one not taken leaves the variable alone.
  auto out = f(d({-1.0}));
  CHECK(counter.item<double>() == 0.0);
  CHECK(doubles(out[0]) == std::vector<double>{-0.0});
  out = f(d({2.0}));
  CHECK(counter.item<double>() == 1.0);
  CHECK(out[1].item<double>() == 0.0);
  CHECK(out[2].item<double>() == 1.0);
  f(d({-2.0}));
  CHECK(counter.item<double>() == 1.0);
  out = f(d({3.0}));
  CHECK(counter.item<double>() == 2.0);
  CHECK(out[1].item<double>() == 1.0);
  CHECK(doubles(out[0]) == std::vector<double>{3.0});
  CHECK(f.trace_count() == 1);

  // Traced on the branch that assigns: the trace's own call counts once.
  Variable hits(s(0.0), {.name = "hits"});
  auto g = st::function([&](const Tensor& x) {
    return st::cond(positive(x), [&] { hits.assign_add(s(1.0)); return x; }, [&] { return -x; });
  });
  g(d({1.0}));
  CHECK(hits.item<double>() == 1.0);
  g(d({-1.0}));
  g(d({1.0}));
  CHECK(hits.item<double>() == 2.0);
}

TEST_CASE("function: st::while_loop iterates to a bound that changes between calls") {
  auto f = st::function([](const Tensor& n) {
    return st::while_loop([&](const Tensors& v) { return st::less(v[0], n); },
                          [](const Tensors& v) { return Tensors{v[0] + 1.0, v[1] * 2.0}; },
                          {st::zeros({}, st::float64), st::ones({2}, st::float64)});
  });
  for (double n : {3.0, 5.0, 0.0, 1.0}) {
    CAPTURE(n);
    auto out = f(s(n));
    CHECK(out[0].item<double>() == n);
    CHECK(doubles(out[1]) == std::vector<double>(2, std::pow(2.0, n)));
  }
  CHECK(f.trace_count() == 1);
  CHECK(contains(f.get_concrete_function({s(1.0)}).listing(), "= while_loop("));

  // maximum_iterations bounds the loop, whatever the condition says.
  auto bounded = st::function([](const Tensor& n) {
    return st::while_loop([&](const Tensors& v) { return st::less(v[0], n); },
                          [](const Tensors& v) { return Tensors{v[0] + 1.0}; }, {st::zeros({}, st::float64)},
                          {.maximum_iterations = 4});
  });
  CHECK(bounded(s(10.0))[0].item<double>() == 4.0);
  CHECK(bounded(s(2.0))[0].item<double>() == 2.0);
  CHECK(bounded.trace_count() == 1);
}

TEST_CASE("function: a while_loop with a cond in its body and a captured tensor, compiled equal to eager") {
  check_compiled_equals_eager(
      [](const Tensors& in) {
        const Tensor &x = in[0], &limit = in[1];
        return st::while_loop(
            [&](const Tensors& v) { return st::less(v[1], limit); },
            [&](const Tensors& v) {
              Tensor next = st::cond(st::sum(v[0]) > 10.0, [&] { return v[0] - x; }, [&] { return v[0] * 2.0 + x; });
              return Tensors{next, v[1] + 1.0};
            },
            {x, st::zeros({}, st::float64)});
      },
      {{d({1.0, 0.5}), s(6.0)}, {d({3.0, -1.0}), s(9.0)}, {d({0.1, 0.2}), s(0.0)}});
}

TEST_CASE("function: a cond whose branches disagree is an error where both are traced") {
  auto f = st::function([](const Tensor& x) {
    return st::cond(positive(x), [&] { return x * 2.0; }, [&] { return st::sum(x); });
  });
  // Eagerly only the branch taken runs, so only the trace can see the mismatch.
  CHECK_THROWS_AS(f(d({1.0, 2.0})), st::ShapeError);
  const auto message = message_of([&] { f(d({1.0, 2.0})); });
  CHECK(contains(message, "cond: output 0"));
  CHECK(contains(message, "true_fn"));
}

TEST_CASE("function: gradients through a traced cond agree with central differences (float64)") {
  auto inner = [](const Tensors& in) {
    const Tensor &a = in[0], &b = in[1];
    return st::sum(st::cond(positive(a), [&] { return st::tanh(a) * b; }, [&] { return st::exp(b) * a * a; }));
  };
  auto grad = st::function([&](const Tensors& in) {
    GradientTape tape;
    tape.watch(in[0]);
    tape.watch(in[1]);
    return tape.gradient(inner(in), in);
  });
  const Tensor b = st::testing::random_f64({3}, -1, 1, 2);
  for (double sign : {1.0, -1.0, 1.0}) {  // the trace, then replays taking either branch
    CAPTURE(sign);
    const Tensor a = st::abs(st::testing::random_f64({3}, -1, 1, 1)) * sign;
    const auto g = grad({a, b});
    const double eps = 1e-6;
    for (int which = 0; which < 2; ++which) {
      auto base = doubles(which ? b : a);
      auto analytic = doubles(g[which]);
      for (std::size_t i = 0; i < base.size(); ++i) {
        auto at = [&](double delta) {
          auto moved = base;
          moved[i] += delta;
          const Tensor t = Tensor::from_vector(moved, {3});
          return inner(which ? Tensors{a, t} : Tensors{t, b}).item<double>();
        };
        CHECK(analytic[i] == doctest::Approx((at(eps) - at(-eps)) / (2 * eps)).epsilon(1e-6));
      }
    }
  }
  CHECK(grad.trace_count() == 1);
}

TEST_CASE("function: gradient with respect to a variable read in a traced cond's branches") {
  Variable w(d({0.3, -0.7, 1.1}), {.name = "w"});
  const Tensor x = d({1.5, 0.5, -2.0});
  auto loss = [&](const Tensor& p) {
    return st::sum(st::cond(positive(p), [&] { return st::exp(w) * x; }, [&] { return w * w * x; }));
  };
  auto grad = st::function([&](const Tensor& p) {
    GradientTape tape;
    return tape.gradient(loss(p), std::vector<Variable>{w}).at(0);
  });
  for (double p : {1.0, -1.0}) {
    CAPTURE(p);
    const auto analytic = doubles(grad(d({p})));
    const auto base = doubles(w);
    for (std::size_t i = 0; i < base.size(); ++i) {
      auto at = [&](double delta) {
        auto moved = base;
        moved[i] += delta;
        w.assign(Tensor::from_vector(moved, {3}));
        const double value = loss(d({p})).item<double>();
        w.assign(Tensor::from_vector(base, {3}));
        return value;
      };
      CHECK(analytic[i] == doctest::Approx((at(1e-6) - at(-1e-6)) / 2e-6).epsilon(1e-6));
    }
  }
  CHECK(grad.trace_count() == 1);
}

// d loss / d x and d loss / d w by central differences, `loss` evaluated eagerly.
std::vector<double> numeric(const std::function<double()>& loss, const std::function<void(std::vector<double>)>& set,
                            const std::vector<double>& base) {
  std::vector<double> grad(base.size());
  for (std::size_t i = 0; i < base.size(); ++i) {
    auto at = [&](double delta) {
      auto moved = base;
      moved[i] += delta;
      set(moved);
      const double value = loss();
      set(base);
      return value;
    };
    grad[i] = (at(1e-6) - at(-1e-6)) / 2e-6;
  }
  return grad;
}

TEST_CASE("function: gradients through a traced while_loop agree with central differences (float64)") {
  // x^(2^n) by repeated squaring, n from a tensor that changes between calls.
  auto power = [](const Tensor& x, const Tensor& n) {
    return st::sum(st::while_loop([&](const Tensors& v) { return st::less(v[1], n); },
                                  [](const Tensors& v) { return Tensors{v[0] * v[0], v[1] + 1.0}; },
                                  {x, st::zeros({}, st::float64)})[0]);
  };
  auto grad = st::function([&](const Tensor& x, const Tensor& n) {
    GradientTape tape;
    tape.watch(x);
    return tape.gradient(power(x, n), x);
  });
  const Tensor x = d({0.9, -1.1, 1.05});
  for (double n : {2.0, 3.0, 0.0, 1.0}) {
    CAPTURE(n);
    const auto analytic = doubles(grad(x, s(n)));
    Tensor moving = x;
    const auto expected = numeric([&] { return power(moving, s(n)).item<double>(); },
                                  [&](std::vector<double> v) { moving = d(v); }, doubles(x));
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(analytic[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  }
  CHECK(grad.trace_count() == 1);

  // A variable read in every iteration, with a cond in the body.
  Variable w(d({0.5, -0.3}), {.name = "w"});
  auto loss = [&](const Tensor& x, const Tensor& n) {
    return st::sum(st::while_loop(
        [&](const Tensors& v) { return st::less(v[1], n); },
        [&](const Tensors& v) {
          Tensor next = st::cond(st::sum(v[0]) > 0.0, [&] { return v[0] * w + 0.1; }, [&] { return st::tanh(v[0]) - w; });
          return Tensors{next, v[1] + 1.0};
        },
        {x, st::zeros({}, st::float64)})[0]);
  };
  auto grads = st::function([&](const Tensor& x, const Tensor& n) {
    GradientTape tape;
    tape.watch(x);
    return tape.gradient(loss(x, n), Tensors{x, w});
  });
  const Tensor x2 = d({0.4, 0.7});
  for (double n : {3.0, 4.0}) {
    CAPTURE(n);
    const auto g = grads(x2, s(n));
    Tensor moving = x2;
    const auto dx = numeric([&] { return loss(moving, s(n)).item<double>(); },
                            [&](std::vector<double> v) { moving = d(v); }, doubles(x2));
    const auto dw = numeric([&] { return loss(x2, s(n)).item<double>(); },
                            [&](std::vector<double> v) { w.assign(d(v)); }, doubles(w));
    const auto gx = doubles(g[0]), gw = doubles(g[1]);
    for (std::size_t i = 0; i < 2; ++i) {
      CHECK(gx[i] == doctest::Approx(dx[i]).epsilon(1e-6));
      CHECK(gw[i] == doctest::Approx(dw[i]).epsilon(1e-6));
    }
  }
  CHECK(grads.trace_count() == 1);
}

TEST_CASE("function: an optimizer update inside a traced cond runs only on the steps that take it") {
  auto make = [] {
    return std::pair{Variable(st::normal({6, 4}, {.seed = 1}), {.name = "kernel"}),
                     Variable(st::zeros({4}), {.name = "bias"})};
  };
  auto [w_eager, b_eager] = make();
  auto [w_graph, b_graph] = make();
  auto opt_eager = st::optimizers::Adam(1e-2);
  auto opt_graph = st::optimizers::Adam(1e-2);
  // A step applies its update only when the loss is under `limit` (a skip-bad-steps guard).
  auto step = [](Variable& w, Variable& b, st::optimizers::Optimizer& opt, const Tensor& x, const Tensor& y,
                 const Tensor& limit) {
    GradientTape tape;
    const Tensor loss = st::mean(st::square(st::relu(st::matmul(x, w) + b) - y));
    auto grads = tape.gradient(loss, std::vector<Variable>{w, b});
    return st::cond(loss < limit, [&] { opt.apply_gradients(grads, {w, b}); return loss * 1.0f; },
                    [&] { return loss * 0.0f; });
  };
  auto f = st::function([&](const Tensor& x, const Tensor& y, const Tensor& limit) {
    return step(w_graph, b_graph, *opt_graph, x, y, limit);
  });
  const std::vector<float> limits{-1.0f, 1e9f, 1e9f, -1.0f, 1e9f};
  for (std::size_t i = 0; i < limits.size(); ++i) {
    CAPTURE(i);
    const Tensor x = st::normal({8, 6}, {.seed = 10u + i}), y = st::normal({8, 4}, {.seed = 20u + i});
    const Tensor limit(limits[i]);
    const float eager = step(w_eager, b_eager, *opt_eager, x, y, limit).item<float>();
    CHECK(f(x, y, limit).item<float>() == eager);
    CHECK(w_graph.to_vector<float>() == w_eager.to_vector<float>());
  }
  CHECK(b_graph.to_vector<float>() == b_eager.to_vector<float>());
  CHECK(opt_graph->iterations() == 3);
  CHECK(opt_eager->iterations() == 3);
  CHECK(f.trace_count() == 1);
}

TEST_CASE("function: random ops in a traced cond draw only in the branch taken, exactly as eagerly") {
  auto body = [](const Tensor& x) {
    return st::cond(st::sum(x) > 0.0, [&] { return x + st::uniform({4}); }, [&] { return x - st::normal({4}); });
  };
  const std::vector<float> signs{-1.0f, 1.0f, 1.0f, -1.0f, 1.0f};
  std::vector<std::vector<float>> eager, traced;
  st::set_random_seed(123);
  for (float sign : signs) eager.push_back(body(st::ones({4}) * sign).to_vector<float>());
  st::set_random_seed(123);
  auto f = st::function(body);
  for (float sign : signs) traced.push_back(f(st::ones({4}) * sign).to_vector<float>());
  CHECK(traced == eager);
  CHECK(eager[1] != eager[2]);
  CHECK(f.trace_count() == 1);
}

TEST_CASE("function: a traced cond with no results, only an effect") {
  Variable total(s(0.0), {.name = "total"});
  auto f = st::function([&](const Tensor& x) {
    st::cond(positive(x), [&] { total.assign_add(st::sum(x)); return Tensors{}; }, [] { return Tensors{}; });
    return total * 1.0;
  });
  CHECK(f(d({-1.0, -2.0})).item<double>() == 0.0);
  CHECK(f(d({1.0, 2.0})).item<double>() == 3.0);
  CHECK(f(d({-5.0, 1.0})).item<double>() == 3.0);
  CHECK(f(d({0.5, 0.5})).item<double>() == 4.0);
  CHECK(f.trace_count() == 1);
}
