#include "strata/framework/autodiff/gradient_tape.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/tensor_impl.hpp"

namespace strata {

namespace autodiff {

// One recorded op, shared by every tape that recorded it.
struct Entry {
  const char* op_name;
  std::vector<Tensor> inputs;
  std::vector<std::uint64_t> output_ids;
  std::vector<Shape> output_shapes;
  std::vector<DType> output_dtypes;
  Device device;
  BackwardFn backward;
};

}  // namespace autodiff

struct GradientTape::State {
  GradientTapeOptions options;
  bool recording = true;
  bool used = false;
  std::unordered_set<std::uint64_t> watched;
  std::vector<std::shared_ptr<autodiff::Entry>> entries;
  std::vector<Variable> variables;

  bool watches(const Tensor& t) const {
    if (!t.defined() || !is_floating(t.dtype())) return false;
    if (watched.count(t.id())) return true;
    return options.watch_accessed_variables && t.is_variable() && t.impl()->variable->trainable;
  }
  void watch(const Tensor& t) {
    if (!t.defined() || !is_floating(t.dtype()) || watched.count(t.id())) return;
    watched.insert(t.id());
    if (t.is_variable()) {
      if (auto owner = t.impl()->variable->owner.lock()) {  // the Variable itself, not a snapshot
        Variable v;
        static_cast<Tensor&>(v) = Tensor(owner);
        variables.push_back(v);
      }
    }
  }
};

namespace {

thread_local std::vector<GradientTape::State*> tape_stack;
thread_local int no_record_depth = 0;

bool any_recording() {
  if (no_record_depth > 0) return false;
  for (auto* s : tape_stack)
    if (s->recording) return true;
  return false;
}

}  // namespace

namespace autodiff {

bool is_recording() { return any_recording(); }

bool is_watched(std::initializer_list<const Tensor*> inputs) {
  if (!any_recording()) return false;
  for (auto* s : tape_stack) {
    if (!s->recording) continue;
    for (const Tensor* t : inputs)
      if (s->watches(*t)) return true;
  }
  return false;
}

bool is_watched(const std::vector<Tensor>& inputs) {
  if (!any_recording()) return false;
  for (auto* s : tape_stack) {
    if (!s->recording) continue;
    for (const Tensor& t : inputs)
      if (s->watches(t)) return true;
  }
  return false;
}

void record(const char* op_name, std::vector<Tensor> inputs, std::vector<Tensor> outputs, BackwardFn backward) {
  if (!any_recording()) return;
  std::shared_ptr<Entry> entry;
  for (auto* s : tape_stack) {
    if (!s->recording) continue;
    bool hit = false;
    for (const Tensor& t : inputs)
      if (s->watches(t)) {
        hit = true;
        s->watch(t);  // remembers auto-watched variables
      }
    if (!hit) continue;
    if (!entry) {
      entry = std::make_shared<Entry>();
      entry->op_name = op_name;
      entry->device = outputs.front().device();
      for (const Tensor& o : outputs) {
        entry->output_ids.push_back(o.id());
        entry->output_shapes.push_back(o.shape());
        entry->output_dtypes.push_back(o.dtype());
      }
      entry->inputs = inputs;
      entry->backward = backward;
    }
    s->entries.push_back(entry);
    for (const Tensor& o : outputs)
      if (is_floating(o.dtype())) s->watched.insert(o.id());
  }
}

NoRecordScope::NoRecordScope() { ++no_record_depth; }
NoRecordScope::~NoRecordScope() { --no_record_depth; }

}  // namespace autodiff

GradientTape::GradientTape(GradientTapeOptions options) : state_(std::make_shared<State>()) {
  state_->options = options;
  tape_stack.push_back(state_.get());
}

GradientTape::~GradientTape() {
  auto it = std::find(tape_stack.begin(), tape_stack.end(), state_.get());
  if (it != tape_stack.end()) tape_stack.erase(it);
}

void GradientTape::watch(const Tensor& tensor) {
  if (!tensor.defined()) throw ValueError("GradientTape.watch: the tensor is undefined");
  if (!is_floating(tensor.dtype()))
    throw ValueError("GradientTape.watch: cannot watch a tensor of dtype " + std::string(dtype_name(tensor.dtype())) +
                     " and shape " + tensor.shape().to_string() + "; only floating-point tensors are differentiable");
  state_->watch(tensor);
}

void GradientTape::watch(const std::vector<Tensor>& tensors) {
  for (const auto& t : tensors) watch(t);
}

std::vector<Variable> GradientTape::watched_variables() const {
  std::vector<Variable> trainable;
  for (const auto& v : state_->variables)
    if (v.trainable()) trainable.push_back(v);
  return trainable;
}

void GradientTape::reset() {
  state_->entries.clear();
  state_->watched.clear();
  state_->variables.clear();
  state_->used = false;
}

GradientTape::Pause::Pause(GradientTape& tape) : tape_(tape), was_recording_(tape.state_->recording) {
  tape.state_->recording = false;
}
GradientTape::Pause::~Pause() { tape_.state_->recording = was_recording_; }

Tensor GradientTape::gradient(const Tensor& target, const Tensor& source, const Tensor& output_gradient) {
  return gradient(target, std::vector<Tensor>{source}, output_gradient).front();
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Variable>& sources,
                                           const Tensor& output_gradient) {
  return gradient(target, std::vector<Tensor>(sources.begin(), sources.end()), output_gradient);
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Tensor>& sources,
                                           const Tensor& output_gradient) {
  auto& st = *state_;
  if (st.used && !st.options.persistent)
    throw ValueError("GradientTape.gradient can only be called once on a non-persistent tape; create the tape with "
                     "{.persistent = true} to compute several gradients");
  if (!target.defined()) throw ValueError("GradientTape.gradient: the target is undefined");
  if (!is_floating(target.dtype()))
    throw ValueError("GradientTape.gradient: the target has dtype " + std::string(dtype_name(target.dtype())) +
                     " and shape " + target.shape().to_string() + "; only floating-point targets are differentiable");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Tensor& s = sources[i];
    if (!s.defined()) throw ValueError("GradientTape.gradient: source " + std::to_string(i) + " is undefined");
    if (!is_floating(s.dtype()))
      throw ValueError("GradientTape.gradient: cannot differentiate with respect to source " + std::to_string(i) +
                       ", a tensor of dtype " + std::string(dtype_name(s.dtype())) + " and shape " + s.shape().to_string() +
                       "; only floating-point tensors are differentiable");
  }
  if (output_gradient.defined() && output_gradient.shape() != target.shape())
    throw ShapeError("GradientTape.gradient: output_gradient has shape " + output_gradient.shape().to_string() +
                     " but the target has shape " + target.shape().to_string());
  st.used = true;
  Pause pause(*this);  // this tape does not record its own backward pass; outer tapes do

