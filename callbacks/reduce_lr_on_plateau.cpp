#include "strata/callbacks/reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <iostream>
#include <limits>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/callbacks/monitor.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/warnings.hpp"
#include "strata/models/model.hpp"
#include "strata/optimizers/optimizer.hpp"

namespace strata::callbacks {

ReduceLROnPlateauCallback::ReduceLROnPlateauCallback(ReduceLROnPlateauOptions options) : options_(std::move(options)) {
  if (options_.factor >= 1.0)
    throw ValueError("ReduceLROnPlateau does not support a factor >= 1.0. Received factor=" +
                     detail::python_repr(options_.factor));
  reset();
}

void ReduceLROnPlateauCallback::reset() {
  options_.mode = checked_monitor_mode(
      options_.mode, "Learning rate reduction mode " + options_.mode + " is unknown, fallback to auto mode.");
  maximize_ = options_.mode == "max" || (options_.mode == "auto" && options_.monitor.find("acc") != std::string::npos);
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  cooldown_counter_ = 0;
  wait_ = 0;
}

void ReduceLROnPlateauCallback::on_train_begin(const Logs&) { reset(); }

bool ReduceLROnPlateauCallback::is_improvement(double value, double best) const {
  return maximize_ ? value > best + options_.min_delta : value < best - options_.min_delta;
}

void ReduceLROnPlateauCallback::on_epoch_end(int epoch, const Logs& logs) {
  auto found = logs.find(options_.monitor);
  if (found == logs.end()) {
    std::string keys;
    for (const auto& [key, value] : logs) keys += (keys.empty() ? "" : ",") + key;
    warn("Learning rate reduction is conditioned on metric `" + options_.monitor +
         "` which is not available. Available metrics are: " + keys + ".");
    return;
  }
  const double current = found->second;
  if (in_cooldown()) {
    --cooldown_counter_;
    wait_ = 0;
  }
  if (is_improvement(current, best_)) {
    best_ = current;
    wait_ = 0;
    return;
  }
  if (in_cooldown()) return;
  if (++wait_ < options_.patience) return;

  auto& optimizer = model()->optimizer();
  if (!optimizer) throw ValueError("ReduceLROnPlateau needs a compiled model: the model has no optimizer.");
  const double old_lr = optimizer->learning_rate();
  // Keras compares with min_lr as float32.
  if (old_lr > static_cast<double>(static_cast<float>(options_.min_lr))) {
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    optimizer->set_learning_rate(new_lr);
    // Keras prints the product it computed; we print the rate the optimizer now holds (its float32
    // value in shortest form: "0.001", where Keras shows "0.0009999999776482583").
    if (options_.verbose > 0)
      std::cout << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to "
                << detail::python_repr(optimizer->learning_rate()) << "." << std::endl;
    cooldown_counter_ = options_.cooldown;
    wait_ = 0;
  }
}

std::shared_ptr<ReduceLROnPlateauCallback> ReduceLROnPlateau(ReduceLROnPlateauOptions options) {
  return std::make_shared<ReduceLROnPlateauCallback>(std::move(options));
}

}  // namespace strata::callbacks
