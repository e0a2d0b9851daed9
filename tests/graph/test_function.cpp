// st::function: tracing, replay, the passes, the errors a user must get.
#include <doctest/doctest.h>

#include "strata/backend/backend.hpp"
#include "strata/strata.hpp"
#include "support/gradient_check.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using st::testing::contains;
using st::testing::message_of;

namespace {

std::vector<float> values(const st::Tensor& t) { return t.to_vector<float>(); }

}  // namespace

TEST_CASE("function: traces once per signature and replays bitwise what eager computes") {
  st::Variable w(st::normal({5, 3}, {.seed = 1}), {.name = "w"});
  st::Variable b(st::normal({3}, {.seed = 2}), {.name = "b"});
  auto body = [&](const st::Tensor& x) { return st::tanh(st::relu(st::matmul(x, w) + b) * 2.0f - 0.5f); };
  auto f = st::function(body, {.name = "dense"});
  const st::Tensor x1 = st::normal({4, 5}, {.seed = 3}), x2 = st::normal({4, 5}, {.seed = 4});

  CHECK(values(f(x1)) == values(body(x1)));  // the trace: the callable itself
  CHECK(f.trace_count() == 1);
  CHECK(values(f(x2)) == values(body(x2)));  // a replay
  CHECK(values(f(x1)) == values(body(x1)));
  CHECK(f.trace_count() == 1);

  // A new shape is a new signature: a second trace.
  const st::Tensor x3 = st::normal({7, 5}, {.seed = 5});
  CHECK(values(f(x3)) == values(body(x3)));
  CHECK(f.trace_count() == 2);
  // A new dtype too.
  st::Variable w64(st::normal({2, 2}, {.dtype = st::float64, .seed = 1}));
  auto g = st::function([&](const st::Tensor& x) { return st::matmul(x, w64); });
  g(st::ones({2, 2}, st::float64));
  g(st::ones({3, 2}, st::float64));
  CHECK(g.trace_count() == 2);
}

TEST_CASE("function: several inputs and outputs, and a vector callable") {
  auto f = st::function([](const std::vector<st::Tensor>& in) {
    return std::vector<st::Tensor>{in[0] + in[1], in[0] * in[1], st::sum(in[1])};
  });
  const st::Tensor a({1.0, 2.0, 3.0}), b({4.0, 5.0, 6.0});
  for (int call = 0; call < 3; ++call) {
    auto out = f({a, b});
    REQUIRE(out.size() == 3);
    CHECK(values(out[0]) == std::vector<float>{5, 7, 9});
    CHECK(values(out[1]) == std::vector<float>{4, 10, 18});
    CHECK(out[2].item<float>() == 15.0f);
  }
  auto two = st::function([](const st::Tensor& x, const st::Tensor& y) { return x - y; });
  CHECK(values(two(a, b)) == std::vector<float>{-3, -3, -3});
  CHECK(values(two(b, a)) == std::vector<float>{3, 3, 3});
}

TEST_CASE("function: an input signature with unknown dimensions serves every batch size") {
  st::Variable w(st::normal({784, 10}, {.seed = 1}));
  auto body = [&](const st::Tensor& x) { return st::softmax(st::matmul(x, w)); };
  auto f = st::function(body, {.input_signature = {st::TensorSpec{st::Shape{-1, 784}, st::float32}}, .name = "classify"});
  for (std::int64_t batch : {1, 32, 5, 32}) {
    const st::Tensor x = st::normal({batch, 784}, {.seed = static_cast<std::uint64_t>(batch)});
    CHECK(values(f(x)) == values(body(x)));
  }
  CHECK(f.trace_count() == 1);

  const auto message = message_of([&] { f(st::ones({2, 100})); });
  CHECK(contains(message, "function 'classify'"));
  CHECK(contains(message, "TensorSpec(shape=(None, 784), dtype=float32)"));
  CHECK(contains(message, "dimension 1"));
  CHECK(contains(message_of([&] { f(st::ones({2, 784}, st::float64)); }), "dtype"));
  CHECK(contains(message_of([&] { f(std::vector<st::Tensor>{}); }), "input signature has 1"));
}

