#pragma once
// Internal to layers/core/: Dense's options as one table (read by from_config, written by
// get_config). units (a constructor argument) and the activation (written by its resolved name)
// stay hand-written.
#include "strata/layers/config_fields.hpp"
#include "strata/layers/core/dense.hpp"

namespace strata::layers::detail {

inline const ConfigFields<DenseOptions>& dense_fields() {
  static const ConfigFields<DenseOptions> fields = {
      field("use_bias", &DenseOptions::use_bias),
      field("kernel_initializer", &DenseOptions::kernel_initializer),
      field("bias_initializer", &DenseOptions::bias_initializer),
      field("kernel_regularizer", &DenseOptions::kernel_regularizer),
      field("bias_regularizer", &DenseOptions::bias_regularizer),
      field("activity_regularizer", &DenseOptions::activity_regularizer),
      field("kernel_constraint", &DenseOptions::kernel_constraint),
      field("bias_constraint", &DenseOptions::bias_constraint)};
  return fields;
}

}  // namespace strata::layers::detail
