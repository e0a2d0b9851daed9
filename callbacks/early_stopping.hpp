#pragma once
// EarlyStopping, as keras.callbacks.EarlyStopping: stops fit when `monitor` has stopped improving.
//
//   model.fit(x, y, {.epochs = 100, .validation_split = 0.1,
//                    .callbacks = {st::callbacks::EarlyStopping({.monitor = "val_loss", .patience = 3,
//                                                                .restore_best_weights = true})}});
//
// At each epoch end (from `start_from_epoch` on) the monitored value counts as an improvement when
// it beats the best by more than `min_delta`; after `patience` epochs without one (and not at epoch
// 0) it sets model()->stop_training. With `baseline`, the wait restarts only on values that also
// beat the baseline. `restore_best_weights` keeps model()->get_weights() of the best epoch and
// sets them back at on_train_end. mode "auto" decides the direction from the name (monitor.hpp).
// A monitor missing from the logs sends Keras's warning to strata::warn and changes nothing.
// verbose > 0 prints "Epoch 5: early stopping" (and the restore) to std::cout at on_train_end.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/callbacks/callback.hpp"
#include "strata/callbacks/monitor.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::callbacks {

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;  // its absolute value is used
  int patience = 0;
  int verbose = 0;
  std::string mode = "auto";  // "auto", "min" or "max"
  std::optional<double> baseline;
  bool restore_best_weights = false;
  int start_from_epoch = 0;
};

class EarlyStoppingCallback : public Callback {
 public:
  explicit EarlyStoppingCallback(EarlyStoppingOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  const EarlyStoppingOptions& options() const { return options_; }
  int wait() const { return wait_; }
  // The epoch at which training was stopped (0 when it was not).
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }
  // The best monitored value so far (±inf before the first one).
  double best() const { return best_; }

 private:
  bool is_improvement(double value, double reference) const;

  EarlyStoppingOptions options_;
  std::optional<MonitorDirection> direction_;  // decided at the first epoch end, as Keras
  double min_delta_;                           // signed: negative when minimizing
  double best_ = 0.0;
  int wait_ = 0;
  int stopped_epoch_ = 0;
  int best_epoch_ = 0;
  std::optional<std::vector<Tensor>> best_weights_;
};

std::shared_ptr<EarlyStoppingCallback> EarlyStopping(EarlyStoppingOptions options = {});

}  // namespace strata::callbacks