  const auto& entries = st.entries;
  // Forward: which tensors depend on a source. As in TensorFlow, a source this tape does not watch
  // gets no gradient, even when a recorded op read it.
  std::unordered_set<std::uint64_t> from_source;
  for (const auto& s : sources)
    if (st.watches(s)) from_source.insert(s.id());
  for (const auto& e : entries) {
    bool hit = false;
    for (const auto& in : e->inputs) hit = hit || from_source.count(in.id());
    if (hit) from_source.insert(e->output_ids.begin(), e->output_ids.end());
  }
  // Backward: accumulate gradients from the target down, newest op first.
  std::unordered_map<std::uint64_t, Tensor> grads;
  grads[target.id()] = output_gradient.defined() ? output_gradient : ones_like(target);
  std::unordered_set<std::uint64_t> wanted;
  for (const auto& s : sources) wanted.insert(s.id());

  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const auto& e = **it;
    bool has_grad = false;
    for (auto id : e.output_ids) has_grad = has_grad || grads.count(id);
    if (!has_grad) continue;
    autodiff::Needs needs(e.inputs.size());
    bool any_need = false;
    for (std::size_t i = 0; i < e.inputs.size(); ++i) {
      needs[i] = is_floating(e.inputs[i].dtype()) && from_source.count(e.inputs[i].id());
      any_need = any_need || needs[i];
    }
    autodiff::Grads out_grads;
    for (std::size_t k = 0; k < e.output_ids.size(); ++k) {
      auto g = grads.find(e.output_ids[k]);
      if (g != grads.end()) {
        out_grads.push_back(g->second);
      } else {
        DeviceScope on(e.device);
        out_grads.push_back(zeros(e.output_shapes[k], e.output_dtypes[k]));
      }
      if (!wanted.count(e.output_ids[k])) grads.erase(e.output_ids[k]);  // consumed: free early
    }
    if (!any_need) continue;
    autodiff::Grads in_grads = e.backward(out_grads, needs);
    for (std::size_t i = 0; i < e.inputs.size() && i < in_grads.size(); ++i) {
      if (!needs[i] || !in_grads[i].defined()) continue;
      const auto id = e.inputs[i].id();
      auto g = grads.find(id);
      if (g == grads.end())
        grads.emplace(id, in_grads[i]);
      else
        g->second = add(g->second, in_grads[i]);
    }
  }

  std::vector<Tensor> result;
  for (const auto& s : sources) {
    auto g = grads.find(s.id());
    result.push_back(g == grads.end() ? Tensor() : g->second);
  }
  if (!st.options.persistent) st.entries.clear();
  return result;
}

Tensor stop_gradient(const Tensor& x) {
  if (!x.defined()) throw ValueError("stop_gradient: the tensor is undefined");
  return alias(x, x.shape());
}

Tensor custom_gradient(const Tensor& x, const std::function<CustomGradient(const Tensor&)>& f) {
  return custom_gradient(std::vector<Tensor>{x}, [&](const std::vector<Tensor>& inputs) {
    CustomGradient r = f(inputs.front());
    return CustomGradients{r.value, [grad = r.grad](const Tensor& upstream) { return std::vector<Tensor>{grad(upstream)}; }};
  });
}

Tensor custom_gradient(const std::vector<Tensor>& inputs,
                       const std::function<CustomGradients(const std::vector<Tensor>&)>& f) {
  CustomGradients r;
  {
    autodiff::NoRecordScope no_record;
    r = f(inputs);
  }
  if (!r.value.defined()) throw ValueError("custom_gradient: the function returned an undefined value");
  Tensor y = alias(r.value, r.value.shape());  // a new identity, even when f returns an input
  if (autodiff::is_watched(inputs)) {
    const std::size_t n = inputs.size();
    autodiff::record("custom_gradient", inputs, {y}, [grads = r.grads, n](const autodiff::Grads& g, const autodiff::Needs&) {
      auto result = grads(g[0]);
      if (result.size() != n)
        throw ValueError("custom_gradient: the gradient function returned " + std::to_string(result.size()) +
                         " gradients for " + std::to_string(n) + " inputs");
      return result;
    });
  }
  return y;
}

}  // namespace strata
