#include "strata/framework/graph/function.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/graph/concrete_graph.hpp"
#include "strata/framework/graph/tracer.hpp"
#include "strata/framework/warnings.hpp"

namespace strata {

namespace {

// TensorFlow warns once a function has traced this many times in a row without a replay between.
constexpr int kRetraceWarning = 5;

std::atomic<bool>& eager_functions() {
  static std::atomic<bool> flag = [] {
    const char* env = std::getenv("STRATA_RUN_FUNCTIONS_EAGERLY");
    return env && *env && std::string(env) != "0";
  }();
  return flag;
}

std::string spec_text(const Shape& shape, DType dtype) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + (shape[i] < 0 ? std::string("None") : std::to_string(shape[i]));
  return s + (shape.size() == 1 ? ",)" : ")") + ", dtype=" + std::string(dtype_name(dtype));
}

}  // namespace

std::string TensorSpec::to_string() const {
  return "TensorSpec(shape=" + spec_text(shape, dtype) + (name.empty() ? "" : ", name='" + name + "'") + ")";
}

struct Function::State {
  Callable callable;
  FunctionOptions options;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<graph::ConcreteGraph>> graphs;  // by concrete signature
  std::set<std::string> signatures;                                      // by traced signature
  int traces_in_a_row = 0;
  bool warned = false;
  // The last replayed graph and its inputs' signature: a repeated call skips building the key.
  std::shared_ptr<graph::ConcreteGraph> last;
  std::vector<std::tuple<Shape, DType, Device>> last_signature;

  bool same_as_last(const std::vector<Tensor>& inputs) const {
    if (!last || inputs.size() != last_signature.size()) return false;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& [shape, dtype, device] = last_signature[i];
      if (!inputs[i].defined() || inputs[i].is_symbolic() || inputs[i].dtype() != dtype ||
          inputs[i].shape() != shape || inputs[i].device() != device)
        return false;
    }
    return true;
  }

  void check_fits(const std::vector<Tensor>& inputs) const;
  std::shared_ptr<graph::ConcreteGraph> find_or_trace(const std::vector<Tensor>& inputs, std::vector<Tensor>* results, bool* traced);
};

void Function::State::check_fits(const std::vector<Tensor>& inputs) const {
  const auto& sig = options.input_signature;
  if (sig.empty()) return;
  auto fail = [&](std::size_t i, const std::string& why) {
    throw TraceError("function '" + options.name + "': input " + std::to_string(i) + " (" +
                     spec_text(inputs[i].shape(), inputs[i].dtype()) + ") does not fit its input signature " +
                     sig[i].to_string() + ": " + why);
  };
  if (inputs.size() != sig.size())
    throw TraceError("function '" + options.name + "' was given " + std::to_string(inputs.size()) +
                     " inputs but its input signature has " + std::to_string(sig.size()));
  for (std::size_t i = 0; i < sig.size(); ++i) {
    if (inputs[i].dtype() != sig[i].dtype) fail(i, "the dtype differs");
    if (inputs[i].rank() != sig[i].shape.rank()) fail(i, "the rank differs");
    for (int d = 0; d < inputs[i].rank(); ++d)
      if (sig[i].shape[d] >= 0 && sig[i].shape[d] != inputs[i].shape()[d])
        fail(i, "dimension " + std::to_string(d) + " differs");
  }
}

std::shared_ptr<graph::ConcreteGraph> Function::State::find_or_trace(const std::vector<Tensor>& inputs,
                                                                       std::vector<Tensor>* results, bool* traced_now) {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].defined() || inputs[i].is_symbolic())
      throw ValueError("function '" + options.name + "': input " + std::to_string(i) +
                       (inputs[i].defined() ? " is symbolic (an Input): call the function on real data"
                                            : " is an undefined tensor"));
  check_fits(inputs);
  std::string concrete, traced;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    concrete += spec_text(inputs[i].shape(), inputs[i].dtype()) + "@" + inputs[i].device().to_string() + ";";
    traced += options.input_signature.empty() ? "" : spec_text(options.input_signature[i].shape, inputs[i].dtype());
  }
  if (options.input_signature.empty()) traced = concrete;
  if (auto it = graphs.find(concrete); it != graphs.end()) {
    traces_in_a_row = 0;
    return it->second;
  }

  const Device device = inputs.empty() ? default_device() : inputs[0].device();
  graph::detail::Tracer tracer(options.name, device, signatures.empty());
  tracer.start();
  std::vector<Tensor> traced_inputs;
  for (std::size_t i = 0; i < inputs.size(); ++i) traced_inputs.push_back(tracer.add_input(inputs[i], i));
  std::vector<Tensor> outputs = callable(traced_inputs);
  tracer.set_outputs(outputs);
  auto concrete_graph = std::make_shared<graph::ConcreteGraph>(tracer.finish(), options.fuse);
  graphs[concrete] = concrete_graph;
  signatures.insert(traced);
  if (traced_now) *traced_now = true;
  if (++traces_in_a_row >= kRetraceWarning && !warned) {
    warned = true;
    warn("function '" + options.name + "' has been traced " + std::to_string(traces_in_a_row) +
         " times in a row: each new input shape or dtype traces again, which is expensive. Give it an "
         "input_signature with -1 for the dimensions that vary (e.g. the batch size).");
  }
  if (results) {
    // The trace ran the callable: its results are this call's results, freed of the trace's mark.
    for (const auto& out : outputs) {
      Tensor free = alias(out, out.shape());
      free.impl()->trace = nullptr;
      results->push_back(std::move(free));
    }
  }
  return concrete_graph;
}

