#pragma once
// TerminateOnNaN, as keras.callbacks.TerminateOnNaN: after a training batch whose "loss" is NaN
// or infinite, prints "Batch 12: Invalid loss, terminating training" to std::cout and sets
// model()->stop_training (fit ends after that batch). With `raise_error` it throws strata::Error
// instead ("NaN or Inf loss encountered at batch 12. Loss value: nan. Terminating training
// immediately."), so no other callback's on_train_end runs.
#include <memory>

#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

struct TerminateOnNaNOptions {
  bool raise_error = false;
};

class TerminateOnNaNCallback : public Callback {
 public:
  explicit TerminateOnNaNCallback(TerminateOnNaNOptions options = {}) : options_(options) {}
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;

 private:
  TerminateOnNaNOptions options_;
};

std::shared_ptr<TerminateOnNaNCallback> TerminateOnNaN(TerminateOnNaNOptions options = {});

}  // namespace strata::callbacks
