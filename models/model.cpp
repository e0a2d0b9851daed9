#include "strata/models/model.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "strata/callbacks/callbacks.hpp"
#include "strata/framework/autodiff/gradient_tape.hpp"
#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/layers/core/input_layer.hpp"
#include "strata/losses/losses.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/inference_plan.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata {

OptimizerRef::OptimizerRef(const char* name) : ptr(optimizers::get(std::string(name))) {}
OptimizerRef::OptimizerRef(const std::string& name) : ptr(optimizers::get(name)) {}
LossRef::LossRef(const char* name) : ptr(losses::get(std::string(name))) {}
LossRef::LossRef(const std::string& name) : ptr(losses::get(name)) {}
LossRef::LossRef(std::function<Tensor(const Tensor&, const Tensor&)> fn) : ptr(losses::from_function(std::move(fn))) {}

namespace {

std::int64_t num_samples(const Tensor& t) { return t.rank() == 0 ? 1 : t.shape()[0]; }

// Rows [begin, end) of every defined tensor of a batch (shares storage).
Tensor rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
  return t.defined() ? slice(t, 0, begin, end) : Tensor();
}

Tensor take_rows(const Tensor& t, const Tensor& indices) { return t.defined() ? gather(t, indices, 0) : Tensor(); }

void check_lengths(const char* what, const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  if (!x.defined()) throw ValueError(std::string(what) + ": x is undefined");
  if (x.rank() == 0) throw ValueError(std::string(what) + ": x must have a batch axis, got a scalar");
  if (y.defined() && (y.rank() == 0 || num_samples(y) != num_samples(x)))
    throw ValueError(std::string(what) + ": x and y have different numbers of samples: " +
                     std::to_string(num_samples(x)) + " (x shape " + x.shape().to_string() + ") and " +
                     (y.rank() == 0 ? std::string("a scalar") : std::to_string(num_samples(y))) + " (y shape " +
                     y.shape().to_string() + ")");
  if (sample_weight.defined() && (sample_weight.rank() == 0 || num_samples(sample_weight) != num_samples(x)))
    throw ValueError(std::string(what) + ": sample_weight has shape " + sample_weight.shape().to_string() + " but x has " +
                     std::to_string(num_samples(x)) + " samples");
}

// Output i's mask, or none (a model without masks gives an empty list).
Tensor mask_of(const std::vector<Tensor>& masks, std::size_t i) { return i < masks.size() ? masks[i] : Tensor(); }

Logs prefixed(const Logs& logs, const std::string& prefix) {
  Logs out;
  for (const auto& [k, v] : logs) out[prefix + k] = v;
  return out;
}

// Per-sample weights from a class_weight map and the labels (sparse or one-hot), as Keras.
Tensor class_weights_for(const std::map<std::int64_t, double>& class_weight, const Tensor& y) {
  Tensor labels = (y.rank() >= 2 && y.shape().back() > 1) ? argmax(y, -1) : reshape(y, Shape{num_samples(y)});
  auto values = labels.to_vector<std::int64_t>();
  std::vector<float> weights(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto it = class_weight.find(values[i]);
    weights[i] = it == class_weight.end() ? 1.0f : static_cast<float>(it->second);
  }
  return Tensor::from_vector(weights, Shape{static_cast<std::int64_t>(weights.size())});
}

}  // namespace

Model::Model(std::string name, DType dtype) : Layer(std::move(name), dtype) {}

Model::Model(SymbolicTensors inputs, SymbolicTensors outputs, ModelOptions options) : Layer(std::move(options.name)) {
  functional_ = true;
  graph_ = std::make_shared<FunctionalGraph>(std::move(inputs.tensors), std::move(outputs.tensors), name());
  for (const auto& layer : graph_->layers())
    if (!std::dynamic_pointer_cast<layers::InputLayer>(layer)) track(layer);
  std::vector<Shape> shapes;
  for (const auto& input : graph_->inputs()) shapes.push_back(input.shape());
  ensure_built(shapes);
}

Model::~Model() = default;

const std::vector<Tensor>& Model::inputs() const {
  static const std::vector<Tensor> none;
  return graph_ ? graph_->inputs() : none;
}

const std::vector<Tensor>& Model::outputs() const {
  static const std::vector<Tensor> none;
  return graph_ ? graph_->outputs() : none;
}

std::vector<std::string> Model::output_names() const {
  return graph_ ? graph_->output_names() : std::vector<std::string>{};
}

std::vector<LayerPtr> Model::layers() const { return graph_ ? graph_->layers() : sublayers(); }

LayerPtr Model::get_layer(const std::string& layer_name) const {
  const auto all = layers();
  for (const auto& layer : all)
    if (layer->name() == layer_name) return layer;
  std::string known;
  for (const auto& layer : all) known += (known.empty() ? "" : ", ") + layer->name();
  throw ValueError("Model '" + name() + "': no layer named '" + layer_name + "'. Layers: " + known);
}

Tensor Model::call(const Tensor& inputs, bool training) {
  if (!graph_) return Layer::call(inputs, training);
  auto outs = graph_->run({inputs}, training);
  if (outs.size() != 1)
    throw ValueError("Model '" + name() + "' has " + std::to_string(outs.size()) +
                     " outputs; call apply() to get all of them");
  return outs[0];
}

std::vector<Tensor> Model::call(const std::vector<Tensor>& inputs, bool training) {
  if (!graph_) return Layer::call(inputs, training);
  return graph_->run(inputs, training);
}

std::vector<Tensor> Model::call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) {
  output_masks_.clear();
  if (!graph_) return Layer::call_with_mask(inputs, mask, training);
  return graph_->run(inputs, training, mask, &output_masks_);
}

