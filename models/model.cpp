#include "strata/models/model.hpp"

#include <algorithm>
#include <cmath>

#include "strata/callbacks/callbacks.hpp"
#include "strata/framework/autodiff/gradient_tape.hpp"
#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/framework/warnings.hpp"
#include "strata/layers/core/input_layer.hpp"
#include "strata/losses/losses.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/step_functions.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata {

namespace {

std::int64_t num_samples(const Tensor& t) { return t.rank() == 0 ? 1 : t.shape()[0]; }

// Rows [begin, end) of a tensor, or undefined for an undefined one (shares storage).
Tensor rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
  return t.defined() ? slice(t, 0, begin, end) : Tensor();
}

void check_lengths(const std::string& what, const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  if (!x.defined()) throw ValueError(what + ": x is undefined");
  if (x.rank() == 0) throw ValueError(what + ": x must have a batch axis, got a scalar");
  if (y.defined() && (y.rank() == 0 || num_samples(y) != num_samples(x)))
    throw ValueError(what + ": x and y have different numbers of samples: " + std::to_string(num_samples(x)) +
                     " (x shape " + x.shape().to_string() + ") and " +
                     (y.rank() == 0 ? std::string("a scalar") : std::to_string(num_samples(y))) + " (y shape " +
                     y.shape().to_string() + ")");
  if (sample_weight.defined() && (sample_weight.rank() == 0 || num_samples(sample_weight) != num_samples(x)))
    throw ValueError(what + ": sample_weight has shape " + sample_weight.shape().to_string() + " but x has " +
                     std::to_string(num_samples(x)) + " samples");
}

Tensor first_or_none(const std::vector<Tensor>& list) { return list.empty() ? Tensor() : list[0]; }

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

// The only output of a prediction; a model with several is told to call predict_outputs.
Tensor only_output(const std::string& model, std::vector<Tensor> outputs) {
  if (outputs.size() != 1)
    throw ValueError("predict: the model '" + model + "' has " + std::to_string(outputs.size()) +
                     " outputs; call predict_outputs() to get all of them");
  return std::move(outputs[0]);
}