Function::Function(Callable callable, FunctionOptions options) : state_(std::make_shared<State>()) {
  if (!callable) throw ValueError("function: the callable is empty");
  state_->callable = std::move(callable);
  state_->options = std::move(options);
}

std::vector<Tensor> Function::call(const std::vector<Tensor>& inputs) const {
  if (!state_) throw ValueError("function: calling an empty Function");
  // Inside another function's trace the callable simply becomes part of that trace.
  // Under a recording tape it runs eagerly too, so that gradients flow through it.
  if (graph::detail::active_tracer() || autodiff::is_recording() || functions_run_eagerly())
    return state_->callable(inputs);
  std::lock_guard lock(state_->mutex);
  if (state_->same_as_last(inputs)) {
    state_->traces_in_a_row = 0;
    return state_->last->run(inputs);
  }
  std::vector<Tensor> results;
  bool traced = false;
  auto g = state_->find_or_trace(inputs, &results, &traced);
  if (traced) return results;
  state_->last = g;
  state_->last_signature.clear();
  for (const auto& t : inputs) state_->last_signature.emplace_back(t.shape(), t.dtype(), t.device());
  return g->run(inputs);
}

int Function::trace_count() const { return state_ ? static_cast<int>(state_->signatures.size()) : 0; }

ConcreteFunction Function::get_concrete_function(const std::vector<Tensor>& inputs) const {
  if (!state_) throw ValueError("function: an empty Function has no concrete function");
  std::lock_guard lock(state_->mutex);
  return ConcreteFunction(state_->find_or_trace(inputs, nullptr, nullptr));
}

const std::string& Function::name() const {
  static const std::string none;
  return state_ ? state_->options.name : none;
}

std::vector<Tensor> ConcreteFunction::operator()(const std::vector<Tensor>& inputs) const {
  if (!graph_) throw ValueError("ConcreteFunction: undefined");
  const auto& g = graph_->graph();
  if (inputs.size() != g.inputs.size())
    throw ValueError("concrete function '" + g.name + "' takes " + std::to_string(g.inputs.size()) + " inputs, got " +
                     std::to_string(inputs.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& [shape, dtype] = g.input_specs[i];
    if (!inputs[i].defined() || inputs[i].is_symbolic())
      throw ValueError("concrete function '" + g.name + "': input " + std::to_string(i) + " has no value");
    if (inputs[i].shape() != shape || inputs[i].dtype() != dtype || inputs[i].device() != g.device)
      throw TraceError("concrete function '" + g.name + "': input " + std::to_string(i) + " is " +
                       TensorSpec{inputs[i].shape(), inputs[i].dtype()}.to_string() + " on " +
                       inputs[i].device().to_string() + ", but the function takes " +
                       TensorSpec{shape, dtype}.to_string() + " on " + g.device.to_string());
  }
  return graph_->run(inputs);
}

GraphStats ConcreteFunction::stats() const {
  const auto& s = graph_->stats();
  return {.nodes_traced = s.nodes_traced,
          .nodes_pruned = s.nodes_pruned,
          .nodes_folded = s.nodes_folded,
          .nodes_fused = s.nodes_fused,
          .nodes_replayed = s.nodes_replayed,
          .nodes_merged = s.nodes_merged,
          .bytes_before = s.bytes_before,
          .arena_bytes = s.arena_bytes,
          .constant_bytes = s.constant_bytes};
}
std::vector<TensorSpec> ConcreteFunction::input_specs() const {
  std::vector<TensorSpec> specs;
  for (const auto& [shape, dtype] : graph_->graph().input_specs) specs.push_back({shape, dtype});
  return specs;
}
std::vector<TensorSpec> ConcreteFunction::output_specs() const {
  std::vector<TensorSpec> specs;
  for (const auto& o : graph_->graph().outputs) specs.push_back({o.shape, o.dtype});
  return specs;
}
const std::string& ConcreteFunction::name() const { return graph_->graph().name; }
std::string ConcreteFunction::listing() const { return graph_->listing(); }
std::string ConcreteFunction::to_dot() const { return graph_->to_dot(); }

bool is_tracing() { return graph::detail::is_tracing(); }

void run_functions_eagerly(bool enable) { eager_functions().store(enable); }
bool functions_run_eagerly() { return eager_functions().load(std::memory_order_relaxed); }

void host_step(const std::string& name, const std::vector<Tensor>& inputs,
               std::function<void(const std::vector<Tensor>&)> step) {
  auto* tracer = graph::detail::active_tracer();
  if (!tracer) return step(inputs);
  graph::detail::Node node{"host." + name, std::to_string(inputs.size()) + " inputs"};
  std::vector<std::pair<Shape, DType>> specs;
  for (const auto& t : inputs) {
    node.args.push_back(tracer->access(t.impl()->data(), false, node.op.c_str()));
    specs.emplace_back(t.shape(), t.dtype());
  }
  if (!tracer->dry()) {  // a branch traced for its graph only (st::cond) leaves no effect
    graph::detail::SuspendTrace eager;
    step(inputs);
  }
  node.side_effect = true;
  node.exec = [step = std::move(step), specs, device = tracer->device()](backend::Backend& b, void* const* p) {
    std::vector<Tensor> values;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      auto impl = std::make_shared<TensorImpl>();
      const auto bytes = graph::detail::bytes_of(specs[i].first, specs[i].second);
      impl->storage = std::make_shared<Storage>(b, p[i], bytes);
      impl->shape = specs[i].first;
      impl->dtype = specs[i].second;
      impl->device = device;
      impl->id = next_tensor_id();
      values.emplace_back(std::move(impl));
    }
    step(values);
  };
  tracer->record(std::move(node));
}

}  // namespace strata
