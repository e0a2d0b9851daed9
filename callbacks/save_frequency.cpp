#include "strata/callbacks/save_frequency.hpp"

#include "strata/framework/errors.hpp"

namespace strata::callbacks {

SaveFrequency::SaveFrequency(const char* text) : SaveFrequency(std::string(text ? text : "")) {}

SaveFrequency::SaveFrequency(const std::string& text) {
  if (text != "epoch")
    throw ValueError("Unrecognized save_freq: " + text + ". Expected save_freq are 'epoch' or integer values");
  batches_ = 0;
}

SaveFrequency::SaveFrequency(std::int64_t batches) : batches_(batches) {
  if (batches <= 0)
    throw ValueError("Unrecognized save_freq: " + std::to_string(batches) +
                     ". Expected save_freq are 'epoch' or a positive number of batches");
}

}  // namespace strata::callbacks
