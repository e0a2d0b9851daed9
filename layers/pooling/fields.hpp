#pragma once
// Internal to layers/pooling/: the pooling options as one table each (read by from_config,
// written by get_config). pool_size and strides are written as the layer resolved them.
#include "strata/layers/config_fields.hpp"
#include "strata/layers/pooling/global_pooling.hpp"
#include "strata/layers/pooling/pooling.hpp"

namespace strata::layers::detail {

inline const ConfigFields<PoolingOptions>& pooling_fields() {
  static const ConfigFields<PoolingOptions> fields = {field("padding", &PoolingOptions::padding),
                                                      field("data_format", &PoolingOptions::data_format)};
  return fields;
}

inline const ConfigFields<GlobalPoolingOptions>& global_pooling_fields() {
  static const ConfigFields<GlobalPoolingOptions> fields = {field("data_format", &GlobalPoolingOptions::data_format),
                                                            field("keepdims", &GlobalPoolingOptions::keepdims)};
  return fields;
}

}  // namespace strata::layers::detail
