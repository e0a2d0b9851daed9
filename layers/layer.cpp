#include "strata/layers/layer.hpp"

#include <algorithm>

#include <cxxabi.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <typeinfo>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/naming.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/tensor_impl.hpp"
#include "strata/layers/weight_limit.hpp"

namespace strata {

namespace {

thread_local std::vector<bool> training_stack;

// Keeps the training flag of the call in progress, for the sub-layers it calls.
class TrainingScope {
 public:
  explicit TrainingScope(bool training) { training_stack.push_back(training); }
  ~TrainingScope() { training_stack.pop_back(); }
  TrainingScope(const TrainingScope&) = delete;
  TrainingScope& operator=(const TrainingScope&) = delete;
};

// Keras's auto names: "dense", "dense_1", "dense_2", ... per base name, until clear_session().
struct NameCounters {
  std::mutex mutex;
  std::map<std::string, int> counts;
};

NameCounters& name_counters() {
  static NameCounters counters;
  return counters;
}

std::string unique_name(const std::string& base) {
  auto& c = name_counters();
  std::lock_guard lock(c.mutex);
  int& n = c.counts[base];
  return n++ == 0 ? base : base + "_" + std::to_string(n - 1);
}

}  // namespace

void clear_session() {
  auto& c = name_counters();
  std::lock_guard lock(c.mutex);
  c.counts.clear();
}

Layer::Layer(std::string name, DType dtype) : name_(std::move(name)), dtype_(dtype) {}

Layer::~Layer() = default;

void Layer::build(const Shape&) {}

Tensor Layer::call(const Tensor&) {
  throw NotImplementedError("Layer '" + name() + "' (" + class_name() + ") does not implement call()");
}

Tensor Layer::call(const Tensor& inputs, bool) { return call(inputs); }

bool Layer::in_training() { return !training_stack.empty() && training_stack.back(); }

std::string Layer::class_name() const {
  int status = 0;
  char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : typeid(*this).name();
  std::free(demangled);
  auto angle = full.find('<');
  if (angle != std::string::npos) full = full.substr(0, angle);
  auto colon = full.rfind("::");
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

const std::string& Layer::name() const {
  // Once per layer: two threads asking for the name of an unnamed layer get the same one.
  std::call_once(name_once_, [this] {
    if (!name_.empty()) return;
    std::string base = class_name();
    if (base.size() > 5 && base.ends_with("Layer") && base != "InputLayer") base.resize(base.size() - 5);
    name_ = unique_name(to_snake_case(base));
  });
  return name_;
}

void Layer::set_dtype(DType dtype) {
  if (dtype == dtype_) return;
  if (built_)
    throw ValueError("Layer '" + name() + "' (" + class_name() + "): cannot change the dtype of a built layer from " +
                     std::string(dtype_name(dtype_)) + " to " + std::string(dtype_name(dtype)));
  dtype_ = dtype;
}

void Layer::ensure_built(const Shape& input_shape) {
  if (built_) return;
  build(input_shape);
  build_input_shape_ = input_shape;
  built_ = true;
}

Shape Layer::compute_output_shape(const Shape& input_shape) {
  std::vector<std::int64_t> dims = input_shape.dims();
  for (auto& d : dims)
    if (d < 0) d = 1;
  Shape concrete(dims);
  ensure_built(input_shape.is_fully_defined() ? input_shape : concrete);
  autodiff::NoRecordScope no_record;
  TrainingScope inference(false);
  Shape out = call(zeros(concrete, dtype_), false).shape();
  if (!input_shape.empty() && input_shape[0] < 0 && !out.empty()) out[0] = -1;
  return out;
}

Tensor Layer::operator()(const Tensor& inputs, std::optional<bool> training) {
  if (!inputs.defined())
    throw ValueError("Layer '" + name() + "' (" + class_name() + ") was called on an undefined tensor");
  auto outputs = apply_masked({inputs}, Tensor(), training).outputs;
  if (outputs.size() != 1)
    throw ValueError("Layer '" + name() + "' (" + class_name() + ") gives " + std::to_string(outputs.size()) +
                     " outputs; call apply() to get all of them");
  return outputs[0];
}

Tensor Layer::operator()(const std::vector<Tensor>& inputs, std::optional<bool> training) {
  auto outputs = apply(inputs, training);
  if (outputs.size() != 1)
    throw ValueError("Layer '" + name() + "' (" + class_name() + ") gives " + std::to_string(outputs.size()) +
                     " outputs; call apply() to get all of them");
  return outputs[0];
}

std::vector<Tensor> Layer::apply(const std::vector<Tensor>& inputs, std::optional<bool> training) {
  return apply_masked(inputs, Tensor(), training).outputs;
}

Layer::Masked Layer::apply_masked(const std::vector<Tensor>& inputs, const Tensor& mask, std::optional<bool> training) {
  if (inputs.empty()) throw ValueError("Layer '" + name() + "' (" + class_name() + ") was called on no inputs");
  std::size_t symbolic = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined())
      throw ValueError("Layer '" + name() + "' (" + class_name() + ") was called on an undefined tensor (input " +
                       std::to_string(i) + ")");
    symbolic += inputs[i].is_symbolic();
  }
  if (symbolic == inputs.size()) return {call_symbolic(inputs), Tensor()};
  if (symbolic != 0)
    throw ValueError("Layer '" + name() + "' (" + class_name() +
                     ") was called on a mix of symbolic tensors (from Input()) and concrete tensors");
  const bool flag = training.value_or(in_training());
  TrainingScope scope(flag);
  if (inputs.size() == 1) {
    ensure_built(inputs[0].shape());
  } else {
    std::vector<Shape> shapes;
    for (const auto& t : inputs) shapes.push_back(t.shape());
    ensure_built(shapes);
  }
  // As Keras's autocast: floating inputs take the layer's dtype.
  std::vector<Tensor> cast_inputs;
  for (const auto& t : inputs) cast_inputs.push_back(is_floating(t.dtype()) && t.dtype() != dtype_ ? cast(t, dtype_) : t);
  Masked out;
  out.outputs = call_with_mask(cast_inputs, mask, flag);
  out.mask = compute_mask(cast_inputs, mask);
  return out;
}

