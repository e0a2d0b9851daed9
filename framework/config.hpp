#pragma once
// The configuration of a layer, optimizer, loss or metric: a JSON object in Keras's layout
// (get_config / from_config, model files). Public headers see only the forward declaration; code
// that reads or writes a Config includes <nlohmann/json.hpp>.
#include <nlohmann/json_fwd.hpp>

namespace strata {
using Config = nlohmann::json;
}  // namespace strata
