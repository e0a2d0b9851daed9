#include "strata/framework/ops/control_flow.hpp"

#include "strata/framework/graph/control_flow_node.hpp"
#include "strata/framework/graph/function.hpp"

#include <string>
#include <utility>

#include "strata/framework/errors.hpp"

namespace strata {

namespace {

std::string count_str(std::size_t n) { return std::to_string(n) + (n == 1 ? " tensor" : " tensors"); }

// Undefined tensors cannot become graph values, and an eager user would only meet the problem later.
// `what` says where they come from: "true_fn returned", "loop_vars holds".
void check_all_defined(const char* op, const std::string& what, const std::vector<Tensor>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined())
      throw ValueError(std::string(op) + ": " + what + " an undefined tensor at position " + std::to_string(i));
  }
}

// The one place where the predicate is read and a branch runs. The branch's ops record themselves
// on any tape, which is all differentiation needs. While a function traces, cond becomes a
// control-flow node instead (both branches traced into sub-graphs, the predicate read at replay).
std::vector<Tensor> run_cond(const Tensor& pred, const BranchFn& true_fn, const BranchFn& false_fn) {
  if (is_tracing()) return graph::detail::trace_cond(pred, true_fn, false_fn);
  const bool take_true = pred.item<bool>();
  std::vector<Tensor> outputs = take_true ? true_fn() : false_fn();
  check_all_defined("cond", take_true ? "true_fn returned" : "false_fn returned", outputs);
  return outputs;
}

// The one place where the loop runs and its condition is read; while a function traces, a
// control-flow node whose condition and body are sub-graphs, iterated at every replay.
std::vector<Tensor> run_while(const LoopCondFn& cond, const LoopBodyFn& body, std::vector<Tensor> vars,
                              const WhileOptions& options) {
  if (is_tracing()) return graph::detail::trace_while(cond, body, vars, options);
  for (std::int64_t iteration = 0;; ++iteration) {
    // The iteration limit first, so that cond does not run once more after the last iteration.
    if (options.maximum_iterations && iteration >= *options.maximum_iterations) break;
    const Tensor keep_going = cond(vars);
    control_flow::check_predicate("while_loop", "the cond function's result", keep_going);
    if (!keep_going.item<bool>()) break;
    std::vector<Tensor> next = body(vars);
    control_flow::check_loop_vars_kept(vars, next, iteration + 1);
    vars = std::move(next);
  }
  return vars;
}

}  // namespace

namespace control_flow {

void check_predicate(const char* op, const char* what, const Tensor& pred) {
  const std::string where = std::string(op) + ": " + what;
  if (!pred.defined()) throw ValueError(where + " is an undefined tensor");
  if (pred.is_symbolic())
    throw ValueError(where + " is symbolic (a Keras Input or a graph edge) and has no value to decide on");
  if (pred.dtype() != bool_)
    throw DTypeError(where + " must be a bool tensor (as in TensorFlow, other dtypes are not accepted), got " +
                     std::string(dtype_name(pred.dtype())) + "; compare first, e.g. st::greater(x, 0)");
  if (pred.size() != 1)
    throw ShapeError(where + " must be a scalar (one element), got shape " + pred.shape().to_string());
}

void check_branches_match(const std::vector<Tensor>& true_outputs, const std::vector<Tensor>& false_outputs) {
  const std::string why = " (true_fn and false_fn must return the same number, dtypes and shapes of tensors)";
  if (true_outputs.size() != false_outputs.size())
    throw ValueError("cond: true_fn returned " + count_str(true_outputs.size()) + " but false_fn returned " +
                     count_str(false_outputs.size()) + why);
  check_all_defined("cond", "true_fn returned", true_outputs);
  check_all_defined("cond", "false_fn returned", false_outputs);
  for (std::size_t i = 0; i < true_outputs.size(); ++i) {
    const Tensor& t = true_outputs[i];
    const Tensor& f = false_outputs[i];
    const std::string at = "cond: output " + std::to_string(i) + " is ";
    if (t.dtype() != f.dtype())
      throw DTypeError(at + std::string(dtype_name(t.dtype())) + " in true_fn but " +
                       std::string(dtype_name(f.dtype())) + " in false_fn" + why);
    if (t.shape() != f.shape())
      throw ShapeError(at + "of shape " + t.shape().to_string() + " in true_fn but " + f.shape().to_string() +
                       " in false_fn" + why);
  }
}

void check_loop_vars_kept(const std::vector<Tensor>& loop_vars, const std::vector<Tensor>& body_outputs,
                          std::int64_t iteration) {
  if (body_outputs.size() != loop_vars.size())
    throw ValueError("while_loop: body returned " + count_str(body_outputs.size()) + " but there are " +
                     std::to_string(loop_vars.size()) + " loop variables (the body returns one tensor per loop "
                     "variable)");
  check_all_defined("while_loop", "body returned", body_outputs);
  const std::string after = " after iteration " + std::to_string(iteration);
  for (std::size_t i = 0; i < loop_vars.size(); ++i) {
    const Tensor& in = loop_vars[i];
    const Tensor& out = body_outputs[i];
    const std::string var = "while_loop: loop variable " + std::to_string(i) + " enters the loop ";
    if (in.dtype() != out.dtype())
      throw DTypeError(var + "as " + std::string(dtype_name(in.dtype())) + " but is " +
                       std::string(dtype_name(out.dtype())) + after + "; a loop variable keeps its dtype");
    if (in.shape() != out.shape())
      throw ShapeError(var + "with shape " + in.shape().to_string() + " but has shape " + out.shape().to_string() +
                       after + "; a loop variable keeps its shape (tf.while_loop's default shape invariants)");
  }
}

}  // namespace control_flow

std::vector<Tensor> cond(const Tensor& pred, BranchFn true_fn, BranchFn false_fn) {
  if (!true_fn || !false_fn) throw ValueError("cond: true_fn and false_fn must both be callables");
  control_flow::check_predicate("cond", "pred", pred);
  return run_cond(pred, true_fn, false_fn);
}

Tensor cond(const Tensor& pred, std::function<Tensor()> true_fn, std::function<Tensor()> false_fn) {
  if (!true_fn || !false_fn) throw ValueError("cond: true_fn and false_fn must both be callables");
  auto as_list = [](std::function<Tensor()> fn) {
    return BranchFn([fn = std::move(fn)] { return std::vector<Tensor>{fn()}; });
  };
  return cond(pred, as_list(std::move(true_fn)), as_list(std::move(false_fn))).front();
}

std::vector<Tensor> while_loop(LoopCondFn cond, LoopBodyFn body, std::vector<Tensor> loop_vars,
                               WhileOptions options) {
  if (!cond || !body) throw ValueError("while_loop: cond and body must both be callables");
  if (loop_vars.empty()) throw ValueError("while_loop: no loop variables provided");
  check_all_defined("while_loop", "loop_vars holds", loop_vars);
  if (options.maximum_iterations && *options.maximum_iterations < 0)
    throw ValueError("while_loop: maximum_iterations must be >= 0, got " +
                     std::to_string(*options.maximum_iterations));
  return run_while(cond, body, std::move(loop_vars), options);
}

}  // namespace strata