Tensor Layer::compute_mask(const std::vector<Tensor>&, const Tensor& mask) {
  return supports_masking() ? mask : Tensor();
}

std::vector<Tensor> Layer::call_with_mask(const std::vector<Tensor>& inputs, const Tensor&, bool training) {
  return call(inputs, training);
}

void Layer::build(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() == 1) build(input_shapes[0]);
}

std::vector<Tensor> Layer::call(const std::vector<Tensor>& inputs, bool training) {
  if (inputs.size() != 1)
    throw ValueError("Layer '" + name() + "' (" + class_name() + ") takes one input, got " +
                     std::to_string(inputs.size()));
  return {call(inputs[0], training)};
}

std::vector<Shape> Layer::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() == 1) return {compute_output_shape(input_shapes[0])};
  std::vector<Tensor> zeros_in;
  bool free_batch = false;
  for (const auto& shape : input_shapes) {
    std::vector<std::int64_t> dims = shape.dims();
    if (!dims.empty() && dims[0] < 0) free_batch = true;
    for (auto& d : dims)
      if (d < 0) d = 1;
    zeros_in.push_back(zeros(Shape(dims), dtype_));
  }
  ensure_built(input_shapes);
  autodiff::NoRecordScope no_record;
  TrainingScope inference(false);
  std::vector<Shape> out;
  for (const auto& t : call(zeros_in, false)) {
    Shape shape = t.shape();
    if (free_batch && !shape.empty()) shape[0] = -1;
    out.push_back(shape);
  }
  return out;
}

void Layer::ensure_built(const std::vector<Shape>& input_shapes) {
  if (built_) return;
  if (input_shapes.size() == 1) return ensure_built(input_shapes[0]);
  build(input_shapes);
  if (!input_shapes.empty()) build_input_shape_ = input_shapes[0];
  built_ = true;
}

