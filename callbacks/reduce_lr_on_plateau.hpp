#pragma once
// ReduceLROnPlateau, as keras.callbacks.ReduceLROnPlateau: multiplies the optimizer's learning rate
// by `factor` after `patience` epochs without improvement of `monitor`, then waits `cooldown`
// epochs; never below `min_lr`.
//
//   st::callbacks::ReduceLROnPlateau({.monitor = "val_loss", .factor = 0.2, .patience = 5, .min_lr = 0.001})
//
// Improvement: value < best - min_delta (mode "min"), value > best + min_delta ("max"); mode "auto"
// is "max" when the monitor's name contains "acc", else "min" (Keras's rule for this callback).
// Reads and sets model()->optimizer()->learning_rate(). verbose > 0 prints
// "\nEpoch 7: ReduceLROnPlateau reducing learning rate to 0.001." to std::cout (the rate the
// optimizer holds afterwards). A monitor missing
// from the logs sends Keras's warning to strata::warn.
//
// Keras also writes logs["learning_rate"] at each epoch end; logs are const here, so fit adds it
// (see adds_learning_rate_to_logs in callbacks.hpp).
#include <memory>
#include <string>

#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;  // must be < 1 (ValueError otherwise)
  int patience = 10;
  int verbose = 0;
  std::string mode = "auto";  // "auto", "min" or "max"
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
};

class ReduceLROnPlateauCallback : public Callback {
 public:
  explicit ReduceLROnPlateauCallback(ReduceLROnPlateauOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;

  const ReduceLROnPlateauOptions& options() const { return options_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  int wait() const { return wait_; }
  int cooldown_counter() const { return cooldown_counter_; }
  double best() const { return best_; }

 private:
  void reset();
  bool is_improvement(double value, double best) const;

  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  double best_ = 0.0;
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

std::shared_ptr<ReduceLROnPlateauCallback> ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});

}  // namespace strata::callbacks