// `first` and up to `per_call - 1` more batches of the stream (fewer at its end, or when `steps`
// ends the pass): what one call of a traced step takes (steps_per_execution). Advances `step` to
// the last batch taken.
std::vector<Batch> batch_group(Batch first, const models::BatchStream& next_batch, int per_call, std::int64_t steps,
                               std::int64_t& step) {
  std::vector<Batch> group{std::move(first)};
  while (static_cast<int>(group.size()) < per_call && (steps < 0 || step + 1 < steps)) {
    auto more = next_batch();
    if (!more) break;
    group.push_back(std::move(*more));
    ++step;
  }
  return group;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
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

// ------------------------------------------------------------------ compile and metrics

void Model::compile(CompileOptions options) {
  if (!options.optimizer.ptr) throw ValueError("compile: an optimizer is required");
  optimizer_ = std::move(options.optimizer.ptr);
  heads_ = models::OutputHeads(options, graph_ ? graph_->output_names() : std::vector<std::string>{""}, several_io(),
                               name());
  compiled_ = true;
  if (options.steps_per_execution < 1)
    throw ValueError("compile: steps_per_execution must be at least 1, got " + std::to_string(options.steps_per_execution));
  steps_per_execution_ = options.steps_per_execution;
  set_run_eagerly(options.run_eagerly);
}

void Model::set_run_eagerly(bool value) {
  run_eagerly_ = value;
  reset_step_functions();
}

void Model::reset_step_functions() { step_functions_.reset(); }

int Model::step_trace_count(const std::string& kind) const {
  return step_functions_ ? step_functions_->trace_count(kind) : 0;
}

models::StepFunctions& Model::step_functions() {
  if (!step_functions_) step_functions_ = std::make_shared<models::StepFunctions>();
  return *step_functions_;
}

void Model::check_compiled(const char* what) const {
  if (!compiled_) throw ValueError(std::string(what) + ": you must call compile() on the model '" + name() + "' first");
  if (!loss())
    throw ValueError(std::string(what) + ": the model '" + name() +
                     "' was compiled without a loss; pass .loss to compile() or override train_step");
}

std::vector<std::shared_ptr<metrics::Metric>> Model::metrics() const { return heads_.metrics(); }
void Model::reset_metrics() { heads_.reset(); }
Logs Model::metric_results() const { return is_tracing() ? Logs{} : heads_.results(); }
void Model::build_metrics(const Tensor& y, const Tensor& y_pred) { heads_.build({y}, {y_pred}); }

void Model::update_metrics(const Batch& batch, const Tensor& loss, const Tensor& y_pred, const Tensor& y_pred_mask) {
  heads_.update(batch.ys, {y_pred}, batch.sample_weight, {y_pred_mask}, loss,
                static_cast<double>(num_samples(batch.x)));
}

Tensor Model::with_regularization(Tensor loss) {
  for (const Tensor& extra : losses()) loss = loss + cast(extra, loss.dtype());
  return loss;
}

Tensor Model::compute_loss(const Batch& batch, const Tensor& y_pred, const Tensor& y_pred_mask) {
  return with_regularization(heads_.compute_loss(batch.ys, {y_pred}, batch.sample_weight, {y_pred_mask}));
}

Tensor Model::total_loss(const Batch& batch, const std::vector<Tensor>& y_preds, const std::vector<Tensor>& masks) {
  // One output goes through compute_loss, which a subclass may override.
  if (y_preds.size() == 1) return compute_loss(batch, y_preds[0], first_or_none(masks));
  return with_regularization(heads_.compute_loss(batch.ys, y_preds, batch.sample_weight, masks));
}

// ------------------------------------------------------------------ steps

Logs Model::train_step(const Batch& batch) {
  clear_losses();
  std::vector<Variable> variables;
  std::vector<Tensor> y_preds, masks, grads;
  Tensor loss;
  {
    GradientTape tape;
    y_preds = apply(batch.xs, true);
    masks = output_masks_;
    loss = total_loss(batch, y_preds, masks);
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
  heads_.update(batch.ys, y_preds, batch.sample_weight, masks, loss, static_cast<double>(num_samples(batch.xs[0])));
  return metric_results();
}

Logs Model::test_step(const Batch& batch) {
  autodiff::NoRecordScope no_record;
  clear_losses();
  const auto y_preds = apply(batch.xs, false);
  const auto masks = output_masks_;
  const Tensor loss = total_loss(batch, y_preds, masks);
  heads_.update(batch.ys, y_preds, batch.sample_weight, masks, loss, static_cast<double>(num_samples(batch.xs[0])));
  return metric_results();
}

Tensor Model::predict_step(const Tensor& x) {
  autodiff::NoRecordScope no_record;
  return (*this)(x, false);
}

Logs Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  check_compiled("train_on_batch");
  check_lengths("train_on_batch", x, y, sample_weight);
  reset_metrics();
  if (run_eagerly_) return train_step({x, y, sample_weight});
  step_functions().train(*this, {Batch(x, y, sample_weight)});
  return metric_results();
}

Logs Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  check_compiled("test_on_batch");
  check_lengths("test_on_batch", x, y, sample_weight);
  reset_metrics();
  if (run_eagerly_) return test_step({x, y, sample_weight});
  step_functions().test(*this, {Batch(x, y, sample_weight)});
  return metric_results();
}

Tensor Model::predict_on_batch(const Tensor& x) {
  check_lengths("predict_on_batch", x, Tensor(), Tensor());
  if (run_eagerly_) return predict_step(x);
  return only_output(name(), step_functions().predict(*this, {x}, !several_io()));
}

// ------------------------------------------------------------------ data checks

bool Model::several_io() const { return graph_ && (graph_->inputs().size() > 1 || graph_->outputs().size() > 1); }

std::vector<std::string> Model::input_names() const {
  std::vector<std::string> names;
  if (graph_)
    for (const auto& layer : graph_->input_layers()) names.push_back(layer->name());
  return names;
}

