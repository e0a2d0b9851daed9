#include "strata/framework/graph/control_flow_node.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>

#include "strata/framework/autodiff/gradient_tape.hpp"
#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/graph/sub_graph.hpp"
#include "strata/framework/graph/tracer.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::graph::detail {

namespace {


// One traced part (a branch, a loop condition or body), before it becomes a SubGraph.
struct Part {
  std::vector<Tensor> outputs;   // the dry run's tensors (shapes and dtypes; their trace ended)
  std::vector<Tensor> captured;  // enclosing tensors it read, when gradients may be needed
  Graph graph;
};

// Traces `fn` in a dry nested trace: its kernels run (later ops need real values) but whatever it
// wrote outside is restored and its host steps do not run, since the node runs the real thing.
Part trace_part(Tracer& parent, const std::vector<Tensor>& inputs,
                const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& fn, bool collect) {
  Tracer sub(parent.function(), parent.device(), parent.first_trace());
  sub.set_dry();
  if (collect) sub.collect_captured();
  sub.start();
  Part part;
  try {
    std::vector<Tensor> placeholders;
    for (std::size_t i = 0; i < inputs.size(); ++i) placeholders.push_back(sub.add_input(inputs[i], i));
    part.outputs = fn(placeholders);
    // Undefined outputs are reported by the caller's checks, with their position.
    if (std::all_of(part.outputs.begin(), part.outputs.end(), [](const Tensor& t) { return t.defined(); }))
      sub.set_outputs(part.outputs);
  } catch (...) {
    sub.restore_written();
    throw;
  }
  sub.restore_written();
  part.captured = sub.captured();
  part.graph = sub.finish();
  return part;
}

// Gathers the sub-graphs of one node and the enclosing buffers they capture.
class NodeBuilder {
 public:
  explicit NodeBuilder(Tracer& parent) : parent_(parent) {}

  std::shared_ptr<SubGraph> add(Graph graph) {
    const PassStats stats = optimize(graph, false);
    // Only what the remaining nodes and the outputs use becomes a capture.
    const std::vector<bool> used = referenced(graph);
    std::vector<int> index(graph.buffers.size(), -1);
    for (std::size_t b = 0; b < graph.buffers.size(); ++b) {
      const Buffer& buf = graph.buffers[b];
      if (buf.kind != Buffer::Kind::external || !used[b]) continue;
      int outer = parent_.buffer_of(buf.owner.get());
      if (outer < 0) outer = parent_.capture(buf.owner, buf.label);
      auto it = std::find(captures_.begin(), captures_.end(), outer);
      index[b] = static_cast<int>(it - captures_.begin());
      if (it == captures_.end()) captures_.push_back(outer);
    }
    for (const auto& node : graph.nodes) {
      side_effect_ = side_effect_ || node.side_effect;
      random_ = random_ || node.random;
      for (const auto& a : node.args)
        if (a.write && index[a.buffer] >= 0) written_.insert(captures_[index[a.buffer]]);
    }
    return std::make_shared<SubGraph>(std::move(graph), stats, std::move(index));
  }

  std::size_t captures() const { return captures_.size(); }
  std::size_t writes() const { return written_.size(); }
  // The written captures (in the node's argument order) by their index among the captures.
  std::vector<std::int64_t> written_captures() const {
    std::vector<std::int64_t> out;
    for (int w : written_) out.push_back(std::find(captures_.begin(), captures_.end(), w) - captures_.begin());
    return out;
  }

  // The node: `leading` reads, every capture (read: a branch not taken leaves its values), the
  // captures some part writes, then `outputs`. It runs now, on the trace's memory, so that the
  // trace's own results are those of the branch (or iterations) the values pick.
  void record(Node node, const std::vector<Tensor>& leading, const std::vector<Tensor>& outputs) {
    node.args.clear();
    for (const auto& t : leading) node.args.push_back(parent_.access(t.impl()->data(), false, node.op.c_str()));
    for (int c : captures_) node.args.push_back({c, 0, false});
    for (int w : written_) node.args.push_back({w, 0, true});
    for (const auto& t : outputs) node.args.push_back(parent_.access(t.impl()->data(), true, node.op.c_str()));
    node.side_effect = side_effect_ || !written_.empty();
    node.random = random_;
    std::vector<void*> pointers;
    for (const auto& a : node.args)
      pointers.push_back(static_cast<char*>(parent_.graph().buffers[a.buffer].address) + a.offset);
    {
      SuspendTrace real;
      node.exec(backend::get_backend(parent_.device()), pointers.data());
    }
    parent_.record(std::move(node));
  }

