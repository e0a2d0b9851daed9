// The from_config factories of the normalization layers.
#include "strata/layers/builtin.hpp"
#include "strata/layers/normalization/fields.hpp"
#include "strata/layers/normalization/unit_normalization.hpp"

namespace strata::layers::detail {

namespace {

// The table's options, then name and dtype.
template <class Options>
Options with_fields(const ConfigFields<Options>& fields, const LayerConfigReader& in, Options o) {
  read_fields(fields, in, o);
  o.name = in.name();
  o.dtype = in.dtype();
  return o;
}

// The one axis BatchNormalization and GroupNormalization support.
template <class Options>
void read_one_axis(const LayerConfigReader& in, Options& o) {
  if (!in.has("axis")) return;
  const auto axes = in.axes("axis");
  if (axes.size() != 1) in.not_implemented("only one axis is supported, got " + in.find("axis")->dump());
  o.axis = axes[0];
}

LayerPtr batch_normalization(const Config& c) {
  const LayerConfigReader in(c, "BatchNormalization");
  BatchNormalizationOptions o;
  read_one_axis(in, o);
  return BatchNormalization(with_fields(batch_normalization_fields(), in, std::move(o))).ptr();
}

LayerPtr layer_normalization(const Config& c) {
  const LayerConfigReader in(c, "LayerNormalization");
  LayerNormalizationOptions o;
  if (in.has("axis")) o.axis = in.axes("axis");
  return LayerNormalization(with_fields(layer_normalization_fields(), in, std::move(o))).ptr();
}

LayerPtr group_normalization(const Config& c) {
  const LayerConfigReader in(c, "GroupNormalization");
  GroupNormalizationOptions o;
  read_one_axis(in, o);
  return GroupNormalization(with_fields(group_normalization_fields(), in, std::move(o))).ptr();
}

LayerPtr unit_normalization(const Config& c) {
  const LayerConfigReader in(c, "UnitNormalization");
  UnitNormalizationOptions o;
  if (in.has("axis")) o.axis = in.axes("axis");
  o.name = in.name();
  o.dtype = in.dtype();
  return UnitNormalization(std::move(o)).ptr();
}

}  // namespace

void register_normalization_layers(const AddLayer& add) {
  add("BatchNormalization", batch_normalization);
  add("LayerNormalization", layer_normalization);
  add("GroupNormalization", group_normalization);
  add("UnitNormalization", unit_normalization);
}

}  // namespace strata::layers::detail