TEST_CASE("function: reading a value to the host while tracing is an error naming the function") {
  auto f = st::function(
      [](const st::Tensor& x) {
        if (st::sum(x).item<float>() > 0) return x * 2.0f;  // C++ control flow on a value: not traceable
        return x;
      },
      {.name = "branchy"});
  const auto message = message_of([&] { f(st::ones({3})); });
  CHECK(contains(message, "function 'branchy'"));
  CHECK(contains(message, "item()"));
  CHECK(contains(message, "run_eagerly"));
  auto printing = st::function([](const st::Tensor& x) {
    (void)x.to_string();
    return x;
  });
  CHECK(contains(message_of([&] { printing(st::ones({3})); }), "read to the host"));
  // Nothing is left half-traced: the function still has no graph, and eager code is unaffected.
  CHECK(f.trace_count() == 0);
  CHECK(st::sum(st::ones({3})).item<float>() == 3.0f);
}

TEST_CASE("function: a tensor made inside a trace cannot be used outside it or in another trace") {
  st::Tensor leaked;
  auto f = st::function(
      [&](const st::Tensor& x) {
        leaked = x * 3.0f;
        return x + 1.0f;
      },
      {.name = "leaky"});
  f(st::ones({2}));
  const auto message = message_of([&] { (void)(leaked + 1.0f); });
  CHECK(contains(message, "function 'leaky'"));
  CHECK(contains(message, "after that trace ended"));

  st::Tensor inside_a;
  auto a = st::function(
      [&](const st::Tensor& x) {
        inside_a = x * 2.0f;
        auto inner = st::function([&](const st::Tensor& y) { return y + inside_a; }, {.name = "b"});
        return x;
      },
      {.name = "a"});
  a(st::ones({2}));
  auto b = st::function([&](const st::Tensor& y) { return y + inside_a; }, {.name = "b"});
  CHECK(contains(message_of([&] { b(st::ones({2})); }), "function 'a'"));
}

TEST_CASE("function: variables may only be created on the first trace") {
  std::vector<st::Variable> made;
  auto f = st::function(
      [&](const st::Tensor& x) {
        made.emplace_back(st::zeros_like(x), st::VariableOptions{.name = "v" + std::to_string(made.size())});
        return x + made.back();
      },
      {.name = "makes_variables"});
  CHECK(values(f(st::ones({2}))) == std::vector<float>{1, 1});
  const auto message = message_of([&] { f(st::ones({3})); });
  CHECK(contains(message, "function 'makes_variables'"));
  CHECK(contains(message, "variables may only be created on the first call"));
  CHECK(contains(message, "'v1'"));
}

TEST_CASE("function: variable reads and writes run in program order at every replay") {
  st::Variable v(st::zeros({2}), {.name = "acc"});
  auto f = st::function([&](const st::Tensor& x) {
    const st::Tensor before = v * 1.0f;
    v.assign_add(x);
    const st::Tensor after = v * 1.0f;
    v.assign(v * 2.0f);
    return std::vector<st::Tensor>{before, after};
  });
  // Eagerly: v = 2 (v + x) each call.
  std::vector<float> expected_v{0, 0};
  for (int call = 0; call < 4; ++call) {
    auto out = f({st::Tensor({1.0, 2.0})});
    CHECK(values(out[0]) == expected_v);
    expected_v = {expected_v[0] + 1, expected_v[1] + 2};
    CHECK(values(out[1]) == expected_v);
    expected_v = {expected_v[0] * 2, expected_v[1] * 2};
    CHECK(values(v) == expected_v);
  }
}

