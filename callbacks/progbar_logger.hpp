#pragma once
// ProgbarLogger, as keras.callbacks.ProgbarLogger: the progress bar of fit / evaluate / predict.
// fit adds one when verbose > 0 (after the user's callbacks and History). It reads `verbose`,
// `epochs` and `steps` from the params (captured at on_train_begin, and at on_test_begin /
// on_predict_begin outside fit), prints "Epoch 3/10" when there is more than one epoch, draws a
// Progbar (progbar.hpp) per epoch from the running batch logs, and finishes it with the epoch logs
// (train and val_ values). Inside fit the validation hooks draw nothing, as Keras.
//
//   Epoch 1/10
//   469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.8264 - loss: 0.4951 - val_accuracy: 0.8512 - val_loss: 0.4102
//
// Writes to std::cout by default; `stream` redirects it, `interactive` forces the in-place
// terminal drawing on or off (default: whether the stream is a terminal).
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>

#include "strata/callbacks/callback.hpp"
#include "strata/callbacks/progbar.hpp"

namespace strata::callbacks {

struct ProgbarLoggerOptions {
  std::ostream* stream = nullptr;       // null: std::cout
  std::optional<bool> interactive;      // unset: whether the stream is a terminal
  double interval = 0.05;               // seconds between two redraws on a terminal
  std::function<double()> clock;        // seconds; unset: std::chrono::steady_clock (for tests)
};

class ProgbarLoggerCallback : public Callback {
 public:
  explicit ProgbarLoggerCallback(ProgbarLoggerOptions options = {});
  explicit ProgbarLoggerCallback(std::ostream& stream, std::optional<bool> interactive = std::nullopt);

  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_test_begin(const Logs& logs) override;
  void on_test_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_test_end(const Logs& logs) override;
  void on_predict_begin(const Logs& logs) override;
  void on_predict_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_predict_end(const Logs& logs) override;

 private:
  void capture_params();
  void reset_progbar();
  void maybe_init_progbar();
  void update_progbar(std::int64_t batch, const Logs& logs);
  void finalize_progbar(const Logs& logs);

  ProgbarLoggerOptions options_;
  std::optional<Progbar> progbar_;
  std::int64_t seen_ = 0;
  std::optional<std::int64_t> target_;
  int verbose_ = 1;
  int epochs_ = 1;
  bool called_in_fit_ = false;
};

std::shared_ptr<ProgbarLoggerCallback> ProgbarLogger(ProgbarLoggerOptions options = {});

}  // namespace strata::callbacks
