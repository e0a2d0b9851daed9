#pragma once
// TensorBoard, as keras.callbacks.TensorBoard: logs for TensorBoard (or `strata board`) during fit.
//
//   model.fit(x, y, {.epochs = 10, .validation_split = 0.1,
//                    .callbacks = {st::callbacks::TensorBoard({.log_dir = "logs/run1"})}});
//   // then: tensorboard --logdir logs      or      strata board logs
//
// Layout as Keras: log_dir/train and log_dir/validation, one new event file each per fit
// (framework/summary). Scalars:
//   epoch_<metric>            train logs at each epoch end, step = epoch (0-based); validation
//                             values in validation/ under the same tag (no "val_" prefix), so both
//                             curves share a chart
//   epoch_learning_rate       the optimizer's rate; epoch_steps_per_second with write_steps_per_second
//   batch_<metric>            with update_freq "batch" or N: every N training batches, step = the
//                             optimizer's iterations (batch_steps_per_second with write_steps_per_second)
//   evaluation_<metric>_vs_iterations   validation/, at each evaluation's end, step = iterations
// histogram_freq = N: every N epochs, "<layer>/<weight>/histogram" for every weight (and with
// write_images "<layer>/<weight>/image": the weight as an image, as Keras shapes it).
// write_graph: the model's JSON config under the "graph_keras_model" plugin (tag "keras", step 0),
// which TensorBoard's graph tab draws as the conceptual graph (Sequential and Functional models).
//
// Steps continue across fit calls and across a run resumed by BackupAndRestore (the batch step is
// the optimizer's iteration count, which the backup restores); a run that starts past epoch 0 or
// batch 0 skips the steps its log_dir already holds, so a resumed curve has no duplicate points.
// Logging never stops training: a write that fails is a warning (strata::warn).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "strata/callbacks/callback.hpp"
#include "strata/framework/summary/summary.hpp"

namespace strata {
class Variable;
}

namespace strata::callbacks {

// Keras's update_freq: "epoch", "batch" (every batch) or a positive number of batches.
class UpdateFrequency {
 public:
  UpdateFrequency(const char* text) : UpdateFrequency(std::string(text)) {}
  UpdateFrequency(const std::string& text);
  UpdateFrequency(int batches) : UpdateFrequency(static_cast<std::int64_t>(batches)) {}
  UpdateFrequency(std::int64_t batches);
  bool per_epoch() const { return batches_ == 0; }
  std::int64_t batches() const { return batches_; }

 private:
  std::int64_t batches_ = 0;  // 0: "epoch"
};

struct TensorBoardOptions {
  std::string log_dir = "logs";
  int histogram_freq = 0;
  bool write_graph = true;
  bool write_images = false;
  bool write_steps_per_second = false;
  UpdateFrequency update_freq = "epoch";
};

class TensorBoardCallback : public Callback {
 public:
  explicit TensorBoardCallback(TensorBoardOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_test_end(const Logs& logs) override;

  const TensorBoardOptions& options() const { return options_; }

 private:
  enum class Run { kTrain, kValidation };
  summary::SummaryWriter& writer(Run run);
  // Writes unless a resumed run finds the step already logged; failures become one warning.
  void scalar(Run run, const std::string& tag, double value, std::int64_t step);
  bool already_logged(Run run, const std::string& tag, std::int64_t step);
  void start_run_if_needed();
  void write_graph();
  void log_weights(int epoch);
  void log_weight_image(const std::string& tag, const Variable& weight, int epoch);
  void flush();
  void warn_once(const std::string& message);
  std::int64_t iterations() const;

  TensorBoardOptions options_;
  std::map<Run, summary::SummaryWriter> writers_;
  // Per run, the last step of each tag in the files already there (filled when a run resumes).
  std::map<Run, std::map<std::string, std::int64_t>> logged_;
  bool run_started_ = false;
  std::optional<int> first_epoch_;
  std::optional<std::int64_t> first_batch_;
  std::int64_t base_iterations_ = 0;  // the optimizer's iterations before this fit's first batch
  std::int64_t batches_done_ = 0;     // training batches in this fit
  std::chrono::steady_clock::time_point epoch_start_, batch_start_;
  std::int64_t epoch_start_iterations_ = 0;
  bool warned_ = false;
};

std::shared_ptr<TensorBoardCallback> TensorBoard(TensorBoardOptions options = {});

}  // namespace strata::callbacks
