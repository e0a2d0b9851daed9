#pragma once
// History, as keras.callbacks.History: records every epoch's logs. fit() always adds one and
// returns it (by value; History is copyable):
//   auto history = model.fit(x, y, {.epochs = 5, .validation_split = 0.1});
//   history.history["val_loss"].back();   history.epoch == {0, 1, 2, 3, 4}
#include <map>
#include <string>
#include <vector>

#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

class History : public Callback {
 public:
  // on_train_begin clears `epoch`; `history` keeps growing across fits of the same object (Keras).
  void on_train_begin(const Logs& logs) override;
  // Appends `epoch` and every value of `logs` to history[key].
  void on_epoch_end(int epoch, const Logs& logs) override;

  // Metric name -> one value per epoch.
  std::map<std::string, std::vector<double>> history;
  // The epoch indices seen (0-based, as Keras; initial_epoch shifts them).
  std::vector<int> epoch;
};

}  // namespace strata::callbacks