TEST_CASE("function: random ops draw new numbers at every replay, exactly as eagerly") {
  auto body = [](const st::Tensor& x) { return x + st::uniform({4}) + st::normal({4}); };
  std::vector<std::vector<float>> eager, traced;
  st::set_random_seed(123);
  for (int i = 0; i < 4; ++i) eager.push_back(values(body(st::zeros({4}))));
  st::set_random_seed(123);
  auto f = st::function(body);
  for (int i = 0; i < 4; ++i) traced.push_back(values(f(st::zeros({4}))));
  CHECK(traced == eager);
  CHECK(eager[0] != eager[1]);

  // A seeded Dropout gives a new mask per call, reproducibly, traced or not.
  auto dropout = st::layers::Dropout(0.5, {.seed = 7});
  auto dropout_again = st::layers::Dropout(0.5, {.seed = 7});
  auto drop = st::function([&](const st::Tensor& x) { return (*dropout)(x, true); });
  for (int i = 0; i < 3; ++i) CHECK(values(drop(st::ones({16}))) == values((*dropout_again)(st::ones({16}), true)));
}

TEST_CASE("function: a training step with a tape and an optimizer matches eager training bitwise") {
  auto make = [](std::uint64_t seed) {
    return std::pair{st::Variable(st::normal({6, 4}, {.seed = seed}), {.name = "kernel"}),
                     st::Variable(st::zeros({4}), {.name = "bias"})};
  };
  auto [w_eager, b_eager] = make(1);
  auto [w_graph, b_graph] = make(1);
  auto opt_eager = st::optimizers::Adam(1e-2);
  auto opt_graph = st::optimizers::Adam(1e-2);
  auto step = [](st::Variable& w, st::Variable& b, st::optimizers::Optimizer& opt, const st::Tensor& x,
                 const st::Tensor& y) {
    st::GradientTape tape;
    const auto pred = st::relu(st::matmul(x, w) + b);
    const auto loss = st::mean(st::square(pred - y));
    auto grads = tape.gradient(loss, std::vector<st::Variable>{w, b});
    opt.apply_gradients(grads, {w, b});
    return loss;
  };
  auto f = st::function([&](const st::Tensor& x, const st::Tensor& y) { return step(w_graph, b_graph, *opt_graph, x, y); });
  for (int i = 0; i < 5; ++i) {
    const st::Tensor x = st::normal({8, 6}, {.seed = 10u + i}), y = st::normal({8, 4}, {.seed = 20u + i});
    const float eager_loss = step(w_eager, b_eager, *opt_eager, x, y).item<float>();
    CHECK(f(x, y).item<float>() == eager_loss);
  }
  CHECK(values(w_graph) == values(w_eager));
  CHECK(values(b_graph) == values(b_eager));
  CHECK(opt_graph->iterations() == 5);
  CHECK(f.trace_count() == 1);
}

TEST_CASE("function: gradients computed inside a function agree with central differences (float64)") {
  auto inner = [](const std::vector<st::Tensor>& in) { return st::sum(st::tanh(st::matmul(in[0], in[1])) * in[0]); };
  auto grad = st::function([&](const std::vector<st::Tensor>& in) {
    st::GradientTape tape;
    tape.watch(in[0]);
    tape.watch(in[1]);
    return tape.gradient(inner(in), in);
  });
  const st::Tensor a = st::testing::random_f64({3, 3}, -1, 1, 1), b = st::testing::random_f64({3, 3}, -1, 1, 2);
  for (int call = 0; call < 2; ++call) {  // the trace, then a replay
    auto g = grad({a, b});
    const double eps = 1e-6;
    for (int which = 0; which < 2; ++which) {
      auto base = (which ? b : a).to_vector<double>();
      auto analytic = g[which].to_vector<double>();
      for (std::size_t i = 0; i < base.size(); ++i) {
        auto plus = base, minus = base;
        plus[i] += eps;
        minus[i] -= eps;
        auto at = [&](const std::vector<double>& v) {
          const st::Tensor t = st::Tensor::from_vector(v, {3, 3});
          return inner(which ? std::vector<st::Tensor>{a, t} : std::vector<st::Tensor>{t, b}).item<double>();
        };
        CHECK(analytic[i] == doctest::Approx((at(plus) - at(minus)) / (2 * eps)).epsilon(1e-6));
      }
    }
  }
  // Under an outer tape a function runs its C++ eagerly, so gradients flow through it as well.
  auto f = st::function([&](const std::vector<st::Tensor>& in) { return std::vector<st::Tensor>{inner(in)}; });
  st::testing::check_gradients([&](const std::vector<st::Tensor>& in) { return f(in)[0]; }, {a, b});
}

