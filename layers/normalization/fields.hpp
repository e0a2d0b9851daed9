#pragma once
// Internal to layers/normalization/: the options BatchNormalization, LayerNormalization and
// GroupNormalization read in from_config and write in get_config, as one table per class. The
// axis (an int or a list) and the keys Strata writes at a fixed value stay hand-written.
#include "strata/layers/config_fields.hpp"
#include "strata/layers/normalization/batch_normalization.hpp"
#include "strata/layers/normalization/group_normalization.hpp"
#include "strata/layers/normalization/layer_normalization.hpp"

namespace strata::layers::detail {

template <class Options>
ConfigFields<Options> normalization_fields() {
  return {field("epsilon", &Options::epsilon),
          field("center", &Options::center),
          field("scale", &Options::scale),
          field("beta_initializer", &Options::beta_initializer),
          field("gamma_initializer", &Options::gamma_initializer),
          field("beta_regularizer", &Options::beta_regularizer),
          field("gamma_regularizer", &Options::gamma_regularizer),
          field("beta_constraint", &Options::beta_constraint),
          field("gamma_constraint", &Options::gamma_constraint)};
}

inline const ConfigFields<BatchNormalizationOptions>& batch_normalization_fields() {
  static const ConfigFields<BatchNormalizationOptions> fields = [] {
    auto f = normalization_fields<BatchNormalizationOptions>();
    f.push_back(field("momentum", &BatchNormalizationOptions::momentum));
    f.push_back(field("moving_mean_initializer", &BatchNormalizationOptions::moving_mean_initializer));
    f.push_back(field("moving_variance_initializer", &BatchNormalizationOptions::moving_variance_initializer));
    return f;
  }();
  return fields;
}

inline const ConfigFields<LayerNormalizationOptions>& layer_normalization_fields() {
  static const ConfigFields<LayerNormalizationOptions> fields = normalization_fields<LayerNormalizationOptions>();
  return fields;
}

inline const ConfigFields<GroupNormalizationOptions>& group_normalization_fields() {
  static const ConfigFields<GroupNormalizationOptions> fields = [] {
    auto f = normalization_fields<GroupNormalizationOptions>();
    f.push_back(field("groups", &GroupNormalizationOptions::groups));
    return f;
  }();
  return fields;
}

}  // namespace strata::layers::detail