Tensor Model::compute_mask(const std::vector<Tensor>&, const Tensor&) {
  return output_masks_.empty() ? Tensor() : output_masks_[0];
}

Shape Model::compute_output_shape(const Shape& input_shape) {
  if (!graph_) return Layer::compute_output_shape(input_shape);
  auto shapes = compute_output_shapes({input_shape});
  if (shapes.size() != 1)
    throw ValueError("Model '" + name() + "' has " + std::to_string(shapes.size()) + " outputs, not one");
  return shapes[0];
}

std::vector<Shape> Model::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  if (!graph_) return Layer::compute_output_shapes(input_shapes);
  std::vector<Shape> shapes;
  for (const auto& output : graph_->outputs()) {
    Shape shape = output.shape();
    // The batch axis follows the caller's.
    if (!shape.empty() && !input_shapes.empty() && !input_shapes[0].empty()) shape[0] = input_shapes[0][0];
    shapes.push_back(shape);
  }
  return shapes;
}

std::string Model::class_name() const { return functional_ ? "Functional" : Layer::class_name(); }

void Model::compile(CompileOptions options) {
  if (!options.optimizer.ptr) throw ValueError("compile: an optimizer is required");
  optimizer_ = std::move(options.optimizer.ptr);
  if (options.loss.list.size() > 1 || !options.loss.named.empty()) {
    if (!graph_ || graph_->outputs().size() < 2)
      throw ValueError("compile: a loss per output was given, but the model '" + name() + "' has one output");
  }
  loss_ = options.loss.list.empty() ? nullptr : options.loss.list[0].ptr;
  heads_.clear();
  if (graph_ && (graph_->inputs().size() > 1 || graph_->outputs().size() > 1)) compile_heads(options);
  metric_specs_ = std::move(options.metrics);
  compiled_metrics_.clear();
  metrics_built_ = false;
  loss_sum_ = loss_count_ = 0.0;
  compiled_ = true;
}

void Model::check_compiled(const char* what) const {
  if (!compiled_) throw ValueError(std::string(what) + ": you must call compile() on the model '" + name() + "' first");
  if (!loss_)
    throw ValueError(std::string(what) + ": the model '" + name() +
                     "' was compiled without a loss; pass .loss to compile() or override train_step");
}

void Model::build_metrics(const Tensor& y, const Tensor& y_pred) {
  if (metrics_built_) return;
  for (const auto& spec : metric_specs_)
    compiled_metrics_.push_back(spec.ptr ? spec.ptr
                                         : metrics::resolve(spec.name, loss_ ? loss_->name() : "", y.shape(), y_pred.shape()));
  metrics_built_ = true;
}

std::vector<std::shared_ptr<metrics::Metric>> Model::metrics() const { return compiled_metrics_; }

void Model::reset_metrics() {
  loss_sum_ = loss_count_ = 0.0;
  for (auto& m : compiled_metrics_) m->reset_state();
  for (auto& head : heads_) {
    head.loss_sum = 0.0;
    for (auto& m : head.metrics) m->reset_state();
  }
}

Logs Model::metric_results() const {
  Logs logs;
  if (loss_count_ > 0) logs["loss"] = loss_sum_ / loss_count_;
  for (const auto& m : compiled_metrics_) logs[m->name()] = m->result();
  for (const auto& head : heads_) {
    if (loss_count_ > 0) logs[head.name + "_loss"] = head.loss_sum / loss_count_;
    for (const auto& m : head.metrics) logs[head.name + "_" + m->name()] = m->result();
  }
  return logs;
}

void Model::update_metrics(const Batch& batch, const Tensor& loss, const Tensor& y_pred, const Tensor& y_pred_mask) {
  autodiff::NoRecordScope no_record;
  build_metrics(batch.y, y_pred);
  // The loss tracker is a mean weighted by batch size, as Keras's.
  const double n = static_cast<double>(num_samples(batch.x));
  loss_sum_ += loss.item<double>() * n;
  loss_count_ += n;
  for (auto& m : compiled_metrics_) m->update_state_masked(batch.y, y_pred, batch.sample_weight, y_pred_mask);
}

Tensor Model::compute_loss(const Batch& batch, const Tensor& y_pred, const Tensor& y_pred_mask) {
  Tensor total = (*loss_)(batch.y, y_pred, batch.sample_weight, y_pred_mask);
  for (const Tensor& extra : losses()) total = total + cast(extra, total.dtype());
  return total;
}

Logs Model::train_step(const Batch& batch) {
  clear_losses();
  std::vector<Variable> variables;
  Tensor y_pred, y_pred_mask, loss;
  std::vector<Tensor> grads, y_preds, per_output, masks;
  {
    GradientTape tape;
    if (multi_io()) {
      y_preds = apply(batch.xs, true);
      masks = output_masks_;
      loss = compute_multi_loss(batch, y_preds, per_output, masks);
    } else {
      y_pred = (*this)(batch.x, true);
      y_pred_mask = mask_of(output_masks_, 0);
      loss = compute_loss(batch, y_pred, y_pred_mask);
    }
    // Read after the forward pass: an unbuilt model makes its weights on its first call.
    variables = trainable_weights();
    grads = tape.gradient(loss, variables);
  }
  optimizer_->apply_gradients(grads, variables);
  {
    autodiff::NoRecordScope no_record;
    for (auto variable : variables)
      if (auto constraint = constraint_of(variable)) variable.assign((*constraint)(variable));
  }
  if (multi_io()) update_multi_metrics(batch, loss, per_output, y_preds, masks);
  else update_metrics(batch, loss, y_pred, y_pred_mask);
  return metric_results();
}

