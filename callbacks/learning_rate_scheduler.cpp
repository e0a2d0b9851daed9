#include "strata/callbacks/learning_rate_scheduler.hpp"

#include <iostream>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/framework/errors.hpp"
#include "strata/models/model.hpp"
#include "strata/optimizers/optimizer.hpp"

namespace strata::callbacks {

LearningRateSchedulerCallback::LearningRateSchedulerCallback(Schedule schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  if (!schedule_) throw ValueError("LearningRateScheduler: the schedule is empty.");
}

void LearningRateSchedulerCallback::on_epoch_begin(int epoch, const Logs&) {
  auto& optimizer = model()->optimizer();
  if (!optimizer) throw ValueError("LearningRateScheduler needs a compiled model: the model has no optimizer.");
  const double learning_rate = schedule_(epoch, optimizer->learning_rate());
  optimizer->set_learning_rate(learning_rate);
  if (verbose_ > 0)
    std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to "
              << detail::python_repr(learning_rate) << "." << std::endl;
}

std::shared_ptr<LearningRateSchedulerCallback> LearningRateScheduler(
    std::function<double(int epoch, double learning_rate)> schedule, int verbose) {
  return std::make_shared<LearningRateSchedulerCallback>(std::move(schedule), verbose);
}

std::shared_ptr<LearningRateSchedulerCallback> LearningRateScheduler(std::function<double(int epoch)> schedule,
                                                                     int verbose) {
  if (!schedule) throw ValueError("LearningRateScheduler: the schedule is empty.");
  return std::make_shared<LearningRateSchedulerCallback>(
      [schedule = std::move(schedule)](int epoch, double) { return schedule(epoch); }, verbose);
}

}  // namespace strata::callbacks