std::vector<Tensor> Model::ordered(const char* what, const ModelData& data, bool inputs) const {
  // A model that is not Functional takes its inputs and targets as given, in order.
  const std::vector<std::string> names = !graph_ ? std::vector<std::string>{} : inputs ? input_names() : output_names();
  const char* kind = inputs ? "input" : "output";
  std::vector<Tensor> out = data.list;
  if (!data.named.empty()) {
    if (names.empty())
      throw ValueError(std::string(what) + ": the model '" + name() + "' has no named " + kind + "s; pass tensors");
    for (const auto& [key, t] : data.named)
      if (std::find(names.begin(), names.end(), key) == names.end())
        throw ValueError(std::string(what) + ": '" + key + "' is not one of the model's " + kind + "s");
    out.clear();
    for (const auto& n : names) {
      auto it = data.named.find(n);
      if (it == data.named.end()) throw ValueError(std::string(what) + ": no data for the " + kind + " '" + n + "'");
      out.push_back(it->second);
    }
  }
  // No targets (predict, or a train_step that needs none).
  if (!inputs && (out.empty() || (out.size() == 1 && !out[0].defined()))) return {};
  if (out.empty()) throw ValueError(std::string(what) + ": no input tensors were given");
  if (!names.empty() && out.size() != names.size())
    throw ValueError(std::string(what) + ": the model '" + name() + "' has " + std::to_string(names.size()) + " " + kind +
                     "s, got " + std::to_string(out.size()) + " tensors");
  if (names.size() > 1)
    for (std::size_t i = 0; i < out.size(); ++i)
      check_lengths(std::string(what) + " (" + kind + " '" + names[i] + "')", out[0], out[i], Tensor());
  return out;
}

void Model::check_labels(const char* what, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys) {
  // Sparse labels must index the model's outputs: checked before any training starts.
  heads_.check_labels(what, ys, [&](std::size_t i) -> std::int64_t {
    if (graph_) return graph_->outputs()[i].shape().back();
    Shape input = xs[0].shape();
    input[0] = -1;
    return compute_output_shape(input).back();
  });
}

void Model::check_batch(const char* what, const Batch& batch) {
  if (several_io()) {
    const auto inputs = input_names(), outputs = output_names();
    if (batch.xs.size() != inputs.size() || batch.ys.size() != outputs.size())
      throw ValueError(std::string(what) + ": the dataset's elements have " + std::to_string(batch.xs.size()) +
                       " input(s) and " + std::to_string(batch.ys.size()) + " target(s), but the model '" + name() +
                       "' has " + std::to_string(inputs.size()) + " inputs (" + joined(inputs) + ") and " +
                       std::to_string(outputs.size()) + " outputs (" + joined(outputs) +
                       "); make it with Dataset::from_tensor_slices(std::vector<Tensor>{...}, std::vector<Tensor>{...})");
  }
  check_labels(what, batch.xs, batch.ys);
}

// ------------------------------------------------------------------ fit

callbacks::History Model::fit(const ModelData& x, const ModelData& y, FitOptions options) {
  check_compiled("fit");
  auto xs = ordered("fit", x, true), ys = ordered("fit", y, false);
  Tensor sample_weight = options.sample_weight;
  check_lengths("fit", xs[0], first_or_none(ys), sample_weight);
  if (options.batch_size <= 0) throw ValueError("fit: batch_size must be positive, got " + std::to_string(options.batch_size));
  if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  if (num_samples(xs[0]) == 0)
    throw ValueError("fit: the training data is empty (x has shape " + xs[0].shape().to_string() + ")");
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
    validation = ValidationData(val_xs, val_ys, rows(sample_weight, split_at, total));
    sample_weight = rows(sample_weight, 0, split_at);
  }
  check_labels("fit", xs, ys);
  if (!options.class_weight.empty()) {
    Tensor from_classes = class_weights_for(options.class_weight, ys[0]);
    sample_weight = sample_weight.defined() ? sample_weight * from_classes : from_classes;
  }
  // Drawn even without shuffling, so that the global generator moves on alike either way.
  const std::uint64_t shuffle_seed = next_random_seed();
  const auto data = models::DataAdapter::from_tensors(
      xs, ys, sample_weight, options.batch_size, options.shuffle ? std::optional(shuffle_seed) : std::nullopt,
      options.steps_per_epoch);
  return run_fit(data, validation_pass(validation, options.batch_size), options);
}

callbacks::History Model::fit(const Dataset& dataset, FitOptions options) {
  check_compiled("fit");
  if (options.validation_split > 0.0)
    throw ValueError("fit: validation_split is not supported with a Dataset (it cannot be split); pass validation_data");
  if (options.sample_weight.defined() || !options.class_weight.empty())
    throw ValueError("fit: sample_weight and class_weight are not supported with a Dataset; put the sample weights "
                     "in the dataset (from_tensor_slices(x, y, sample_weight))");
  const auto data = models::DataAdapter::from_dataset(
      dataset, "fit", options.steps_per_epoch, [this](const Batch& batch) { check_batch("fit", batch); }, true);
  return run_fit(data, validation_pass(options.validation_data, options.batch_size), options);
}