Logs Model::test_step(const Batch& batch) {
  autodiff::NoRecordScope no_record;
  clear_losses();
  if (multi_io()) {
    std::vector<Tensor> per_output;
    auto y_preds = apply(batch.xs, false);
    const auto masks = output_masks_;
    Tensor loss = compute_multi_loss(batch, y_preds, per_output, masks);
    update_multi_metrics(batch, loss, per_output, y_preds, masks);
    return metric_results();
  }
  Tensor y_pred = (*this)(batch.x, false);
  const Tensor y_pred_mask = mask_of(output_masks_, 0);
  update_metrics(batch, compute_loss(batch, y_pred, y_pred_mask), y_pred, y_pred_mask);
  return metric_results();
}

Tensor Model::predict_step(const Tensor& x) {
  if (auto y = models::run_inference_plan(*this, inference_plan_, x)) return std::move(*y);
  autodiff::NoRecordScope no_record;
  return (*this)(x, false);
}

Logs Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  check_compiled("train_on_batch");
  check_lengths("train_on_batch", x, y, sample_weight);
  reset_metrics();
  return train_step({x, y, sample_weight});
}

Logs Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  check_compiled("test_on_batch");
  check_lengths("test_on_batch", x, y, sample_weight);
  reset_metrics();
  return test_step({x, y, sample_weight});
}

Tensor Model::predict_on_batch(const Tensor& x) {
  check_lengths("predict_on_batch", x, Tensor(), Tensor());
  return predict_step(x);
}

void Model::check_labels(const char* what, const Tensor& x, const Tensor& y) {
  // Sparse labels must index the model's outputs: checked before any training starts.
  if (!loss_ || loss_->name() != "sparse_categorical_crossentropy" || !y.defined() || y.size() == 0) return;
  Shape input = x.shape();
  input[0] = -1;
  const std::int64_t classes = compute_output_shape(input).back();
  if (classes <= 0) return;
  auto labels = cast(y, int64).to_vector<std::int64_t>();
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw ValueError(std::string(what) + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                       " is out of range for sparse_categorical_crossentropy with " + std::to_string(classes) +
                       " output classes (expected 0 to " + std::to_string(classes - 1) + ")");
}

// ------------------------------------------------------------------ batch streams

namespace {

// The batches of one pass over the data, pulled one at a time (nullopt when the pass is over).
using BatchStream = std::function<std::optional<Batch>()>;

// Batches of consecutive rows of in-memory tensors, taken in `order` when it is defined (a
// shuffled epoch).
BatchStream tensor_batches(const Tensor& x, const Tensor& y, const Tensor& sample_weight, std::int64_t batch_size,
                           const Tensor& order = {}) {
  const std::int64_t n = num_samples(x);
  return [=, begin = std::int64_t{0}]() mutable -> std::optional<Batch> {
    if (begin >= n) return std::nullopt;
    const std::int64_t end = std::min(n, begin + batch_size);
    Batch batch;
    if (order.defined()) {
      Tensor picked = slice(order, 0, begin, end);
      batch = {take_rows(x, picked), take_rows(y, picked), take_rows(sample_weight, picked)};
    } else {
      batch = {rows(x, begin, end), rows(y, begin, end), rows(sample_weight, begin, end)};
    }
    begin = end;
    return batch;
  };
}

// The same for several inputs and targets (a model with several inputs or outputs).
BatchStream multi_tensor_batches(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight,
                                 std::int64_t batch_size, const Tensor& order = {}) {
  const std::int64_t n = num_samples(xs.at(0));
  return [=, begin = std::int64_t{0}]() mutable -> std::optional<Batch> {
    if (begin >= n) return std::nullopt;
    const std::int64_t end = std::min(n, begin + batch_size);
    Tensor picked = order.defined() ? slice(order, 0, begin, end) : Tensor();
    auto cut = [&](const Tensor& t) { return picked.defined() ? take_rows(t, picked) : rows(t, begin, end); };
    Batch batch;
    for (const auto& x : xs) batch.xs.push_back(cut(x));
    for (const auto& y : ys) batch.ys.push_back(cut(y));
    batch.sample_weight = cut(sample_weight);
    batch.x = batch.xs[0];
    batch.y = batch.ys.empty() ? Tensor() : batch.ys[0];
    begin = end;
    return batch;
  };
}

// A dataset's element as a batch: xs / ys always hold every input / target (just x and y for a
// dataset of one input and one target).
Batch to_batch(const data::Example& e) {
  Batch batch{e.x, e.y, e.sample_weight, e.xs, e.ys};
  if (batch.xs.empty()) batch.xs = {e.x};
  if (batch.ys.empty() && e.y.defined()) batch.ys = {e.y};
  return batch;
}

// The elements of a Dataset of batches (as Keras, fit takes a batched dataset: batch_size is not
// used). `check` sees every batch first (label checks).
BatchStream dataset_batches(std::shared_ptr<data::Iterator> it, std::function<void(const Batch&)> check = {}) {
  return [it = std::move(it), check = std::move(check)]() -> std::optional<Batch> {
    auto example = it->next();
    if (!example) return std::nullopt;
    Batch batch = to_batch(*example);
    if (check) check(batch);
    return batch;
  };
}

// Steps of one pass over a dataset: steps when given, else its cardinality (-1 when unknown).
// An empty or infinite dataset without steps is an error before anything runs.
std::int64_t dataset_steps(const char* what, const Dataset& data, std::optional<std::int64_t> steps) {
  const std::int64_t cardinality = data.cardinality();
  if (cardinality == 0) throw ValueError(std::string(what) + ": the dataset is empty (cardinality 0)");
  if (steps) {
    if (*steps <= 0) throw ValueError(std::string(what) + ": steps must be positive, got " + std::to_string(*steps));
    return *steps;
  }
  if (cardinality == Dataset::INFINITE)
    throw ValueError(std::string(what) + ": the dataset is infinite (repeat() without a count); pass " +
                     (std::string(what) == "fit" ? "steps_per_epoch" : "steps") + " to say how many batches to take");
  return cardinality >= 0 ? cardinality : -1;
}

}  // namespace

