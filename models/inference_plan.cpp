#include "strata/models/inference_plan.hpp"

#include <map>
#include <mutex>
#include <typeinfo>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/op_support.hpp"
#include "strata/framework/tensor_impl.hpp"
#include "strata/layers/core/dense.hpp"
#include "strata/layers/core/dropout.hpp"
#include "strata/layers/core/flatten.hpp"
#include "strata/layers/regularization/gaussian_dropout.hpp"
#include "strata/layers/regularization/gaussian_noise.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/model.hpp"
#include "strata/models/sequential.hpp"

namespace strata::models {

namespace {

enum class StepKind { dense, reshape, identity, layer };

// Exact classes only: a subclass may override call().
template <class L>
L* exactly(const LayerPtr& layer) {
  return typeid(*layer) == typeid(L) ? static_cast<L*>(layer.get()) : nullptr;
}

// True when nobody but the plan holds `t` (its handle or its storage), so it can be written again.
bool sole_owner(const Tensor& t) { return t.impl().use_count() == 1 && t.impl()->storage.use_count() == 1; }

}  // namespace

struct PlanStep {
  StepKind kind = StepKind::layer;
  LayerPtr layer;
  layers::DenseLayer* dense = nullptr;
  std::vector<int> inputs, outputs;  // slots
  Tensor buffer;                     // dense: the output, reused while nobody else holds it
};

class InferencePlan {
 public:
  // Nullptr when the model is not a plain Sequential or Functional model.
  static std::shared_ptr<InferencePlan> make(Model& model);

  enum class Outcome { done, stale, not_planned };
  // stale: the model's layers changed since the plan was made; not_planned: inputs that the normal
  // path casts or rejects.
  Outcome run(Model& model, const Tensor* inputs, std::size_t count, std::vector<Tensor>& outputs);

  const Model* model = nullptr;
  std::vector<const Layer*> sequence;  // a Sequential's layers when planned, to notice add() / pop()
  std::vector<PlanStep> steps;
  std::vector<int> input_slots, output_slots;
  std::vector<Shape> input_shapes;     // a Functional model's Input() shapes (-1: any)
  std::vector<Tensor> slots;
  std::vector<Tensor> masks;           // the mask of each slot (Embedding(mask_zero), Masking, ...), as the normal path
  std::vector<Tensor> args;            // scratch for layers of several inputs
  std::mutex busy;                     // one run at a time; another thread takes the normal path

