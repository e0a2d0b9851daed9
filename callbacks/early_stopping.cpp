#include "strata/callbacks/early_stopping.hpp"

#include <cmath>
#include <iostream>
#include <limits>

#include "strata/framework/warnings.hpp"
#include "strata/models/model.hpp"

namespace strata::callbacks {

namespace {
std::string joined_keys(const Logs& logs) {
  std::string out;
  for (const auto& [key, value] : logs) out += (out.empty() ? "" : ",") + key;
  return out;
}
}  // namespace

EarlyStoppingCallback::EarlyStoppingCallback(EarlyStoppingOptions options) : options_(std::move(options)) {
  options_.mode = checked_monitor_mode(options_.mode,
                                       "EarlyStopping mode " + options_.mode + " is unknown, fallback to auto mode.");
  options_.min_delta = std::abs(options_.min_delta);
  min_delta_ = options_.min_delta;
}

void EarlyStoppingCallback::on_train_begin(const Logs&) {
  // Instances can be reused.
  wait_ = 0;
  stopped_epoch_ = 0;
  best_weights_.reset();
  best_epoch_ = 0;
}

bool EarlyStoppingCallback::is_improvement(double value, double reference) const {
  return *direction_ == MonitorDirection::minimize ? value - min_delta_ < reference : value - min_delta_ > reference;
}

void EarlyStoppingCallback::on_epoch_end(int epoch, const Logs& logs) {
  if (!direction_) {
    // Decided once the logs exist, as Keras; the best value starts at ±inf.
    direction_ = monitor_direction(options_.monitor, options_.mode, "EarlyStopping");
    min_delta_ = *direction_ == MonitorDirection::minimize ? -options_.min_delta : options_.min_delta;
    best_ = *direction_ == MonitorDirection::minimize ? std::numeric_limits<double>::infinity()
                                                      : -std::numeric_limits<double>::infinity();
  }
  auto found = logs.find(options_.monitor);
  if (found == logs.end()) {
    warn("Early stopping conditioned on metric `" + options_.monitor +
         "` which is not available. Available metrics are: " + joined_keys(logs));
    return;
  }
  if (epoch < options_.start_from_epoch) return;
  const double current = found->second;

  if (options_.restore_best_weights && !best_weights_) {
    // Never set: the current weights are the best.
    best_weights_ = model()->get_weights();
    best_epoch_ = epoch;
  }
  ++wait_;
  if (is_improvement(current, best_)) {
    best_ = current;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = model()->get_weights();
    // The wait restarts only when the value beats both the baseline and the previous best.
    if (!options_.baseline || is_improvement(current, *options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    model()->stop_training = true;
  }
}

void EarlyStoppingCallback::on_train_end(const Logs&) {
  if (stopped_epoch_ > 0 && options_.verbose > 0) std::cout << "Epoch " << stopped_epoch_ + 1 << ": early stopping\n";
  if (options_.restore_best_weights && best_weights_) {
    if (options_.verbose > 0)
      std::cout << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << ".\n";
    model()->set_weights(*best_weights_);
  }
  std::cout.flush();
}

std::shared_ptr<EarlyStoppingCallback> EarlyStopping(EarlyStoppingOptions options) {
  return std::make_shared<EarlyStoppingCallback>(std::move(options));
}

}  // namespace strata::callbacks
