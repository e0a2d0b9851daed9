#pragma once
// Internal to layers/activations/: the options of the activation layers whose config is exactly
// their options struct, as one table each (read by from_config, written by get_config).
#include "strata/layers/activations/elu.hpp"
#include "strata/layers/activations/leaky_relu.hpp"
#include "strata/layers/activations/relu.hpp"
#include "strata/layers/config_fields.hpp"

namespace strata::layers::detail {

inline const ConfigFields<ReLUOptions>& relu_fields() {
  static const ConfigFields<ReLUOptions> fields = {field("max_value", &ReLUOptions::max_value),
                                                   field("negative_slope", &ReLUOptions::negative_slope),
                                                   field("threshold", &ReLUOptions::threshold)};
  return fields;
}

inline const ConfigFields<LeakyReLUOptions>& leaky_relu_fields() {
  static const ConfigFields<LeakyReLUOptions> fields = {field("negative_slope", &LeakyReLUOptions::negative_slope)};
  return fields;
}

inline const ConfigFields<ELUOptions>& elu_fields() {
  static const ConfigFields<ELUOptions> fields = {field("alpha", &ELUOptions::alpha)};
  return fields;
}

}  // namespace strata::layers::detail