std::function<Logs(callbacks::CallbackList&)> Model::validation_pass(const std::optional<ValidationData>& validation,
                                                                     std::int64_t batch_size) {
  if (!validation) return {};
  std::shared_ptr<const models::DataAdapter> data;
  if (validation->dataset) {
    data = std::make_shared<models::DataAdapter>(models::DataAdapter::from_dataset(*validation->dataset, "fit", std::nullopt));
  } else {
    const char* what = "fit (validation data)";
    const auto& v = *validation;
    if (several_io() && v.x.named.empty() && v.y.named.empty() && v.x.list.size() == 1 && v.y.list.size() <= 1)
      throw ValueError(std::string(what) + ": the model '" + name() +
                       "' has several inputs or outputs; pass validation_data as ValidationData{ModelData, ModelData}");
    const auto xs = ordered(what, v.x, true), ys = ordered(what, v.y, false);
    check_lengths(what, xs[0], first_or_none(ys), v.sample_weight);
    check_labels(what, xs, ys);
    data = std::make_shared<models::DataAdapter>(models::DataAdapter::from_tensors(xs, ys, v.sample_weight, batch_size));
  }
  return [this, data](callbacks::CallbackList& callbacks) {
    return run_evaluation(data->epoch(0), data->steps(), callbacks);
  };
}

callbacks::History Model::run_fit(const models::DataAdapter& data,
                                  const std::function<Logs(callbacks::CallbackList&)>& validate, const FitOptions& options) {
  if (options.epochs < 0) throw ValueError("fit: epochs must be non-negative, got " + std::to_string(options.epochs));
  // Keras's order: the user's callbacks, then History, then the progress bar.
  auto history = std::make_shared<callbacks::History>();
  std::vector<callbacks::CallbackPtr> list = options.callbacks;
  list.push_back(history);
  if (options.verbose > 0) list.push_back(callbacks::ProgbarLogger());
  const std::int64_t steps = data.steps();
  const callbacks::Params params{options.epochs, steps, options.verbose};
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
    models::BatchStream next_batch = data.epoch(epoch);
    for (std::int64_t step = 0; (steps < 0 || step < steps) && !stop_training; ++step) {
      auto batch = next_batch();
      if (!batch) {
        if (steps >= 0) {
          // Keras's behaviour when a dataset runs dry before steps_per_epoch * epochs batches.
          warn("Your input ran out of data; interrupting training. Make sure that your dataset can generate at least "
               "`steps_per_epoch * epochs` batches (use repeat()).");
          stop_training = true;
        }
        break;
      }
      if (epoch == start.epoch && step < start.step) continue;  // trained before the backup
      callbacks.on_train_batch_begin(step);
      Logs logs;
      if (run_eagerly_) {
        logs = train_step(*batch);
      } else {
        step_functions().train(*this, batch_group(std::move(*batch), next_batch, steps_per_execution_, steps, step));
        logs = metric_results();
      }
      callbacks.on_train_batch_end(step, logs);
    }
    epoch_logs = metric_results();
    if (validate && !stop_training)
      for (const auto& [k, v] : prefixed(validate(validation_callbacks), "val_")) epoch_logs[k] = v;
    // ReduceLROnPlateau / LearningRateScheduler put the rate in the logs in Keras.
    if (log_learning_rate) epoch_logs["learning_rate"] = optimizer_->learning_rate();
    callbacks.on_epoch_end(epoch, epoch_logs);
  }
  callbacks.on_train_end(epoch_logs);
  return *history;
}

// ------------------------------------------------------------------ evaluate and predict

Logs Model::evaluate(const ModelData& x, const ModelData& y, EvaluateOptions options) {
  check_compiled("evaluate");
  const auto xs = ordered("evaluate", x, true), ys = ordered("evaluate", y, false);
  check_lengths("evaluate", xs[0], first_or_none(ys), options.sample_weight);
  if (options.batch_size <= 0) throw ValueError("evaluate: batch_size must be positive");
  check_labels("evaluate", xs, ys);
  return run_evaluate(
      models::DataAdapter::from_tensors(xs, ys, options.sample_weight, options.batch_size, std::nullopt, options.steps),
      options);
}