// What fit() trains on: a fresh stream of batches per epoch, the number of steps per epoch (-1 when
// unknown) and the validation pass (none when empty).
struct Model::TrainingData {
  std::function<BatchStream(int epoch)> epoch_batches;
  std::int64_t steps = -1;
  std::function<Logs(callbacks::CallbackList&)> validate;
};

Logs Model::run_evaluation(const std::function<std::optional<Batch>()>& next_batch, std::int64_t steps,
                           callbacks::CallbackList& callbacks) {
  reset_metrics();
  callbacks.on_test_begin();
  Logs logs;
  for (std::int64_t step = 0; steps < 0 || step < steps; ++step) {
    auto batch = next_batch();
    if (!batch) break;
    callbacks.on_test_batch_begin(step);
    logs = test_step(*batch);
    callbacks.on_test_batch_end(step, logs);
  }
  logs = metric_results();
  callbacks.on_test_end(logs);
  return logs;
}

callbacks::History Model::fit(const Tensor& x_all, const Tensor& y_all, FitOptions options) {
  check_compiled("fit");
  if (multi_io()) return fit(ModelData{x_all}, ModelData{y_all}, std::move(options));
  check_lengths("fit", x_all, y_all, options.sample_weight);
  if (options.batch_size <= 0) throw ValueError("fit: batch_size must be positive, got " + std::to_string(options.batch_size));
  if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  if (num_samples(x_all) == 0) throw ValueError("fit: the training data is empty (x has shape " + x_all.shape().to_string() + ")");

  // Validation: the last fraction of the data, taken before shuffling (as Keras).
  Tensor x = x_all, y = y_all, sample_weight = options.sample_weight;
  std::optional<ValidationData> validation = options.validation_data;
  if (options.validation_split > 0.0) {
    const auto n = num_samples(x_all);
    const auto split_at = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * (1.0 - options.validation_split)));
    if (split_at == 0 || split_at == n)
      throw ValueError("fit: validation_split=" + std::to_string(options.validation_split) + " of " + std::to_string(n) +
                       " samples leaves an empty training or validation set");
    validation = ValidationData{rows(x_all, split_at, n), rows(y_all, split_at, n), rows(sample_weight, split_at, n)};
    x = rows(x_all, 0, split_at);
    y = rows(y_all, 0, split_at);
    sample_weight = rows(sample_weight, 0, split_at);
  }
  check_labels("fit", x, y);
  if (!options.class_weight.empty()) {
    Tensor from_classes = class_weights_for(options.class_weight, y);
    sample_weight = sample_weight.defined() ? sample_weight * from_classes : from_classes;
  }

  const std::int64_t n = num_samples(x);
  TrainingData data;
  data.steps = (n + options.batch_size - 1) / options.batch_size;
  if (options.steps_per_epoch) data.steps = std::min(data.steps, *options.steps_per_epoch);
  // Each epoch's order depends only on this seed and the epoch, so a fit resumed at epoch k
  // (BackupAndRestore) shuffles as the uninterrupted run did.
  const std::uint64_t shuffle_seed = next_random_seed();
  data.epoch_batches = [=, shuffle = options.shuffle, batch_size = options.batch_size](int epoch) {
    Tensor order;
    if (shuffle) {
      std::vector<std::int64_t> indices(static_cast<std::size_t>(n));
      std::iota(indices.begin(), indices.end(), 0);
      std::mt19937_64 shuffler(shuffle_seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(epoch));
      std::shuffle(indices.begin(), indices.end(), shuffler);
      order = Tensor::from_vector(indices, Shape{n});
    }
    return tensor_batches(x, y, sample_weight, batch_size, order);
  };
  data.validate = validation_pass("fit", validation, options.batch_size);
  return run_fit(data, options);
}

callbacks::History Model::fit(const Dataset& dataset, FitOptions options) {
  check_compiled("fit");
  if (options.validation_split > 0.0)
    throw ValueError("fit: validation_split is not supported with a Dataset (it cannot be split); pass validation_data");
  if (options.sample_weight.defined() || !options.class_weight.empty())
    throw ValueError("fit: sample_weight and class_weight are not supported with a Dataset; put the sample weights "
                     "in the dataset (from_tensor_slices(x, y, sample_weight))");
  TrainingData data;
  data.steps = dataset_steps("fit", dataset, options.steps_per_epoch);
  auto check = [this](const Batch& batch) { check_batch("fit", batch); };
  // The first batch is read now, so that an empty dataset fails before training starts.
  auto iterator = std::make_shared<data::Iterator>(dataset.iter());
  auto first = iterator->next();
  if (!first) throw ValueError("fit: the dataset yielded no batch");
  auto pending = std::make_shared<std::optional<Batch>>(to_batch(*first));
  check(**pending);
  // As Keras: with steps_per_epoch, each epoch continues the same iterator; otherwise each epoch
  // restarts the data.
  const bool restart = !options.steps_per_epoch;
  data.epoch_batches = [dataset, iterator, pending, check, restart](int) {
    if (!*pending && restart) *iterator = dataset.iter();
    auto rest = dataset_batches(iterator, check);
    return BatchStream([pending, rest]() -> std::optional<Batch> {
      if (*pending) return std::exchange(*pending, std::nullopt);
      return rest();
    });
  };
  data.validate = validation_pass("fit", options.validation_data, options.batch_size);
  return run_fit(data, options);
}

