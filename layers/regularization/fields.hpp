#pragma once
// Internal to layers/regularization/: ActivityRegularization's options as one table (read by
// from_config, written by get_config).
#include "strata/layers/config_fields.hpp"
#include "strata/layers/regularization/activity_regularization.hpp"

namespace strata::layers::detail {

inline const ConfigFields<ActivityRegularizationOptions>& activity_regularization_fields() {
  static const ConfigFields<ActivityRegularizationOptions> fields = {field("l1", &ActivityRegularizationOptions::l1),
                                                                     field("l2", &ActivityRegularizationOptions::l2)};
  return fields;
}

}  // namespace strata::layers::detail