Logs Model::evaluate(const Dataset& dataset, EvaluateOptions options) {
  check_compiled("evaluate");
  return run_evaluate(models::DataAdapter::from_dataset(dataset, "evaluate", options.steps,
                                                        [this](const Batch& batch) { check_batch("evaluate", batch); }),
                      options);
}

Logs Model::run_evaluation(const models::BatchStream& next_batch, std::int64_t steps, callbacks::CallbackList& callbacks) {
  reset_metrics();
  callbacks.on_test_begin();
  Logs logs;
  for (std::int64_t step = 0; steps < 0 || step < steps; ++step) {
    auto batch = next_batch();
    if (!batch) break;
    callbacks.on_test_batch_begin(step);
    if (run_eagerly_) {
      logs = test_step(*batch);
    } else {
      step_functions().test(*this, batch_group(std::move(*batch), next_batch, steps_per_execution_, steps, step));
      logs = metric_results();
    }
    callbacks.on_test_batch_end(step, logs);
  }
  logs = metric_results();
  callbacks.on_test_end(logs);
  return logs;
}

Logs Model::run_evaluate(const models::DataAdapter& data, const EvaluateOptions& options) {
  std::vector<callbacks::CallbackPtr> list = options.callbacks;
  if (options.verbose > 0) list.push_back(callbacks::ProgbarLogger());
  callbacks::CallbackList callbacks(list, this, {1, data.steps(), options.verbose});
  return run_evaluation(data.epoch(0), data.steps(), callbacks);
}

Tensor Model::predict(const ModelData& x, PredictOptions options) {
  return only_output(name(), predict_outputs(x, std::move(options)));
}

Tensor Model::predict(const Dataset& dataset, PredictOptions options) {
  return only_output(name(), predict_outputs(dataset, std::move(options)));
}

std::vector<Tensor> Model::predict_outputs(const ModelData& x, PredictOptions options) {
  const auto xs = ordered("predict", x, true);
  check_lengths("predict", xs[0], Tensor(), Tensor());
  if (options.batch_size <= 0) throw ValueError("predict: batch_size must be positive");
  if (num_samples(xs[0]) == 0) throw ValueError("predict: x is empty (shape " + xs[0].shape().to_string() + ")");
  return run_predict(models::DataAdapter::from_tensors(xs, {}, Tensor(), options.batch_size, std::nullopt, options.steps),
                     options);
}

std::vector<Tensor> Model::predict_outputs(const Dataset& dataset, PredictOptions options) {
  auto check = [this](const Batch& batch) {
    if (several_io() && batch.xs.size() != graph_->inputs().size())
      throw ValueError("predict: the dataset's elements have " + std::to_string(batch.xs.size()) +
                       " input(s) but the model '" + name() + "' has " + std::to_string(graph_->inputs().size()));
  };
  return run_predict(models::DataAdapter::from_dataset(dataset, "predict", options.steps, check), options);
}

std::vector<Tensor> Model::run_predict(const models::DataAdapter& data, const PredictOptions& options) {
  std::vector<callbacks::CallbackPtr> list = options.callbacks;
  if (options.verbose > 0) list.push_back(callbacks::ProgbarLogger());
  const std::int64_t steps = data.steps();
  callbacks::CallbackList callbacks(list, this, {1, steps, options.verbose});
  callbacks.on_predict_begin();
  std::vector<std::vector<Tensor>> per_output;  // [output][batch]
  auto next_batch = data.epoch(0);
  for (std::int64_t step = 0; steps < 0 || step < steps; ++step) {
    auto batch = next_batch();
    if (!batch) break;
    callbacks.on_predict_batch_begin(step);
    std::vector<Tensor> outs;
    if (!run_eagerly_) {
      outs = step_functions().predict(*this, batch->xs, !several_io() && batch->xs.size() == 1);
    } else if (several_io() || batch->xs.size() != 1) {
      autodiff::NoRecordScope no_record;
      outs = apply(batch->xs, false);
    } else {
      outs = {predict_step(batch->xs[0])};  // the override point of a model of one input
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

}  // namespace strata