 private:
  Tracer& parent_;
  std::vector<int> captures_;  // enclosing buffers, in first-use order
  std::set<int> written_;
  bool side_effect_ = false, random_ = false;
};

std::vector<Tensor> fresh_outputs(const std::vector<Tensor>& like) {
  std::vector<Tensor> out;
  for (const auto& t : like) out.push_back(empty(t.shape(), t.dtype(), t.device()));
  return out;
}

// The enclosing tensors either part read, once each, for the tape.
// (A nested part's captures count as the enclosing part's own.)
std::vector<Tensor> sources_of(Tracer& parent, const std::vector<const Part*>& parts) {
  std::vector<Tensor> sources;
  std::unordered_set<std::uint64_t> seen;
  for (const Part* p : parts)
    for (const auto& t : p->captured) {
      parent.add_captured(t);
      if (seen.insert(t.id()).second) sources.push_back(t);
    }
  return sources;
}

// The vector-Jacobian product of `fn` at the current values, recomputed under a tape of its own
// (TensorFlow's cond_v2 differentiates the branch's function graph the same way).
BranchFn gradient_branch(BranchFn fn, std::vector<Tensor> sources, autodiff::Grads upstream) {
  return [fn = std::move(fn), sources = std::move(sources), upstream = std::move(upstream)] {
    GradientTape tape({.persistent = true});
    for (const auto& s : sources) tape.watch(s);
    const std::vector<Tensor> outputs = fn();
    std::vector<Tensor> grads(sources.size());
    for (std::size_t k = 0; k < outputs.size() && k < upstream.size(); ++k) {
      if (!is_floating(outputs[k].dtype())) continue;
      auto part = tape.gradient(outputs[k], sources, upstream[k]);
      for (std::size_t i = 0; i < sources.size(); ++i)
        if (part[i].defined()) grads[i] = grads[i].defined() ? add(grads[i], part[i]) : part[i];
    }
    for (std::size_t i = 0; i < sources.size(); ++i)
      if (!grads[i].defined()) grads[i] = zeros_like(sources[i]);
    return grads;
  };
}

using Tensors = std::vector<Tensor>;

Tensors first(const Tensors& v, std::size_t n) { return Tensors(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)); }

// The gradient of a traced while_loop that ran `count` iterations: a while_loop from the last
// iteration down to the first, each step recomputing the loop variables entering that iteration
// (a loop of `k` bodies from `init`) and taking the body's vector-Jacobian product under a tape.
// Recomputing costs O(count^2) bodies and keeps no per-iteration memory.
autodiff::Grads while_gradient(const LoopBodyFn& body, const Tensors& init, const Tensors& sources,
                               const Tensor& count, const autodiff::Grads& upstream) {
  const std::size_t n = init.size(), c = sources.size();
  Tensors state{count};
  for (std::size_t i = 0; i < n; ++i) state.push_back(upstream[i]);
  for (const auto& s : sources) state.push_back(zeros_like(s));
  auto step = [body, init, sources, n, c](const Tensors& s) {
    const Tensor k = s[0] - 1;
    Tensors start = init;
    start.push_back(zeros({}, int32));
    Tensors at = while_loop([k](const Tensors& v) { return less(v.back(), k); },
                            [body, n](const Tensors& v) {
                              Tensors out = body(first(v, n));
                              out.push_back(v[n] + 1);
                              return out;
                            },
                            start);
    at.pop_back();
    GradientTape tape({.persistent = true});
    Tensors wrt;  // the floating loop variables, then the sources
    std::vector<std::size_t> var_of;
    for (std::size_t i = 0; i < n; ++i)
      if (is_floating(at[i].dtype())) wrt.push_back(at[i]), var_of.push_back(i);
    wrt.insert(wrt.end(), sources.begin(), sources.end());
    for (const auto& t : wrt) tape.watch(t);
    const Tensors outputs = body(at);
    Tensors grads(wrt.size());
    for (std::size_t j = 0; j < n; ++j) {
      if (!is_floating(outputs[j].dtype())) continue;
      auto part = tape.gradient(outputs[j], wrt, s[1 + j]);
      for (std::size_t i = 0; i < wrt.size(); ++i)
        if (part[i].defined()) grads[i] = grads[i].defined() ? add(grads[i], part[i]) : part[i];
    }
    Tensors next{k};
    for (std::size_t i = 0; i < n; ++i) next.push_back(zeros_like(at[i]));
    for (std::size_t i = 0; i < var_of.size(); ++i)
      if (grads[i].defined()) next[1 + var_of[i]] = grads[i];
    for (std::size_t j = 0; j < c; ++j) {
      const Tensor& g = grads[var_of.size() + j];
      next.push_back(g.defined() ? add(s[1 + n + j], g) : s[1 + n + j]);
    }
    return next;
  };
  const Tensors result = while_loop([](const Tensors& s) { return s[0] > 0; }, step, state);
  return Tensors(result.begin() + 1, result.end());
}

}  // namespace

