#pragma once
// strata::Model: a Layer that trains. compile() chooses the optimizer, loss and metrics; fit /
// evaluate / predict run the Keras loop (batches, callbacks, logs); train_step / test_step are the
// per-batch work and can be overridden by a subclass.
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "strata/callbacks/callback.hpp"
#include "strata/framework/data/dataset.hpp"
#include "strata/layers/layer.hpp"
#include "strata/models/compile_utils.hpp"
#include "strata/models/data_adapter.hpp"
#include "strata/models/saving/saving.hpp"

namespace strata {

namespace models {
class StepFunctions;
}
namespace callbacks {
class History;
}

using callbacks::Logs;

class FunctionalGraph;

// The inputs or outputs of a Functional model: one symbolic tensor or several.
struct SymbolicTensors {
  SymbolicTensors(const Tensor& tensor) : tensors{tensor} {}
  SymbolicTensors(std::vector<Tensor> list) : tensors(std::move(list)) {}
  SymbolicTensors(std::initializer_list<Tensor> list) : tensors(list) {}
  std::vector<Tensor> tensors;
};

struct ModelOptions {
  std::string name;
};

using NamedTensors = std::map<std::string, Tensor>;

// x or y of fit / evaluate / predict: one tensor, tensors in the model's order ({x_image, x_meta}),
// or by input / output name ({{"image", x_image}, {"meta", x_meta}}), as Keras's fit(x, y).
struct ModelData {
  ModelData() = default;
  ModelData(const Tensor& tensor) : list{tensor} {}
  ModelData(std::vector<Tensor> tensors) : list(std::move(tensors)) {}
  ModelData(std::initializer_list<Tensor> tensors) : list(tensors) {}
  ModelData(std::map<std::string, Tensor> by_name) : named(std::move(by_name)) {}
  std::vector<Tensor> list;
  std::map<std::string, Tensor> named;
};

// fit's validation_data: x and y as fit takes them ({x_val, y_val}), or a Dataset of batches.
struct ValidationData {
  ValidationData(ModelData x, ModelData y, Tensor sample_weight = {})
      : x(std::move(x)), y(std::move(y)), sample_weight(std::move(sample_weight)) {}
  ValidationData(Dataset dataset) : dataset(std::move(dataset)) {}
  ModelData x, y;
  Tensor sample_weight;
  std::optional<Dataset> dataset;
};

struct FitOptions {
  int epochs = 1;
  std::int64_t batch_size = 32;
  double validation_split = 0.0;  // the last fraction of x / y, taken before shuffling (as Keras)
  std::optional<ValidationData> validation_data;
  bool shuffle = true;
  std::map<std::int64_t, double> class_weight;
  Tensor sample_weight;
  int initial_epoch = 0;
  std::optional<std::int64_t> steps_per_epoch;
  std::vector<callbacks::CallbackPtr> callbacks;
  int verbose = 1;  // 0 silent, 1 progress bar, 2 one line per epoch
};

struct EvaluateOptions {
  std::int64_t batch_size = 32;
  Tensor sample_weight;
  std::optional<std::int64_t> steps;
  std::vector<callbacks::CallbackPtr> callbacks;
  int verbose = 1;
};

struct PredictOptions {
  std::int64_t batch_size = 32;
  std::optional<std::int64_t> steps;
  std::vector<callbacks::CallbackPtr> callbacks;
  int verbose = 0;
};

class Model : public Layer {
 public:
  explicit Model(std::string name = "", DType dtype = float32);
  // A Functional model: the layers called from `inputs` (Input() tensors) to `outputs`. The graph
  // is checked now: an output that does not depend only on the inputs is a ValueError.
  Model(SymbolicTensors inputs, SymbolicTensors outputs, ModelOptions options = {});
  ~Model() override;

  // --- Functional models (empty / nullptr for others) ---
  bool is_functional() const { return graph_ != nullptr; }
  const std::shared_ptr<FunctionalGraph>& graph() const { return graph_; }
  const std::vector<Tensor>& inputs() const;
  const std::vector<Tensor>& outputs() const;
  // The names of the layers producing the outputs (Keras's output_names: the keys of per-output
  // losses, metrics and logs).
  std::vector<std::string> output_names() const;
  // Keras's model.layers: the graph's layers (InputLayers included) for a Functional model, the
  // tracked sub-layers otherwise.
  virtual std::vector<LayerPtr> layers() const;
  virtual LayerPtr get_layer(const std::string& name) const;