std::vector<Tensor> Layer::call_symbolic(const std::vector<Tensor>& inputs) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) {
    if (!keras_history(t))
      throw ValueError("Layer '" + name() + "' (" + class_name() +
                       ") was called on a symbolic tensor that does not come from Input() or a layer");
    shapes.push_back(t.shape());
  }
  if (inputs.size() == 1) ensure_built(shapes[0]);
  else ensure_built(shapes);
  // A layer held by std::shared_ptr (every factory's) is kept alive by the graph; one that lives on
  // the stack (`st::Model inner(x, y); inner(z)`) is referenced without ownership and must outlive
  // the models built from it, as a C++ reference would.
  LayerPtr self = weak_from_this().lock();
  if (!self) self = LayerPtr(LayerPtr(), this);
  std::vector<Shape> out_shapes = compute_output_shapes(shapes);
  // A layer called on its own output (d(d(x))) would own itself through this node: the input's
  // history -> the layer -> its nodes -> the input. The node keeps such an input as a copy whose
  // history refers to the layer without owning it (whoever holds the layer's outputs owns it).
  std::vector<Tensor> node_inputs = inputs;
  for (auto& t : node_inputs)
    if (auto history = keras_history(t); history && history->layer.get() == this)
      t = symbolic_tensor(t.shape(), t.dtype(),
                          std::make_shared<KerasHistory>(
                              KerasHistory{LayerPtr(LayerPtr(), this), history->node_index, history->tensor_index}));
  Node node{std::move(node_inputs), out_shapes, {}};
  const DType in_dtype = inputs[0].dtype();
  std::vector<Tensor> outputs;
  const int node_index = static_cast<int>(inbound_nodes_.size());
  for (std::size_t i = 0; i < out_shapes.size(); ++i) {
    // Floating layers compute in their dtype (autocast); others pass their input's dtype on.
    const DType dtype = is_floating(in_dtype) || is_floating(dtype_) ? dtype_ : in_dtype;
    node.output_dtypes.push_back(dtype);
    outputs.push_back(symbolic_tensor(out_shapes[i], dtype,
                                      std::make_shared<KerasHistory>(KerasHistory{self, node_index,
                                                                                  static_cast<int>(i)})));
  }
  inbound_nodes_.push_back(std::move(node));
  return outputs;
}

Config Layer::get_config() const {
  return Config{{"name", name()}, {"trainable", trainable_}, {"dtype", std::string(dtype_name(dtype_))}};
}

namespace {
std::atomic<std::uint64_t> g_max_weight_bytes{16ull << 30};
}  // namespace

void set_max_weight_bytes(std::uint64_t bytes) { g_max_weight_bytes = bytes; }
std::uint64_t max_weight_bytes() { return g_max_weight_bytes; }

Variable Layer::add_weight(const std::string& name, const Shape& shape, const initializers::InitializerRef& initializer,
                           const AddWeightOptions& options) {
  if (!shape.is_fully_defined())
    throw ShapeError("Layer '" + this->name() + "': weight '" + name + "' needs a fully defined shape, got " +
                     shape.to_string());
  const DType dtype = options.dtype.value_or(dtype_);
  const auto elements = static_cast<std::uint64_t>(shape.num_elements());  // overflow-checked
  if (elements > max_weight_bytes() / dtype_size(dtype))
    throw ValueError("Layer '" + this->name() + "': weight '" + name + "' of shape " + shape.to_string() + " needs " +
                     std::to_string(elements) + " elements, more than the limit of " +
                     std::to_string(max_weight_bytes()) + " bytes per weight (strata::set_max_weight_bytes)");
  Tensor initial = (*initializer.get())(shape, dtype);
  Variable variable(initial, {.name = this->name() + "/" + name, .trainable = options.trainable});
  weights_.push_back({variable, options.regularizer, options.constraint});
  return variable;
}

void Layer::collect(std::vector<Variable>& out, bool trainable_wanted, bool parent_trainable,
                    std::vector<const Layer*>& visited) const {
  if (std::find(visited.begin(), visited.end(), this) != visited.end()) return;
  visited.push_back(this);
  const bool layer_trainable = parent_trainable && trainable_;
  for (const auto& w : weights_)
    if ((layer_trainable && w.variable.trainable()) == trainable_wanted) out.push_back(w.variable);
  for (const auto& sub : sublayers_) sub->collect(out, trainable_wanted, layer_trainable, visited);
}

