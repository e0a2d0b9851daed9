#pragma once
// Data-dependent control flow, as TensorFlow's tf.cond and tf.while_loop.
//
// Eagerly both read their predicate on the host and run plain C++: `cond` runs one branch,
// `while_loop` runs the body until the condition is false. The ops inside record themselves on any
// GradientTape, so gradients flow through the branch taken and through every iteration with no
// extra code. Inside st::function they become control-flow nodes of the graph instead, so that the
// predicate is decided at every replay rather than once at trace time (plain C++ `if` and `for`
// run once, while tracing): both branches (the loop's condition and body) are traced into
// sub-graphs, and each replay reads the predicate to the host and runs the chosen sub-graph.
// Traced, both are differentiable: a cond's gradient is a cond whose branches call true_fn /
// false_fn again under a tape; a while_loop's is a loop from the last iteration down that recomputes
// each iteration's inputs with `body` (O(n^2) bodies, no per-iteration memory). So the callables,
// and what they capture by reference, must outlive the tape's gradient() call.
//
//   auto y = st::cond(x > 0.0, [&] { return x * 2.0; }, [&] { return -x; });
//   auto out = st::while_loop([](const auto& v) { return st::less(v[0], n); },
//                             [](const auto& v) { return std::vector{v[0] + 1, v[1] * v[1]}; },
//                             {st::Tensor(0), x});
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {

using BranchFn = std::function<std::vector<Tensor>()>;

// Runs true_fn if `pred` is true, else false_fn, and returns what the branch returns. `pred` is a
// bool tensor with one element (0-d, or shape (1,), (1, 1)...). The two branches must return the
// same number of tensors with the same dtypes and shapes; only the branch taken has effects (a
// Variable assign happens only then), so a mismatch is caught where both are traced, inside
// st::function (tracing runs both branches' kernels and undoes the effects of each).
std::vector<Tensor> cond(const Tensor& pred, BranchFn true_fn, BranchFn false_fn);
// The same for branches that return one tensor each.
Tensor cond(const Tensor& pred, std::function<Tensor()> true_fn, std::function<Tensor()> false_fn);

struct WhileOptions {
  // At most this many iterations (>= 0), whatever `cond` says, as tf.while_loop's argument.
  std::optional<std::int64_t> maximum_iterations;
};

using LoopCondFn = std::function<Tensor(const std::vector<Tensor>&)>;
using LoopBodyFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// while (cond(vars)) vars = body(vars); returns the final vars. `cond` returns a one-element bool
// tensor; `body` returns as many tensors as there are loop variables, each with the dtype and
// shape of its loop variable (tf.while_loop's default shape invariants: shapes may not change).
std::vector<Tensor> while_loop(LoopCondFn cond, LoopBodyFn body, std::vector<Tensor> loop_vars,
                               WhileOptions options = {});

namespace control_flow {

// The checks the two functions above make, for the tracer, which sees both branches of a cond and
// the loop variables before and after one traced iteration.
//
// ValueError/DTypeError/ShapeError unless both branch results match in count, dtype and shape.
void check_branches_match(const std::vector<Tensor>& true_outputs, const std::vector<Tensor>& false_outputs);
// ValueError/DTypeError/ShapeError unless the body's outputs match the loop variables.
void check_loop_vars_kept(const std::vector<Tensor>& loop_vars, const std::vector<Tensor>& body_outputs,
                          std::int64_t iteration);
// DTypeError unless `pred` is bool, ShapeError unless it has one element; `op` ("cond",
// "while_loop") and `what` ("pred", "the cond function's result") name it. Reads no value.
void check_predicate(const char* op, const char* what, const Tensor& pred);

}  // namespace control_flow

}  // namespace strata
