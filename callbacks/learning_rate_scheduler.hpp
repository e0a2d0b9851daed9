#pragma once
// LearningRateScheduler, as keras.callbacks.LearningRateScheduler: at each epoch begin, sets the
// optimizer's learning rate to schedule(epoch, current learning rate) (epoch 0-based).
//
//   st::callbacks::LearningRateScheduler([](int epoch, double lr) { return epoch < 10 ? lr : lr * std::exp(-0.1); })
//
// A schedule of the epoch alone (Keras's old API) works too. verbose > 0 prints
// "\nEpoch 3: LearningRateScheduler setting learning rate to 0.001." to std::cout.
// Keras also writes logs["learning_rate"] at each epoch end; logs are const here, so fit adds it
// (see adds_learning_rate_to_logs in callbacks.hpp).
#include <functional>
#include <memory>

#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

class LearningRateSchedulerCallback : public Callback {
 public:
  using Schedule = std::function<double(int epoch, double learning_rate)>;
  explicit LearningRateSchedulerCallback(Schedule schedule, int verbose = 0);

  void on_epoch_begin(int epoch, const Logs& logs) override;

  int verbose() const { return verbose_; }

 private:
  Schedule schedule_;
  int verbose_;
};

std::shared_ptr<LearningRateSchedulerCallback> LearningRateScheduler(
    std::function<double(int epoch, double learning_rate)> schedule, int verbose = 0);
std::shared_ptr<LearningRateSchedulerCallback> LearningRateScheduler(std::function<double(int epoch)> schedule,
                                                                     int verbose = 0);

}  // namespace strata::callbacks