std::function<Logs(callbacks::CallbackList&)> Model::validation_pass(const char* what,
                                                                     const std::optional<ValidationData>& validation,
                                                                     std::int64_t batch_size) {
  if (!validation) return {};
  if (validation->dataset) {
    const Dataset dataset = *validation->dataset;
    const std::int64_t steps = dataset_steps(what, dataset, std::nullopt);
    return [this, dataset, steps](callbacks::CallbackList& callbacks) {
      return run_evaluation(dataset_batches(std::make_shared<data::Iterator>(dataset.iter())), steps, callbacks);
    };
  }
  const std::string context = std::string(what) + " (validation data)";
  if (validation->multi_x) {
    if (!several_io())
      throw ValueError(context + ": the model '" + name() + "' has one input and one output; pass x and y as tensors");
    const auto xs = ordered(context.c_str(), *validation->multi_x, input_names(), "input");
    const auto ys = ordered(context.c_str(), validation->multi_y.value_or(ModelData(std::vector<Tensor>{})),
                            graph_->output_names(), "output");
    check_lengths(context.c_str(), xs[0], ys[0], validation->sample_weight);
    check_output_labels(context.c_str(), ys);
    const Tensor sample_weight = validation->sample_weight;
    const std::int64_t steps = (num_samples(xs[0]) + batch_size - 1) / batch_size;
    return [this, xs, ys, sample_weight, batch_size, steps](callbacks::CallbackList& callbacks) {
      return run_evaluation(multi_tensor_batches(xs, ys, sample_weight, batch_size), steps, callbacks);
    };
  }
  if (several_io())
    throw ValueError(context + ": the model '" + name() +
                     "' has several inputs or outputs; pass validation_data as ValidationData{ModelData, ModelData}");
  check_lengths(context.c_str(), validation->x, validation->y, validation->sample_weight);
  check_labels(context.c_str(), validation->x, validation->y);
  const ValidationData v = *validation;
  const std::int64_t steps = (num_samples(v.x) + batch_size - 1) / batch_size;
  return [this, v, batch_size, steps](callbacks::CallbackList& callbacks) {
    return run_evaluation(tensor_batches(v.x, v.y, v.sample_weight, batch_size), steps, callbacks);
  };
}

callbacks::History Model::run_fit(TrainingData& data, const FitOptions& options) {
  if (options.epochs < 0) throw ValueError("fit: epochs must be non-negative, got " + std::to_string(options.epochs));
  // Keras's order: the user's callbacks, then History, then the progress bar.
  auto history = std::make_shared<callbacks::History>();
  std::vector<callbacks::CallbackPtr> list = options.callbacks;
  list.push_back(history);
  if (options.verbose > 0) list.push_back(callbacks::ProgbarLogger());
  const callbacks::Params params{options.epochs, data.steps, options.verbose};
  callbacks::CallbackList callbacks(list, this, params);
  // Validation reports its test hooks to the user's callbacks (the bar draws only training).
  callbacks::CallbackList validation_callbacks(options.callbacks, this, params);
  const bool log_learning_rate = callbacks::adds_learning_rate_to_logs(options.callbacks);

  stop_training = false;
  resume_from.reset();
  callbacks.on_train_begin();
  const ResumePoint start = resume_from.value_or(ResumePoint{options.initial_epoch, 0});
  resume_from.reset();
  Logs epoch_logs;
  for (int epoch = start.epoch; epoch < options.epochs && !stop_training; ++epoch) {
    reset_metrics();
    callbacks.on_epoch_begin(epoch);
    BatchStream next_batch = data.epoch_batches(epoch);
    for (std::int64_t step = 0; (data.steps < 0 || step < data.steps) && !stop_training; ++step) {
      auto batch = next_batch();
      if (!batch) {
        if (data.steps >= 0) {
          // Keras's behaviour when a dataset runs dry before steps_per_epoch * epochs batches.
          std::cerr << "WARNING: Your input ran out of data; interrupting training. Make sure that your dataset can "
                       "generate at least `steps_per_epoch * epochs` batches (use repeat()).\n";
          stop_training = true;
        }
        break;
      }
      if (epoch == start.epoch && step < start.step) continue;  // trained before the backup
      callbacks.on_train_batch_begin(step);
      Logs logs = train_step(*batch);
      callbacks.on_train_batch_end(step, logs);
    }
    epoch_logs = metric_results();
    if (data.validate && !stop_training)
      for (const auto& [k, v] : prefixed(data.validate(validation_callbacks), "val_")) epoch_logs[k] = v;
    // ReduceLROnPlateau / LearningRateScheduler put the rate in the logs in Keras.
    if (log_learning_rate) epoch_logs["learning_rate"] = optimizer_->learning_rate();
    callbacks.on_epoch_end(epoch, epoch_logs);
  }
  callbacks.on_train_end(epoch_logs);
  return *history;
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options) {
  check_compiled("evaluate");
  if (multi_io()) return evaluate(ModelData{x}, ModelData{y}, std::move(options));
  check_lengths("evaluate", x, y, options.sample_weight);
  if (options.batch_size <= 0) throw ValueError("evaluate: batch_size must be positive");
  check_labels("evaluate", x, y);
  std::int64_t steps = (num_samples(x) + options.batch_size - 1) / options.batch_size;
  if (options.steps) steps = std::min(steps, *options.steps);
  return run_evaluate(tensor_batches(x, y, options.sample_weight, options.batch_size), steps, options);
}

