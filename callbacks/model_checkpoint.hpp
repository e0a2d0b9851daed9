#pragma once
// ModelCheckpoint, as keras.callbacks.ModelCheckpoint: saves the model (or its weights) during fit.
//
//   st::callbacks::ModelCheckpoint("ckpt/model.{epoch:02d}-{val_loss:.2f}.h5")
//   st::callbacks::ModelCheckpoint("best.weights.h5", {.monitor = "val_accuracy", .verbose = 1,
//                                                      .save_best_only = true, .save_weights_only = true})
//   st::callbacks::ModelCheckpoint("ckpt/b{batch:04d}.h5", {.save_freq = 100})
//
// `filepath` is a Python format string: {epoch} (1-based), {batch} (1-based, with a batch
// save_freq) and any key of the logs ({val_loss:.2f}, {accuracy:.3f}) — a field the logs lack
// is Keras's error naming it. save_weights_only saves model()->save_weights(path) (the path must
// end in ".h5": ".weights.h5" is Keras 3's layout, another ".h5" the legacy one), otherwise
// model()->save(path) (".h5", or ".keras" where that format is available). Missing folders are
// created; every write is atomic (models/saving).
//
// With save_best_only, the file is written only when `monitor` improves on the best so far
// (`initial_value_threshold` when given, else ±inf): mode "min" / "max", or "auto" deciding from
// the name (monitor.hpp). A monitor missing from the logs prints Keras's warning and skips the
// save. verbose > 0 prints Keras 3's lines to std::cout:
//   "\nEpoch 3: val_loss improved from 0.52310 to 0.41234, saving model to ckpt.h5"
//   "\nEpoch 4: val_loss did not improve from 0.41234"
//   "\nEpoch 5: saving model to ckpt.h5"                (without save_best_only)
// save_freq (save_frequency.hpp): "epoch" saves at each epoch end with the epoch's logs; N saves
// every N batches with the batch's logs (the running metrics of the epoch so far).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "strata/callbacks/callback.hpp"
#include "strata/callbacks/monitor.hpp"
#include "strata/callbacks/save_frequency.hpp"

namespace strata::callbacks {

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  bool save_weights_only = false;
  std::string mode = "auto";  // "auto", "min" or "max"
  SaveFrequency save_freq = "epoch";
  std::optional<double> initial_value_threshold;
};

class ModelCheckpointCallback : public Callback {
 public:
  explicit ModelCheckpointCallback(std::string filepath, ModelCheckpointOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;

  const std::string& filepath() const { return filepath_; }
  const ModelCheckpointOptions& options() const { return options_; }
  // The best monitored value so far (initial_value_threshold or ±inf before the first).
  double best() const { return best_; }
  // The path of the last file written (empty before the first save).
  const std::string& last_saved() const { return last_saved_; }
  // The path `filepath` gives for this epoch / batch (0-based) and logs.
  std::string file_path(int epoch, std::optional<std::int64_t> batch, const Logs& logs) const;

 private:
  void save(int epoch, std::optional<std::int64_t> batch, const Logs& logs);
  bool should_save(int epoch, const Logs& logs, const std::string& path);

  std::string filepath_;
  ModelCheckpointOptions options_;
  std::optional<MonitorDirection> direction_;  // decided at the first best-only check
  double best_ = 0.0;
  int current_epoch_ = 0;
  BatchSaveCounter counter_;
  std::string last_saved_;
};

std::shared_ptr<ModelCheckpointCallback> ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});

}  // namespace strata::callbacks
