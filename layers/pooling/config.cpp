// The from_config factories of the pooling layers.
#include "strata/layers/builtin.hpp"
#include "strata/layers/pooling/fields.hpp"

namespace strata::layers::detail {

namespace {

using MakePooling = LayerHandle<PoolingLayer> (*)(const IntTuple&, PoolingOptions);
using MakeGlobalPooling = LayerHandle<GlobalPoolingLayer> (*)(GlobalPoolingOptions);

LayerPtr pooling(const Config& c, const char* cls, MakePooling make) {
  const LayerConfigReader in(c, cls);
  PoolingOptions o;
  read_fields(pooling_fields(), in, o);
  if (in.has("strides")) o.strides = in.integers("strides");
  o.name = in.name();
  return make(in.has("pool_size") ? IntTuple(in.integers("pool_size")) : IntTuple(2), std::move(o)).ptr();
}

LayerPtr global_pooling(const Config& c, const char* cls, MakeGlobalPooling make) {
  const LayerConfigReader in(c, cls);
  GlobalPoolingOptions o;
  read_fields(global_pooling_fields(), in, o);
  o.name = in.name();
  return make(std::move(o)).ptr();
}

}  // namespace

void register_pooling_layers(const AddLayer& add) {
  const std::pair<const char*, MakePooling> pools[] = {
      {"MaxPooling1D", MaxPooling1D},         {"MaxPooling2D", MaxPooling2D},         {"MaxPooling3D", MaxPooling3D},
      {"AveragePooling1D", AveragePooling1D}, {"AveragePooling2D", AveragePooling2D}, {"AveragePooling3D", AveragePooling3D}};
  for (const auto& pool : pools)
    add(pool.first, [cls = pool.first, make = pool.second](const Config& c) { return pooling(c, cls, make); });
  const std::pair<const char*, MakeGlobalPooling> globals[] = {{"GlobalMaxPooling1D", GlobalMaxPooling1D},
                                                               {"GlobalMaxPooling2D", GlobalMaxPooling2D},
                                                               {"GlobalMaxPooling3D", GlobalMaxPooling3D},
                                                               {"GlobalAveragePooling1D", GlobalAveragePooling1D},
                                                               {"GlobalAveragePooling2D", GlobalAveragePooling2D},
                                                               {"GlobalAveragePooling3D", GlobalAveragePooling3D}};
  for (const auto& global : globals)
    add(global.first,
        [cls = global.first, make = global.second](const Config& c) { return global_pooling(c, cls, make); });
}

}  // namespace strata::layers::detail