Logs Model::evaluate(const Dataset& dataset, EvaluateOptions options) {
  check_compiled("evaluate");
  const std::int64_t steps = dataset_steps("evaluate", dataset, options.steps);
  auto check = [this](const Batch& batch) { check_batch("evaluate", batch); };
  return run_evaluate(dataset_batches(std::make_shared<data::Iterator>(dataset.iter()), check), steps, options);
}

Logs Model::run_evaluate(const std::function<std::optional<Batch>()>& next_batch, std::int64_t steps,
                         const EvaluateOptions& options) {
  std::vector<callbacks::CallbackPtr> list = options.callbacks;
  if (options.verbose > 0) list.push_back(callbacks::ProgbarLogger());
  callbacks::CallbackList callbacks(list, this, {1, steps, options.verbose});
  return run_evaluation(next_batch, steps, callbacks);
}

Tensor Model::predict(const Tensor& x, PredictOptions options) {
  if (several_io()) return predict(ModelData(std::vector<Tensor>{x}), std::move(options));
  check_lengths("predict", x, Tensor(), Tensor());
  if (options.batch_size <= 0) throw ValueError("predict: batch_size must be positive");
  if (num_samples(x) == 0) throw ValueError("predict: x is empty (shape " + x.shape().to_string() + ")");
  std::int64_t steps = (num_samples(x) + options.batch_size - 1) / options.batch_size;
  if (options.steps) steps = std::min(steps, *options.steps);
  return single_output("predict", run_predict(tensor_batches(x, Tensor(), Tensor(), options.batch_size), steps, options));
}

Tensor Model::predict(const Dataset& dataset, PredictOptions options) {
  return single_output("predict", predict_outputs(dataset, std::move(options)));
}

std::vector<Tensor> Model::predict_outputs(const Dataset& dataset, PredictOptions options) {
  const std::int64_t steps = dataset_steps("predict", dataset, options.steps);
  auto check = [this](const Batch& batch) {
    if (several_io() && batch.xs.size() != graph_->inputs().size())
      throw ValueError("predict: the dataset's elements have " + std::to_string(batch.xs.size()) +
                       " input(s) but the model '" + name() + "' has " + std::to_string(graph_->inputs().size()));
  };
  return run_predict(dataset_batches(std::make_shared<data::Iterator>(dataset.iter()), check), steps, options);
}

Tensor Model::predict(const ModelData& x, PredictOptions options) {
  return single_output("predict", predict_outputs(x, std::move(options)));
}

std::vector<Tensor> Model::predict_outputs(const ModelData& x, PredictOptions options) {
  if (!several_io()) {
    if (x.list.size() != 1 || !x.named.empty())
      throw ValueError("predict: the model '" + name() + "' has one input; pass one tensor");
    return {predict(x.list[0], std::move(options))};
  }
  const auto xs = ordered("predict", x, input_names(), "input");
  if (options.batch_size <= 0) throw ValueError("predict: batch_size must be positive");
  if (num_samples(xs[0]) == 0) throw ValueError("predict: x is empty (shape " + xs[0].shape().to_string() + ")");
  std::int64_t steps = (num_samples(xs[0]) + options.batch_size - 1) / options.batch_size;
  if (options.steps) steps = std::min(steps, *options.steps);
  return run_predict(multi_tensor_batches(xs, {}, Tensor(), options.batch_size), steps, options);
}

Tensor Model::single_output(const char* what, std::vector<Tensor> outputs) const {
  if (outputs.size() != 1)
    throw ValueError(std::string(what) + ": the model '" + name() + "' has " + std::to_string(outputs.size()) +
                     " outputs; call predict_outputs() to get all of them");
  return std::move(outputs[0]);
}

std::vector<Tensor> Model::run_predict(const std::function<std::optional<Batch>()>& next_batch, std::int64_t steps,
                          const PredictOptions& options) {
  std::vector<callbacks::CallbackPtr> list = options.callbacks;
  if (options.verbose > 0) list.push_back(callbacks::ProgbarLogger());
  callbacks::CallbackList callbacks(list, this, {1, steps, options.verbose});
  callbacks.on_predict_begin();
  std::vector<std::vector<Tensor>> per_output;  // [output][batch]
  for (std::int64_t step = 0; steps < 0 || step < steps; ++step) {
    auto batch = next_batch();
    if (!batch) break;
    callbacks.on_predict_batch_begin(step);
    std::vector<Tensor> outs;
    if (several_io()) {
      autodiff::NoRecordScope no_record;
      auto planned = models::run_inference_plan(*this, inference_plan_, batch->xs);
      outs = planned ? std::move(*planned) : apply(batch->xs, false);
    } else {
      outs = {predict_step(batch->x)};
    }
    per_output.resize(outs.size());
    for (std::size_t i = 0; i < outs.size(); ++i) per_output[i].push_back(std::move(outs[i]));
    callbacks.on_predict_batch_end(step);
  }
  callbacks.on_predict_end();
  if (per_output.empty()) throw ValueError("predict: the data yielded no batch");
  std::vector<Tensor> outputs;
  for (auto& parts : per_output) outputs.push_back(parts.size() == 1 ? parts.front() : concat(parts, 0));
  return outputs;
}

bool Model::several_io() const { return graph_ && (graph_->inputs().size() > 1 || graph_->outputs().size() > 1); }

std::vector<std::string> Model::input_names() const {
  std::vector<std::string> names;
  if (graph_)
    for (const auto& layer : graph_->input_layers()) names.push_back(layer->name());
  return names;
}

