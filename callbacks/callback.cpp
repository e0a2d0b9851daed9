#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

CallbackList::CallbackList(std::vector<CallbackPtr> callbacks, Model* model, const Params& params)
    : callbacks_(std::move(callbacks)) {
  for (auto& c : callbacks_) {
    c->set_model(model);
    c->set_params(params);
  }
}

#define STRATA_FORWARD(hook)                                      \
  void CallbackList::hook(const Logs& logs) {                      \
    for (auto& c : callbacks_) c->hook(logs);                      \
  }
#define STRATA_FORWARD_INDEX(hook, Index)                         \
  void CallbackList::hook(Index index, const Logs& logs) {         \
    for (auto& c : callbacks_) c->hook(index, logs);               \
  }
STRATA_FORWARD(on_train_begin)
STRATA_FORWARD(on_train_end)
STRATA_FORWARD(on_test_begin)
STRATA_FORWARD(on_test_end)
STRATA_FORWARD(on_predict_begin)
STRATA_FORWARD(on_predict_end)
STRATA_FORWARD_INDEX(on_epoch_begin, int)
STRATA_FORWARD_INDEX(on_epoch_end, int)
STRATA_FORWARD_INDEX(on_train_batch_begin, std::int64_t)
STRATA_FORWARD_INDEX(on_train_batch_end, std::int64_t)
STRATA_FORWARD_INDEX(on_test_batch_begin, std::int64_t)
STRATA_FORWARD_INDEX(on_test_batch_end, std::int64_t)
STRATA_FORWARD_INDEX(on_predict_batch_begin, std::int64_t)
STRATA_FORWARD_INDEX(on_predict_batch_end, std::int64_t)
#undef STRATA_FORWARD
#undef STRATA_FORWARD_INDEX

}  // namespace strata::callbacks