  Tensor call(const Tensor& inputs, bool training) override;
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  using Layer::call;
  Shape compute_output_shape(const Shape& input_shape) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  // A Functional model runs its graph with the input's mask and keeps its outputs' masks.
  std::vector<Tensor> call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) override;
  // The mask of the first output of the last call (so a model inside a model passes it on).
  Tensor compute_mask(const std::vector<Tensor>& inputs, const Tensor& mask) override;
  // The masks of the outputs of the last concrete call, one per output (undefined where none; empty
  // for a subclassed model): what Keras carries on y_pred as _keras_mask. train_step and test_step
  // read them after the forward pass and pass them to the losses and metrics.
  const std::vector<Tensor>& output_masks() const { return output_masks_; }
  std::string class_name() const override;
  // Functional models: Keras's config (layers with their inbound nodes, input_layers, output_layers).
  Config get_config() const override;

  void compile(CompileOptions options);
  bool compiled() const { return compiled_; }

  // x / y: a tensor, a list of tensors in the model's order or a mapping by input / output name
  // (class_weight only with one output, as Keras).
  callbacks::History fit(const ModelData& x, const ModelData& y, FitOptions options = {});
  Logs evaluate(const ModelData& x, const ModelData& y, EvaluateOptions options = {});
  // The model's only output (a model with several is told to call predict_outputs).
  Tensor predict(const ModelData& x, PredictOptions options = {});
  // Every output of the model, in its order (Keras's predict on a model with several outputs).
  std::vector<Tensor> predict_outputs(const ModelData& x, PredictOptions options = {});
  // The same on a Dataset of batches (Keras: batch_size is then the dataset's; steps_per_epoch /
  // steps default to its cardinality and are required when it is infinite). A model with several
  // inputs or outputs reads Example::xs / ys
  // (Dataset::from_tensor_slices(std::vector<Tensor>{...}, std::vector<Tensor>{...})).
  callbacks::History fit(const Dataset& dataset, FitOptions options = {});
  Logs evaluate(const Dataset& dataset, EvaluateOptions options = {});
  Tensor predict(const Dataset& dataset, PredictOptions options = {});
  std::vector<Tensor> predict_outputs(const Dataset& dataset, PredictOptions options = {});

  Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {});
  Logs test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {});
  Tensor predict_on_batch(const Tensor& x);

  // One optimisation step on a batch; returns the running metrics (loss first among them).
  virtual Logs train_step(const Batch& batch);
  virtual Logs test_step(const Batch& batch);
  virtual Tensor predict_step(const Tensor& x);

  // The training loss of a batch of a model with one output: the compiled loss plus every
  // regularization loss. y_pred_mask is the output's mask (output_masks()[0]): masked entries do not
  // count, as in Keras. (A model with several outputs sums its outputs' weighted losses.)
  virtual Tensor compute_loss(const Batch& batch, const Tensor& y_pred, const Tensor& y_pred_mask = {});

  // Keras's table: layer (type), output shape, params; then total / trainable / non-trainable.
  virtual void summary(std::ostream& out) const;
  void summary() const;

  const std::shared_ptr<optimizers::Optimizer>& optimizer() const { return optimizer_; }
  // Whether fit / evaluate / predict run the steps as plain C++ rather than traced (compile's option).
  bool run_eagerly() const { return run_eagerly_; }
  void set_run_eagerly(bool value);
  // Forgets the traced steps (they are traced again on next use): after the model's layers change.
  void reset_step_functions();
  // Signatures traced so far by the "train", "test" or "predict" step function.
  int step_trace_count(const std::string& kind) const;
  const std::shared_ptr<losses::Loss>& loss() const { return heads_.loss(); }
  // The loss tracker and the compiled metrics, in the order they appear in the logs.
  std::vector<std::shared_ptr<metrics::Metric>> metrics() const;
  void reset_metrics();

  // The metrics as passed to compile() (names or objects).
  const std::vector<MetricRef>& metric_specs() const { return heads_.metric_specs(); }

  // --- saving (models/saving/saving.hpp) ---
  // The whole model as a Keras HDF5 file: model_config, training_config, weights, optimizer state.
  // {.keras2 = true}: a legacy .h5 in tf.keras 2 form (models/saving/saving.hpp).
  void save(const std::string& path, const SaveOptions& options = {}) const;
  // ".weights.h5": Keras 3 layout; any other name: Keras 2's legacy weights-only layout.
  void save_weights(const std::string& path, const SaveOptions& options = {}) const;
  // Legacy .h5 (weights-only or full model) or Keras 3 .weights.h5, told apart by content.
  void load_weights(const std::string& path, const LoadWeightsOptions& options = {});
  // The architecture as Keras's to_json (model_from_json reads it back).
  std::string to_json(const SaveOptions& options = {}) const;

  // Set by a callback (EarlyStopping, TerminateOnNaN) to end fit after the current batch / epoch.
  bool stop_training = false;

  // Where fit starts when a callback sets it in on_train_begin (BackupAndRestore restoring a
  // backup; Keras's _initial_epoch): the epoch, and the batches of that epoch already trained,
  // which fit draws from the data but skips. fit clears it.
  struct ResumePoint {
    int epoch = 0;
    std::int64_t step = 0;
  };
  std::optional<ResumePoint> resume_from;

 protected:
  // The metrics' current results, named as Keras logs them (nothing while a step is traced: fit reads
  // them after each traced step).
  Logs metric_results() const;
  // Resolves "accuracy"-style names once the shapes of y and y_pred are known.
  void build_metrics(const Tensor& y, const Tensor& y_pred);
  // Adds a batch of a model with one output to the loss tracker and the compiled metrics
  // (mean-wrapper metrics weight by y_pred_mask, as Keras).
  void update_metrics(const Batch& batch, const Tensor& loss, const Tensor& y_pred, const Tensor& y_pred_mask = {});

  // Set by call_with_mask (here and in Sequential): see output_masks().
  std::vector<Tensor> output_masks_;

 private:
  void check_compiled(const char* what) const;
  models::StepFunctions& step_functions();
  // x / y as the model's inputs and targets in its order, their lengths checked.
  std::vector<Tensor> ordered(const char* what, const ModelData& data, bool inputs) const;
  std::vector<std::string> input_names() const;
  // A Functional model with more than one input or output (compiled or not).
  bool several_io() const;
  // Sparse labels of each output with a sparse categorical loss are in range.
  void check_labels(const char* what, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys);
  // Checks a batch of a Dataset before it is used: its number of inputs / targets and label ranges.
  void check_batch(const char* what, const Batch& batch);
  // The loss of a batch: compute_loss for a model of one output, the heads' weighted sum otherwise.
  Tensor total_loss(const Batch& batch, const std::vector<Tensor>& y_preds, const std::vector<Tensor>& masks);
  Tensor with_regularization(Tensor loss);
  callbacks::History run_fit(const models::DataAdapter& data, const std::function<Logs(callbacks::CallbackList&)>& validate,
                             const FitOptions& options);
  // The validation pass of fit (empty when there is no validation data); checks the data now.
  std::function<Logs(callbacks::CallbackList&)> validation_pass(const std::optional<ValidationData>& validation,
                                                                std::int64_t batch_size);
  // One pass of test_step over `steps` batches (-1: until the stream ends).
  Logs run_evaluation(const models::BatchStream& next_batch, std::int64_t steps, callbacks::CallbackList& callbacks);
  Logs run_evaluate(const models::DataAdapter& data, const EvaluateOptions& options);
  // One tensor per output, the batches' predictions concatenated.
  std::vector<Tensor> run_predict(const models::DataAdapter& data, const PredictOptions& options);

  std::shared_ptr<FunctionalGraph> graph_;
  std::shared_ptr<models::StepFunctions> step_functions_;   // the traced steps
  bool run_eagerly_ = false;
  int steps_per_execution_ = 1;
  bool functional_ = false;  // set before the graph is made, so that the auto name is "functional"
  bool compiled_ = false;
  std::shared_ptr<optimizers::Optimizer> optimizer_;
  models::OutputHeads heads_;  // the compiled losses and metrics
};

}  // namespace strata