void Model::check_batch(const char* what, const Batch& batch) {
  if (!several_io()) {
    check_labels(what, batch.x, batch.y);
    return;
  }
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  const auto inputs = input_names(), outputs = graph_->output_names();
  if (batch.xs.size() != inputs.size() || batch.ys.size() != outputs.size())
    throw ValueError(std::string(what) + ": the dataset's elements have " + std::to_string(batch.xs.size()) +
                     " input(s) and " + std::to_string(batch.ys.size()) + " target(s), but the model '" + name() +
                     "' has " + std::to_string(inputs.size()) + " inputs (" + join(inputs) + ") and " +
                     std::to_string(outputs.size()) + " outputs (" + join(outputs) +
                     "); make it with Dataset::from_tensor_slices(std::vector<Tensor>{...}, std::vector<Tensor>{...})");
  check_output_labels(what, batch.ys);
}

void Model::check_output_labels(const char* what, const std::vector<Tensor>& ys) {
  for (std::size_t i = 0; i < heads_.size() && i < ys.size(); ++i) {
    const auto& head = heads_[i];
    if (!head.loss || head.loss->name() != "sparse_categorical_crossentropy" || ys[i].size() == 0) continue;
    const std::int64_t classes = graph_->outputs()[i].shape().back();
    if (classes <= 0) continue;
    auto labels = cast(ys[i], int64).to_vector<std::int64_t>();
    for (std::size_t j = 0; j < labels.size(); ++j)
      if (labels[j] < 0 || labels[j] >= classes)
        throw ValueError(std::string(what) + ": label " + std::to_string(labels[j]) + " at index " + std::to_string(j) +
                         " of output '" + head.name + "' is out of range for sparse_categorical_crossentropy with " +
                         std::to_string(classes) + " output classes (expected 0 to " + std::to_string(classes - 1) + ")");
  }
}

// ------------------------------------------------------------------ several inputs / outputs

void Model::compile_heads(const CompileOptions& options) {
  const auto names = graph_->output_names();
  const std::string who = "compile: model '" + name() + "'";
  const auto& spec = options.loss;
  if (spec.list.size() > 1 && spec.list.size() != names.size())
    throw ValueError(who + " has " + std::to_string(names.size()) + " outputs but " + std::to_string(spec.list.size()) +
                     " losses were given");
  for (const auto& [output, loss] : spec.named)
    if (std::find(names.begin(), names.end(), output) == names.end())
      throw ValueError(who + ": a loss was given for '" + output + "', which is not one of its outputs");
  for (const auto& [output, list] : options.output_metrics)
    if (std::find(names.begin(), names.end(), output) == names.end())
      throw ValueError(who + ": metrics were given for '" + output + "', which is not one of its outputs");
  if (!options.loss_weights.empty() && options.loss_weights.size() != names.size())
    throw ValueError(who + " has " + std::to_string(names.size()) + " outputs but " +
                     std::to_string(options.loss_weights.size()) + " loss_weights were given");
  for (std::size_t i = 0; i < names.size(); ++i) {
    OutputHead head;
    head.name = names[i];
    if (!spec.named.empty()) {
      auto it = spec.named.find(names[i]);
      if (it != spec.named.end()) head.loss = it->second.ptr;
    } else if (!spec.list.empty()) {
      head.loss = spec.list[spec.list.size() == 1 ? 0 : i].ptr;
    }
    head.weight = options.loss_weights.empty() ? 1.0 : options.loss_weights[i];
    head.metric_specs = options.metrics;
    if (auto it = options.output_metrics.find(names[i]); it != options.output_metrics.end())
      head.metric_specs.insert(head.metric_specs.end(), it->second.begin(), it->second.end());
    heads_.push_back(std::move(head));
  }
  bool any_loss = false;
  for (const auto& head : heads_) any_loss = any_loss || head.loss;
  if (any_loss && !loss_)
    for (const auto& head : heads_)
      if (head.loss) {
        loss_ = head.loss;
        break;
      }
}

std::vector<Tensor> Model::ordered(const char* what, const ModelData& data, const std::vector<std::string>& names,
                                   const char* kind) const {
  std::vector<Tensor> out;
  if (!data.named.empty()) {
    for (const auto& [key, t] : data.named)
      if (std::find(names.begin(), names.end(), key) == names.end())
        throw ValueError(std::string(what) + ": '" + key + "' is not one of the model's " + kind + "s");
    for (const auto& n : names) {
      auto it = data.named.find(n);
      if (it == data.named.end())
        throw ValueError(std::string(what) + ": no data for the " + kind + " '" + n + "'");
      out.push_back(it->second);
    }
  } else {
    out = data.list;
  }
  if (out.size() != names.size())
    throw ValueError(std::string(what) + ": the model '" + name() + "' has " + std::to_string(names.size()) + " " + kind +
                     "s, got " + std::to_string(out.size()) + " tensors");
  for (std::size_t i = 0; i < out.size(); ++i)
    check_lengths((std::string(what) + " (" + kind + " '" + names[i] + "')").c_str(), out[0], out[i], Tensor());
  return out;
}

Tensor Model::compute_multi_loss(const Batch& batch, const std::vector<Tensor>& y_preds, std::vector<Tensor>& per_output,
                                 const std::vector<Tensor>& masks) {
  per_output.assign(heads_.size(), Tensor());
  Tensor total;
  for (std::size_t i = 0; i < heads_.size(); ++i) {
    if (!heads_[i].loss) continue;  // an output without a loss does not train (Keras: loss None)
    per_output[i] = (*heads_[i].loss)(batch.ys.at(i), y_preds.at(i), batch.sample_weight, mask_of(masks, i));
    Tensor weighted = heads_[i].weight == 1.0 ? per_output[i] : per_output[i] * heads_[i].weight;
    total = total.defined() ? total + weighted : weighted;
  }
  for (const Tensor& extra : losses()) total = total + cast(extra, total.dtype());
  return total;
}