TEST_CASE("function: pruning, folding, the memory plan, and zero allocations per replay") {
  st::Variable w(st::normal({64, 64}, {.seed = 1}));
  auto f = st::function([&](const st::Tensor& x) {
    const st::Tensor unused = st::exp(st::matmul(x, w));      // reaches no output: pruned
    const st::Tensor scale = st::ones({64}) * 2.0f + 1.0f;  // depends on nothing: folded
    st::Tensor h = x;
    for (int i = 0; i < 4; ++i) h = st::relu(st::matmul(h, w) * scale);
    return h;
  });
  const st::Tensor x = st::normal({32, 64}, {.seed = 2});
  f(x);
  auto concrete = f.get_concrete_function({x});
  const auto s = concrete.stats();
  CHECK(s.nodes_pruned >= 2);
  CHECK(s.nodes_folded >= 3);
  CHECK(s.nodes_replayed == s.nodes_traced - s.nodes_pruned - s.nodes_folded - s.nodes_fused);
  CHECK(s.arena_bytes < s.bytes_before);
  CHECK(contains(concrete.listing(), "gemm"));
  CHECK(contains(concrete.to_dot(), "digraph"));

  auto& cpu = st::backend::get_backend(st::Device("cpu"));
  f(x);
  const auto before = cpu.memory_stats().system_allocations;
  for (int i = 0; i < 10; ++i) f(x);
  CHECK(cpu.memory_stats().system_allocations == before);
}

TEST_CASE("function: retracing again and again warns once") {
  auto f = st::function([](const st::Tensor& x) { return x * 2.0f; }, {.name = "shapes"});
  st::CaptureWarnings warnings;
  for (std::int64_t n = 1; n <= 7; ++n) f(st::ones({n}));
  REQUIRE(warnings.messages().size() == 1);
  CHECK(contains(warnings.messages()[0], "function 'shapes' has been traced 5 times in a row"));
}

TEST_CASE("function: chains of elementwise ops fuse into one pass, with eager's values") {
  auto body = [](const st::Tensor& x, const st::Tensor& y) {
    st::Tensor h = x;
    for (int i = 0; i < 6; ++i) h = st::tanh(h * 1.5f + y) - 0.25f;
    return st::sigmoid(h) * x;
  };
  for (std::int64_t n : {7, 3000, 100000}) {  // one chunk, several, split across threads
    auto fused = st::function(body);
    auto unfused = st::function(body, {.fuse = false});
    const st::Tensor x = st::normal({n}, {.seed = 1}), y = st::normal({n}, {.seed = 2});
    fused(x, y);
    unfused(x, y);
    const auto stats = fused.get_concrete_function({x, y}).stats();
    CHECK(stats.nodes_fused >= 20);
    CHECK(stats.nodes_replayed <= 3);
    CHECK(unfused.get_concrete_function({x, y}).stats().nodes_fused == 0);
    CHECK(fused.get_concrete_function({x, y}).listing().find("fused") != std::string::npos);
    // Fusion keeps eager's formulas step by step (no reordering): eager's bits.
    const auto want = values(body(x, y)), got = values(fused(x, y)), plain = values(unfused(x, y));
    CHECK(plain == want);
    CHECK(got == want);
  }
}
TEST_CASE("function: run_functions_eagerly runs the C++ at every call, compiled fit included") {
  int runs = 0;
  auto f = st::function([&](const st::Tensor& x) {
    ++runs;
    return x * 2.0f;
  });
  st::run_functions_eagerly(true);
  const st::Tensor x({1.0f, 2.0f});
  f(x);
  f(x);
  CHECK(runs == 2);
  CHECK(f.trace_count() == 0);
  st::Sequential model({st::layers::Input({2}), st::layers::Dense(1)});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  model.fit(st::ones({4, 2}), st::ones({4, 1}), {.epochs = 1, .verbose = 0});
  CHECK(model.step_trace_count("train") == 0);
  st::run_functions_eagerly(false);
  CHECK_FALSE(st::functions_run_eagerly());
  f(x);
  f(x);
  CHECK(runs == 3);  // traced once, then replayed
  CHECK(f.trace_count() == 1);
}