std::vector<Tensor> trace_cond(const Tensor& pred, const BranchFn& true_fn, const BranchFn& false_fn) {
  Tracer& parent = *active_tracer();
  const bool collect = autodiff::is_recording();
  auto as_part = [](const BranchFn& fn) {
    return [&fn](const std::vector<Tensor>&) { return fn(); };
  };
  Part t = trace_part(parent, {}, as_part(true_fn), collect);
  Part f = trace_part(parent, {}, as_part(false_fn), collect);
  control_flow::check_branches_match(t.outputs, f.outputs);

  NodeBuilder builder(parent);
  auto true_graph = builder.add(std::move(t.graph));
  auto false_graph = builder.add(std::move(f.graph));
  std::vector<Tensor> outputs = fresh_outputs(t.outputs);
  Node node{"cond", "true: " + std::to_string(true_graph->nodes()) + " nodes, false: " +
                        std::to_string(false_graph->nodes()) + " nodes"};
  const std::size_t first_output = 1 + builder.captures() + builder.writes();
  node.exec = cond_exec(true_graph, false_graph, first_output);
  node.encode = cond_encoder(true_graph, false_graph, builder.captures(), builder.written_captures());
  builder.record(std::move(node), {pred}, outputs);

  if (collect) {
    std::vector<Tensor> sources = sources_of(parent, {&t, &f});
    if (!outputs.empty() && autodiff::is_watched(sources))
      autodiff::record("cond", sources, outputs,
                       [pred, true_fn, false_fn, sources](const autodiff::Grads& upstream, const autodiff::Needs&) {
                         return cond(pred, gradient_branch(true_fn, sources, upstream),
                                     gradient_branch(false_fn, sources, upstream));
                       });
  }
  return outputs;
}

std::vector<Tensor> trace_while(const LoopCondFn& cond, const LoopBodyFn& body, const std::vector<Tensor>& loop_vars,
                                const WhileOptions& options) {
  Tracer& parent = *active_tracer();
  const bool collect = autodiff::is_recording();
  // Under a tape the loop also counts its iterations, which its gradient needs.
  const std::size_t n_user = loop_vars.size();
  Tensors vars = loop_vars;
  if (collect) vars.push_back(zeros({}, int32));
  auto cond_part = [&](const Tensors& v) { return Tensors{cond(first(v, n_user))}; };
  auto body_part = [&](const Tensors& v) {
    Tensors out = body(first(v, n_user));
    if (collect) {
      control_flow::check_loop_vars_kept(first(v, n_user), out, 1);
      out.push_back(v[n_user] + 1);
    }
    return out;
  };
  Part c = trace_part(parent, vars, cond_part, false);
  control_flow::check_predicate("while_loop", "the cond function's result", c.outputs.front());
  Part b = trace_part(parent, vars, body_part, collect);
  control_flow::check_loop_vars_kept(vars, b.outputs, 1);

  NodeBuilder builder(parent);
  auto cond_graph = builder.add(std::move(c.graph));
  auto body_graph = builder.add(std::move(b.graph));
  std::vector<Tensor> outputs = fresh_outputs(vars);
  const std::int64_t limit = options.maximum_iterations.value_or(-1);
  Node node{"while_loop", "cond: " + std::to_string(cond_graph->nodes()) + " nodes, body: " +
                              std::to_string(body_graph->nodes()) + " nodes" +
                              (limit >= 0 ? ", maximum_iterations=" + std::to_string(limit) : "")};
  std::vector<std::size_t> bytes;
  for (const auto& v : vars) bytes.push_back(bytes_of(v.shape(), v.dtype()));
  const std::size_t n = vars.size(), first_output = n + builder.captures() + builder.writes();
  node.exec = while_exec(cond_graph, body_graph, bytes, first_output, limit);
  node.encode = while_encoder(cond_graph, body_graph, n, builder.captures(), builder.written_captures(), limit);
  builder.record(std::move(node), vars, outputs);
  if (!collect) return outputs;

  const Tensor count = outputs.back();
  outputs.pop_back();
  Tensors sources = sources_of(parent, {&b});
  Tensors inputs = loop_vars;
  inputs.insert(inputs.end(), sources.begin(), sources.end());
  if (autodiff::is_watched(inputs))
    autodiff::record("while_loop", inputs, outputs,
                     [body, loop_vars, sources, count](const autodiff::Grads& upstream, const autodiff::Needs&) {
                       return while_gradient(body, loop_vars, sources, count, upstream);
                     });
  return outputs;
}

}  // namespace strata::graph::detail
