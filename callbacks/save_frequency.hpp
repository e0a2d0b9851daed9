#pragma once
// Keras's `save_freq` argument of ModelCheckpoint and BackupAndRestore: "epoch" (save at each
// epoch end) or a positive number of batches (save every that many training batches, counted
// across epochs).
//
//   st::callbacks::ModelCheckpoint("ckpt.h5", {.save_freq = "epoch"});
//   st::callbacks::ModelCheckpoint("ckpt.h5", {.save_freq = 100});
#include <cstdint>
#include <string>

namespace strata::callbacks {

class SaveFrequency {
 public:
  // "epoch"; any other text is Keras's ValueError.
  SaveFrequency(const char* text);
  SaveFrequency(const std::string& text);
  // A number of batches; it must be positive.
  SaveFrequency(int batches) : SaveFrequency(static_cast<std::int64_t>(batches)) {}
  SaveFrequency(std::int64_t batches);

  bool per_epoch() const { return batches_ == 0; }
  std::int64_t batches() const { return batches_; }
  std::string to_string() const { return per_epoch() ? "epoch" : std::to_string(batches_); }

 private:
  std::int64_t batches_ = 0;  // 0: "epoch"
};

// Counts training batches for a batch-based SaveFrequency (Keras's _should_save_on_batch).
class BatchSaveCounter {
 public:
  // Call at each train batch end; true when a save is due (the count then restarts).
  bool batch_done(const SaveFrequency& frequency) {
    if (frequency.per_epoch()) return false;
    if (++seen_ < frequency.batches()) return false;
    seen_ = 0;
    return true;
  }
  void reset() { seen_ = 0; }

 private:
  std::int64_t seen_ = 0;
};

}  // namespace strata::callbacks
