#include "strata/callbacks/callbacks.hpp"

namespace strata::callbacks {

bool adds_learning_rate_to_logs(const std::vector<CallbackPtr>& callbacks) {
  for (const auto& callback : callbacks)
    if (dynamic_cast<const ReduceLROnPlateauCallback*>(callback.get()) ||
        dynamic_cast<const LearningRateSchedulerCallback*>(callback.get()))
      return true;
  return false;
}

}  // namespace strata::callbacks
