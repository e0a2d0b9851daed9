#include "strata/callbacks/terminate_on_nan.hpp"

#include <cmath>
#include <iostream>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/framework/errors.hpp"
#include "strata/models/model.hpp"

namespace strata::callbacks {

void TerminateOnNaNCallback::on_train_batch_end(std::int64_t batch, const Logs& logs) {
  auto found = logs.find("loss");
  if (found == logs.end() || std::isfinite(found->second)) return;
  if (options_.raise_error)
    throw Error("NaN or Inf loss encountered at batch " + std::to_string(batch) +
                ". Loss value: " + detail::python_repr(found->second) + ". Terminating training immediately.");
  std::cout << "Batch " << batch << ": Invalid loss, terminating training" << std::endl;
  model()->stop_training = true;
}

std::shared_ptr<TerminateOnNaNCallback> TerminateOnNaN(TerminateOnNaNOptions options) {
  return std::make_shared<TerminateOnNaNCallback>(options);
}

}  // namespace strata::callbacks