void Model::update_multi_metrics(const Batch& batch, const Tensor& loss, const std::vector<Tensor>& per_output,
                                 const std::vector<Tensor>& y_preds, const std::vector<Tensor>& masks) {
  autodiff::NoRecordScope no_record;
  const double n = static_cast<double>(num_samples(batch.x));
  loss_sum_ += loss.item<double>() * n;
  loss_count_ += n;
  for (std::size_t i = 0; i < heads_.size(); ++i) {
    auto& head = heads_[i];
    if (per_output[i].defined()) head.loss_sum += per_output[i].item<double>() * n;
    if (head.metrics.empty())
      for (const auto& spec : head.metric_specs)
        head.metrics.push_back(spec.ptr ? spec.ptr
                                        : metrics::resolve(spec.name, head.loss ? head.loss->name() : "",
                                                           batch.ys[i].shape(), y_preds[i].shape()));
    for (auto& m : head.metrics) m->update_state_masked(batch.ys[i], y_preds[i], batch.sample_weight, mask_of(masks, i));
  }
}

callbacks::History Model::fit(const ModelData& x, const ModelData& y, FitOptions options) {
  check_compiled("fit");
  if (!multi_io())
    throw ValueError("fit: the model '" + name() + "' has one input and one output; pass x and y as tensors");
  auto xs = ordered("fit", x, input_names(), "input");
  auto ys = ordered("fit", y, graph_->output_names(), "output");
  Tensor sample_weight = options.sample_weight;
  check_lengths("fit", xs[0], ys[0], sample_weight);
  if (options.batch_size <= 0) throw ValueError("fit: batch_size must be positive, got " + std::to_string(options.batch_size));
  if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  if (num_samples(xs[0]) == 0) throw ValueError("fit: the training data is empty");
  if (!options.class_weight.empty() && ys.size() != 1)
    throw ValueError("fit: class_weight is only supported for models with a single output; the model '" + name() +
                     "' has " + std::to_string(ys.size()) + " (use sample_weight)");
  std::optional<ValidationData> validation = options.validation_data;
  if (options.validation_split > 0.0) {
    // The last fraction of every input and target, taken before shuffling (as Keras).
    const auto total = num_samples(xs[0]);
    const auto split_at = static_cast<std::int64_t>(std::floor(static_cast<double>(total) * (1.0 - options.validation_split)));
    if (split_at == 0 || split_at == total)
      throw ValueError("fit: validation_split=" + std::to_string(options.validation_split) + " of " +
                       std::to_string(total) + " samples leaves an empty training or validation set");
    std::vector<Tensor> val_xs, val_ys;
    for (auto& t : xs) val_xs.push_back(rows(t, split_at, total)), t = rows(t, 0, split_at);
    for (auto& t : ys) val_ys.push_back(rows(t, split_at, total)), t = rows(t, 0, split_at);
    validation = ValidationData(ModelData(val_xs), ModelData(val_ys), rows(sample_weight, split_at, total));
    sample_weight = rows(sample_weight, 0, split_at);
  }
  check_output_labels("fit", ys);
  if (!options.class_weight.empty()) {
    Tensor from_classes = class_weights_for(options.class_weight, ys[0]);
    sample_weight = sample_weight.defined() ? sample_weight * from_classes : from_classes;
  }
  const std::int64_t n = num_samples(xs[0]);
  TrainingData data;
  data.steps = (n + options.batch_size - 1) / options.batch_size;
  if (options.steps_per_epoch) data.steps = std::min(data.steps, *options.steps_per_epoch);
  // Each epoch's order depends only on this seed and the epoch, so a fit resumed at epoch k
  // (BackupAndRestore) shuffles as the uninterrupted run did.
  const std::uint64_t shuffle_seed = next_random_seed();
  data.epoch_batches = [=, shuffle = options.shuffle, batch_size = options.batch_size](int epoch) {
    Tensor order;
    if (shuffle) {
      std::vector<std::int64_t> indices(static_cast<std::size_t>(n));
      std::iota(indices.begin(), indices.end(), 0);
      std::mt19937_64 shuffler(shuffle_seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(epoch));
      std::shuffle(indices.begin(), indices.end(), shuffler);
      order = Tensor::from_vector(indices, Shape{n});
    }
    return multi_tensor_batches(xs, ys, sample_weight, batch_size, order);
  };
  data.validate = validation_pass("fit", validation, options.batch_size);
  return run_fit(data, options);
}

Logs Model::evaluate(const ModelData& x, const ModelData& y, EvaluateOptions options) {
  check_compiled("evaluate");
  if (!multi_io())
    throw ValueError("evaluate: the model '" + name() + "' has one input and one output; pass x and y as tensors");
  const auto xs = ordered("evaluate", x, input_names(), "input");
  const auto ys = ordered("evaluate", y, graph_->output_names(), "output");
  check_lengths("evaluate", xs[0], ys[0], options.sample_weight);
  check_output_labels("evaluate", ys);
  if (options.batch_size <= 0) throw ValueError("evaluate: batch_size must be positive");
  std::int64_t steps = (num_samples(xs[0]) + options.batch_size - 1) / options.batch_size;
  if (options.steps) steps = std::min(steps, *options.steps);
  return run_evaluate(multi_tensor_batches(xs, ys, options.sample_weight, options.batch_size), steps, options);
}

}  // namespace strata