std::vector<Variable> Layer::trainable_weights() const {
  std::vector<Variable> out;
  std::vector<const Layer*> visited;
  collect(out, true, true, visited);
  return out;
}

std::vector<Variable> Layer::non_trainable_weights() const {
  std::vector<Variable> out;
  std::vector<const Layer*> visited;
  collect(out, false, true, visited);
  return out;
}

std::vector<Variable> Layer::weights() const {
  auto out = trainable_weights();
  auto rest = non_trainable_weights();
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

void Layer::collect_by_layer(std::vector<Variable>& out, std::vector<const Layer*>& visited) const {
  if (std::find(visited.begin(), visited.end(), this) != visited.end()) return;
  visited.push_back(this);
  for (bool trainable : {true, false})
    for (const auto& w : weights_)
      if (w.variable.trainable() == trainable) out.push_back(w.variable);
  for (const auto& sub : sublayers_) sub->collect_by_layer(out, visited);
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Variable> weights;
  std::vector<const Layer*> visited;
  collect_by_layer(weights, visited);
  std::vector<Tensor> values;
  for (const auto& w : weights) values.push_back(w.value());
  return values;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  std::vector<Variable> targets;
  std::vector<const Layer*> visited;
  collect_by_layer(targets, visited);
  if (values.size() != targets.size())
    throw ValueError("Layer '" + name() + "' (" + class_name() + "): set_weights expected " +
                     std::to_string(targets.size()) + " weights, got " + std::to_string(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!values[i].defined() || values[i].shape() != targets[i].shape())
      throw ValueError("Layer '" + name() + "' (" + class_name() + "): weight " + std::to_string(i) + " ('" +
                       targets[i].name() + "') has shape " + targets[i].shape().to_string() + ", but the value has shape " +
                       (values[i].defined() ? values[i].shape().to_string() : "<undefined>"));
  // Checked everything first, so a bad list changes nothing.
  autodiff::NoRecordScope no_record;
  for (std::size_t i = 0; i < values.size(); ++i)
    targets[i].assign(cast(values[i].to(targets[i].device()), targets[i].dtype()));
}

std::int64_t Layer::count_params() const {
  std::int64_t n = 0;
  for (const auto& w : weights()) n += w.size();
  return n;
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (const auto& sub : sublayers_) sub->set_trainable(trainable);
}

void Layer::untrack(const std::shared_ptr<Layer>& layer) {
  std::erase(sublayers_, layer);
}

void Layer::add_loss(const Tensor& loss) { activity_losses_.push_back(loss); }

std::vector<Tensor> Layer::losses() const {
  std::vector<Tensor> out;
  std::vector<const Layer*> visited;
  collect_losses(out, visited);
  return out;
}

void Layer::collect_losses(std::vector<Tensor>& out, std::vector<const Layer*>& visited) const {
  if (std::find(visited.begin(), visited.end(), this) != visited.end()) return;
  visited.push_back(this);
  out.insert(out.end(), activity_losses_.begin(), activity_losses_.end());
  for (const auto& w : weights_)
    if (w.regularizer) out.push_back((*w.regularizer)(w.variable));
  for (const auto& sub : sublayers_) sub->collect_losses(out, visited);
}

void Layer::clear_losses() {
  activity_losses_.clear();
  for (const auto& sub : sublayers_) sub->clear_losses();
}

constraints::ConstraintPtr Layer::constraint_of(const Variable& weight) const {
  for (const auto& w : weights_)
    if (w.variable.id() == weight.id()) return w.constraint;
  for (const auto& sub : sublayers_)
    if (auto c = sub->constraint_of(weight)) return c;
  return nullptr;
}

std::shared_ptr<KerasHistory> keras_history(const Tensor& tensor) {
  if (!tensor.defined() || !tensor.impl()->keras_history) return nullptr;
  // Only layers/ sets keras_history, and always to a KerasHistory.
  return std::static_pointer_cast<KerasHistory>(tensor.impl()->keras_history);
}

}  // namespace strata
