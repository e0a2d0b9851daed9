#pragma once
// Internal to layers/ (regularization/ and core/dropout): the options of the dropout, noise and
// activity-regularization layers as one table each (read by from_config, written by
// get_config). The rate / stddev (a constructor argument) stays hand-written.
#include "strata/layers/config_fields.hpp"
#include "strata/layers/core/dropout.hpp"
#include "strata/layers/regularization/activity_regularization.hpp"
#include "strata/layers/regularization/alpha_dropout.hpp"
#include "strata/layers/regularization/gaussian_dropout.hpp"
#include "strata/layers/regularization/gaussian_noise.hpp"

namespace strata::layers::detail {

inline const ConfigFields<ActivityRegularizationOptions>& activity_regularization_fields() {
  static const ConfigFields<ActivityRegularizationOptions> fields = {field("l1", &ActivityRegularizationOptions::l1),
                                                                     field("l2", &ActivityRegularizationOptions::l2)};
  return fields;
}

inline const ConfigFields<DropoutOptions>& dropout_fields() {
  static const ConfigFields<DropoutOptions> fields = {field("noise_shape", &DropoutOptions::noise_shape),
                                                      field("seed", &DropoutOptions::seed)};
  return fields;
}

inline const ConfigFields<AlphaDropoutOptions>& alpha_dropout_fields() {
  static const ConfigFields<AlphaDropoutOptions> fields = {field("noise_shape", &AlphaDropoutOptions::noise_shape),
                                                           field("seed", &AlphaDropoutOptions::seed)};
  return fields;
}

inline const ConfigFields<GaussianDropoutOptions>& gaussian_dropout_fields() {
  static const ConfigFields<GaussianDropoutOptions> fields = {field("seed", &GaussianDropoutOptions::seed)};
  return fields;
}

inline const ConfigFields<GaussianNoiseOptions>& gaussian_noise_fields() {
  static const ConfigFields<GaussianNoiseOptions> fields = {field("seed", &GaussianNoiseOptions::seed)};
  return fields;
}

}  // namespace strata::layers::detail