 private:
  void add_step(const LayerPtr& layer, std::vector<int> inputs, std::vector<int> outputs);
  void run_step(PlanStep& step);
};

void InferencePlan::add_step(const LayerPtr& layer, std::vector<int> in, std::vector<int> out) {
  PlanStep step;
  step.layer = layer;
  step.inputs = std::move(in);
  step.outputs = std::move(out);
  if (step.inputs.size() == 1 && step.outputs.size() == 1) {
    if (auto* dense = exactly<layers::DenseLayer>(layer); dense && !dense->options().activity_regularizer) {
      step.kind = StepKind::dense;
      step.dense = dense;
    } else if (exactly<layers::FlattenLayer>(layer)) {
      step.kind = StepKind::reshape;
    } else if (exactly<layers::DropoutLayer>(layer) || exactly<layers::GaussianDropoutLayer>(layer) ||
               exactly<layers::GaussianNoiseLayer>(layer)) {
      step.kind = StepKind::identity;
    }
  }
  steps.push_back(std::move(step));
}

std::shared_ptr<InferencePlan> InferencePlan::make(Model& model) {
  if (!model.built()) return nullptr;
  auto plan = std::make_shared<InferencePlan>();
  plan->model = &model;
  if (typeid(model) == typeid(Sequential)) {
    const auto layers = model.layers();
    if (layers.empty()) return nullptr;
    for (const auto& layer : layers) {
      if (!layer->built()) return nullptr;
      plan->sequence.push_back(layer.get());
    }
    plan->input_slots = {0};
    for (std::size_t i = 0; i < layers.size(); ++i)
      plan->add_step(layers[i], {static_cast<int>(i)}, {static_cast<int>(i + 1)});
    plan->output_slots = {static_cast<int>(layers.size())};
  } else if (typeid(model) == typeid(Model) && model.graph()) {
    const auto& graph = *model.graph();
    std::map<FunctionalGraph::Key, int> slot_of;
    int next = 0;
    for (const auto& input : graph.inputs()) {
      slot_of[FunctionalGraph::key_of(input)] = next;
      plan->input_slots.push_back(next++);
      plan->input_shapes.push_back(input.shape());
    }
    for (const auto& step : graph.steps()) {
      if (!step.layer->built()) return nullptr;
      std::vector<int> in, out;
      for (const auto& key : step.inputs) in.push_back(slot_of.at(key));
      for (std::size_t j = 0; j < step.outputs; ++j) {
        slot_of[{step.layer.get(), step.node, static_cast<int>(j)}] = next;
        out.push_back(next++);
      }
      plan->add_step(step.layer, std::move(in), std::move(out));
    }
    for (const auto& output : graph.outputs()) plan->output_slots.push_back(slot_of.at(FunctionalGraph::key_of(output)));
  } else {
    return nullptr;
  }
  int slots = 0;
  for (int s : plan->input_slots) slots = std::max(slots, s + 1);
  for (const auto& step : plan->steps)
    for (int s : step.outputs) slots = std::max(slots, s + 1);
  plan->slots.resize(static_cast<std::size_t>(slots));
  plan->masks.resize(static_cast<std::size_t>(slots));
  return plan;
}

void InferencePlan::run_step(PlanStep& step) {
  if (step.inputs.size() != 1 || step.outputs.size() != 1) {  // several inputs or outputs: its own call
    args.clear();
    for (int s : step.inputs) args.push_back(slots[s]);
    auto [outs, mask] = step.layer->apply_masked(args, masks[step.inputs[0]], false);
    args.clear();
    if (outs.size() != step.outputs.size())
      throw ValueError("Layer '" + step.layer->name() + "' (" + step.layer->class_name() + ") gave " +
                       std::to_string(outs.size()) + " outputs where its graph node has " +
                       std::to_string(step.outputs.size()));
    for (std::size_t j = 0; j < outs.size(); ++j) slots[step.outputs[j]] = std::move(outs[j]);
    masks[step.outputs[0]] = std::move(mask);
    return;
  }
  const Tensor& x = slots[step.inputs[0]];
  const Tensor& mask = masks[step.inputs[0]];
  // Dense, Flatten and the identities pass a mask on or drop it as their compute_mask says.
  if (step.kind != StepKind::layer && mask.defined()) masks[step.outputs[0]] = step.layer->compute_mask({x}, mask);
  // Layer::operator() casts floating inputs to the layer's dtype: such calls take the normal path.
  const bool same_dtype = !is_floating(x.dtype()) || x.dtype() == step.layer->dtype();
  if (step.kind == StepKind::identity && same_dtype) {
    slots[step.outputs[0]] = x;
    return;
  }
  if (step.kind == StepKind::reshape && same_dtype && x.rank() >= 2) {
    // Flatten: a view of the same storage, as the op makes.
    const auto& dims = x.shape().dims();
    std::int64_t rest = 1;
    for (std::size_t d = 1; d < dims.size(); ++d) rest *= dims[d];
    slots[step.outputs[0]] = alias(x, Shape{dims[0], rest});
    return;
  }
  if (step.kind == StepKind::dense) {
    const auto& dense = *step.dense;
    const Tensor& kernel = dense.kernel();
    const Tensor& bias = dense.bias();
    // Anything the layer would cast or reject goes through its call (same cast, same errors).
    if (x.rank() >= 1 && x.dtype() == dense.dtype() && kernel.dtype() == x.dtype() &&
        x.shape().back() == kernel.shape()[0] && x.device() == kernel.device() && !x.is_symbolic()) {
      const std::int64_t n = kernel.shape()[1];
      const Shape& in_shape = x.shape();
      Tensor& y = step.buffer;
      bool reuse = y.defined() && y.dtype() == x.dtype() && y.device() == x.device() && sole_owner(y) &&
                   y.rank() == in_shape.rank() && y.shape().back() == n;
      for (int d = 0; reuse && d + 1 < in_shape.rank(); ++d) reuse = y.shape()[d] == in_shape[d];
      if (!reuse) {
        Shape out_shape = in_shape;
        out_shape[out_shape.size() - 1] = n;
        y = empty(out_shape, x.dtype(), x.device());
      }
      // The same GEMM as the dense_forward op: bias and relu fused, other activations after.
      const bool relu = dense.activation().name == "relu";
      detail::dense_gemm(x, kernel, bias, relu, y);
      slots[step.outputs[0]] = relu ? y : dense.activation()(y);
      return;
    }
  }
  // Its own call, as the normal path makes it.
  auto out = step.layer->apply_masked({x}, mask, false);
  if (out.outputs.size() != 1)
    throw ValueError("Layer '" + step.layer->name() + "' (" + step.layer->class_name() + ") gives " +
                     std::to_string(out.outputs.size()) + " outputs; call apply() to get all of them");
  slots[step.outputs[0]] = std::move(out.outputs[0]);
  masks[step.outputs[0]] = std::move(out.mask);
}

InferencePlan::Outcome InferencePlan::run(Model& owner, const Tensor* inputs, std::size_t count,
                                          std::vector<Tensor>& outputs) {
  if (&owner != model) return Outcome::stale;
  if (count != input_slots.size()) return Outcome::not_planned;
  if (!sequence.empty()) {
    // A Sequential may have gained or lost layers since the plan was made.
    const auto layers = owner.layers();
    if (layers.size() != sequence.size()) return Outcome::stale;
    for (std::size_t i = 0; i < layers.size(); ++i)
      if (layers[i].get() != sequence[i]) return Outcome::stale;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Tensor& x = inputs[i];
    // Undefined, symbolic, or to be cast by the model: the normal path handles (or rejects) them.
    if (!x.defined() || x.is_symbolic() || (is_floating(x.dtype()) && x.dtype() != owner.dtype())) return Outcome::not_planned;
    if (!input_shapes.empty()) {
      const Shape& want = input_shapes[i];
      const Shape& got = x.shape();
      if (got.rank() != want.rank()) return Outcome::not_planned;
      for (int d = 0; d < want.rank(); ++d)
        if (want[d] >= 0 && want[d] != got[d]) return Outcome::not_planned;
    }
  }
  autodiff::NoRecordScope no_record;
  struct ClearSlots {  // drops the plan's references, so that its buffers are free for the next call
    std::vector<Tensor>& slots;
    std::vector<Tensor>& masks;
    ~ClearSlots() {
      for (auto& s : slots) s = Tensor();
      for (auto& m : masks) m = Tensor();
    }
  } clear{slots, masks};
  for (std::size_t i = 0; i < count; ++i) slots[input_slots[i]] = inputs[i];
  for (auto& step : steps) run_step(step);
  outputs.clear();
  for (int s : output_slots) outputs.push_back(slots[s]);
  return Outcome::done;
}

namespace {

// Runs the plan kept in `plan`, made (again) when missing or stale.
// `single`: the caller wants one output (a model of several raises its error on the normal path).
bool run_planned(Model& model, std::shared_ptr<InferencePlan>& plan, const Tensor* inputs, std::size_t count,
                 std::vector<Tensor>& outputs, bool single) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!plan || attempt == 1) plan = InferencePlan::make(model);
    if (!plan || (single && plan->output_slots.size() != 1)) return false;
    auto keep = plan;  // alive while it runs, whatever a layer's call does to `plan`
    std::unique_lock lock(keep->busy, std::try_to_lock);
    if (!lock.owns_lock()) return false;  // re-entered (a layer predicting with this model)
    const auto outcome = keep->run(model, inputs, count, outputs);
    if (outcome != InferencePlan::Outcome::stale) return outcome == InferencePlan::Outcome::done;
  }
  return false;
}

}  // namespace

std::optional<std::vector<Tensor>> run_inference_plan(Model& model, std::shared_ptr<InferencePlan>& plan,
                                                      const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outputs;
  if (!run_planned(model, plan, inputs.data(), inputs.size(), outputs, false)) return std::nullopt;
  return outputs;
}

std::optional<Tensor> run_inference_plan(Model& model, std::shared_ptr<InferencePlan>& plan, const Tensor& x) {
  thread_local std::vector<Tensor> outputs;
  if (!run_planned(model, plan, &x, 1, outputs, true) || outputs.size() != 1) {
    outputs.clear();
    return std::nullopt;
  }
  std::optional<Tensor> y(std::move(outputs[0]));
  outputs.clear();
  return y;
}

std::vector<std::string> inference_plan_steps(const InferencePlan& plan) {
  std::vector<std::string> kinds;
  for (const auto& step : plan.steps) {
    switch (step.kind) {
      case StepKind::dense: kinds.push_back("dense"); break;
      case StepKind::reshape: kinds.push_back("reshape"); break;
      case StepKind::identity: kinds.push_back("identity"); break;
      case StepKind::layer: kinds.push_back("layer"); break;
    }
  }
  return kinds;
}

}  // namespace strata::models
