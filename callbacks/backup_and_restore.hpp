#pragma once
// BackupAndRestore, as keras.callbacks.BackupAndRestore: backs up the training state during fit,
// so that a run that was interrupted (killed, preempted) and started again continues where the
// last backup left it instead of from scratch.
//
//   model.fit(x, y, {.epochs = 20, .callbacks = {st::callbacks::BackupAndRestore("/tmp/backup")}});
//   model.fit(x, y, {.epochs = 20, .callbacks = {st::callbacks::BackupAndRestore("/tmp/backup", {.save_freq = 50})}});
//
// A backup is the model's weights with its optimizer state (a Keras 3 ".weights.h5" file) and the
// position in training: the epoch, and with a batch save_freq the batches of that epoch already
// done. At on_train_begin an existing backup is loaded and fit continues from that position
// (Model::resume_from: the epochs before are skipped, and so are the batches of the epoch that
// were already trained). The model must be built before fit.
//
// Each backup is atomic as a whole: the weights go to a new file "backup-<n>.weights.h5" (itself
// written atomically), then "training_metadata.json" — written atomically too — is switched to
// point at it, then the previous weights file is removed. A process killed at any moment leaves
// the last complete backup; stray files of an interrupted backup are removed at the next start.
// delete_checkpoint removes the backup at on_train_end (training finished, or stopped by a
// callback); the folder is removed when nothing else is left in it. Use one folder per run.
//
// Resuming reproduces the uninterrupted run exactly (the same weights, bit for bit, on the CPU)
// when fit trains on in-memory tensors with a fixed random seed: each epoch's shuffle depends only
// on fit's seed and the epoch. Random layers without a seed (Dropout) draw from the global
// generator, whose position is not part of the backup, so their masks differ after a restart.
#include <cstdint>
#include <memory>
#include <string>

#include "strata/callbacks/callback.hpp"
#include "strata/callbacks/save_frequency.hpp"

namespace strata::callbacks {

struct BackupAndRestoreOptions {
  SaveFrequency save_freq = "epoch";
  bool delete_checkpoint = true;
};

class BackupAndRestoreCallback : public Callback {
 public:
  explicit BackupAndRestoreCallback(std::string backup_dir, BackupAndRestoreOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  const std::string& backup_dir() const { return backup_dir_; }
  const BackupAndRestoreOptions& options() const { return options_; }
  // Whether the last on_train_begin restored a backup, and the position it restored.
  bool restored() const { return restored_; }
  int restored_epoch() const { return restored_epoch_; }
  std::int64_t restored_step() const { return restored_step_; }

  // The files inside backup_dir.
  static constexpr const char* kMetadataFile = "training_metadata.json";

 private:
  void backup();
  // Removes the files of earlier or interrupted backups, keeping `keep` and the metadata.
  void remove_stale_files(const std::string& keep) const;

  std::string backup_dir_;
  BackupAndRestoreOptions options_;
  int current_epoch_ = 0;          // the epoch in progress (or the next one after an epoch end)
  std::int64_t steps_done_ = 0;    // batches of current_epoch_ already trained
  std::int64_t last_batch_ = 0;    // Keras's _last_batch_seen, written for Keras's readers
  std::int64_t sequence_ = 0;      // the number of the next weights file
  std::string weights_file_;       // the current backup's weights file name ("" when none)
  BatchSaveCounter counter_;
  bool restored_ = false;
  int restored_epoch_ = 0;
  std::int64_t restored_step_ = 0;
};

std::shared_ptr<BackupAndRestoreCallback> BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options = {});

}  // namespace strata::callbacks
