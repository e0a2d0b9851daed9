#pragma once
// LambdaCallback, as keras.callbacks.LambdaCallback: a callback made of functions, one optional
// member per hook (an empty one does nothing).
//
//   st::callbacks::LambdaCallback({
//       .on_epoch_end = [](int epoch, const st::callbacks::Logs& logs) { std::cout << epoch << " " << logs.at("loss") << "\n"; },
//       .on_train_end = [](const st::callbacks::Logs&) { std::cout << "done\n"; }})
#include <cstdint>
#include <functional>
#include <memory>

#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

struct LambdaCallbackOptions {
  using LogsHook = std::function<void(const Logs& logs)>;
  using EpochHook = std::function<void(int epoch, const Logs& logs)>;
  using BatchHook = std::function<void(std::int64_t batch, const Logs& logs)>;

  // Keras's own arguments first, then every other hook.
  EpochHook on_epoch_begin;
  EpochHook on_epoch_end;
  LogsHook on_train_begin;
  LogsHook on_train_end;
  BatchHook on_train_batch_begin;
  BatchHook on_train_batch_end;
  LogsHook on_test_begin;
  LogsHook on_test_end;
  BatchHook on_test_batch_begin;
  BatchHook on_test_batch_end;
  LogsHook on_predict_begin;
  LogsHook on_predict_end;
  BatchHook on_predict_batch_begin;
  BatchHook on_predict_batch_end;
};

// The class behind LambdaCallback() (Keras's class name is taken by the factory).
class LambdaCallbackImpl : public Callback {
 public:
  explicit LambdaCallbackImpl(LambdaCallbackOptions hooks) : hooks_(std::move(hooks)) {}

  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  void on_train_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_test_begin(const Logs& logs) override;
  void on_test_end(const Logs& logs) override;
  void on_test_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_test_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_predict_begin(const Logs& logs) override;
  void on_predict_end(const Logs& logs) override;
  void on_predict_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_predict_batch_end(std::int64_t batch, const Logs& logs) override;

  const LambdaCallbackOptions& hooks() const { return hooks_; }

 private:
  LambdaCallbackOptions hooks_;
};

std::shared_ptr<LambdaCallbackImpl> LambdaCallback(LambdaCallbackOptions hooks);

}  // namespace strata::callbacks
