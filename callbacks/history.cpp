#include "strata/callbacks/history.hpp"

namespace strata::callbacks {

void History::on_train_begin(const Logs&) { epoch.clear(); }

void History::on_epoch_end(int epoch_index, const Logs& logs) {
  epoch.push_back(epoch_index);
  for (const auto& [key, value] : logs) history[key].push_back(value);
}

}  // namespace strata::callbacks