TEST_CASE("function: common subexpressions run once; random draws and values changed in between do not merge") {
  auto body = [](const st::Tensor& x) { return st::exp(x) * 2.0f + st::exp(x) * 2.0f + st::tanh(x); };
  auto f = st::function(body, {.fuse = false});
  const st::Tensor x = st::normal({64}, {.seed = 1});
  f(x);
  const auto stats = f.get_concrete_function({x}).stats();
  CHECK(stats.nodes_merged == 3);  // the second constant 2, exp(x) and exp(x) * 2
  CHECK(stats.nodes_replayed == stats.nodes_traced - stats.nodes_pruned - stats.nodes_merged - stats.nodes_folded);
  CHECK(contains(f.get_concrete_function({x}).listing(), "3 merged"));
  CHECK(values(f(x)) == values(body(x)));

  // The same product before and after the variable changes is two values.
  st::Variable v(st::Tensor({1.0f, 2.0f}), {.name = "v"});
  auto g = st::function([&](const st::Tensor& y) {
    auto before = y * v;
    v.assign_add(st::Tensor({1.0f, 1.0f}));
    return before + y * v;
  });
  const st::Tensor y({1.0f, 1.0f});
  CHECK(values(g(y)) == std::vector<float>{3, 5});
  CHECK(values(g(y)) == std::vector<float>{5, 7});
  CHECK(g.get_concrete_function({y}).stats().nodes_merged == 0);

  // Two draws are two draws.
  auto r = st::function([](const st::Tensor& z) { return std::vector<st::Tensor>{z + st::uniform({32}), z + st::uniform({32})}; });
  const auto draws = r(st::zeros({32}));
  CHECK(values(draws[0]) != values(draws[1]));
  const auto again = r(st::zeros({32}));
  CHECK(values(again[0]) != values(again[1]));
}

TEST_CASE("function: inputs are read in place, except a Variable's value that the graph may change") {
  st::Variable v(st::Tensor({1.0f, 2.0f}), {.name = "v"});
  auto f = st::function([&](const st::Tensor& x) {
    v.assign_add(st::Tensor({10.0f, 10.0f}));
    return x * 2.0f;
  });
  // x is v's value before the assign: eagerly it keeps those values, so must a replay.
  CHECK(values(f(v.value())) == std::vector<float>{2, 4});
  CHECK(values(f(v.value())) == std::vector<float>{22, 24});
  CHECK(values(f(v.value())) == std::vector<float>{42, 44});
  // Ordinary inputs, changing between calls: each call reads its own.
  st::Tensor a({1.0f, 1.0f}), b({3.0f, 4.0f});
  CHECK(values(f(a)) == std::vector<float>{2, 2});
  CHECK(values(f(b)) == std::vector<float>{6, 8});
  CHECK(values(f(a)) == std::vector<float>{2, 2});
}
