// The from_config factories of the reshaping layers.
#include "strata/layers/builtin.hpp"
#include "strata/layers/reshaping/cropping.hpp"
#include "strata/layers/reshaping/permute.hpp"
#include "strata/layers/reshaping/repeat_vector.hpp"
#include "strata/layers/reshaping/reshape.hpp"
#include "strata/layers/reshaping/up_sampling.hpp"
#include "strata/layers/reshaping/zero_padding.hpp"

namespace strata::layers::detail {

namespace {

// ZeroPadding / Cropping: `padding` / `cropping` as an int, ints or pairs (the default when absent).
template <class Options, class Handle>
LayerPtr sides_layer(const Config& c, const char* cls, const char* key, const Sides& fallback,
                     Handle (*make)(const Sides&, Options)) {
  const LayerConfigReader in(c, cls);
  Options o;
  o.data_format = in.string("data_format", "channels_last");
  o.name = in.name();
  o.dtype = in.dtype();
  const Config* v = in.find(key);
  return make(v ? Sides::from_config(*v) : fallback, std::move(o)).ptr();
}

using MakeUpSampling = LayerHandle<UpSamplingLayer> (*)(const IntTuple&, UpSamplingOptions);

LayerPtr up_sampling(const Config& c, const char* cls, MakeUpSampling make) {
  const LayerConfigReader in(c, cls);
  UpSamplingOptions o;
  o.data_format = in.string("data_format", "channels_last");
  o.interpolation = in.string("interpolation", "nearest");
  o.name = in.name();
  o.dtype = in.dtype();
  return make(in.has("size") ? IntTuple(in.integers("size")) : IntTuple(2), std::move(o)).ptr();
}

LayerPtr reshape(const Config& c) {
  const LayerConfigReader in(c, "Reshape");
  in.required("target_shape");
  return make_layer<ReshapeLayer>(in.integers("target_shape"), ReshapeOptions{in.name(), in.dtype()}).ptr();
}

LayerPtr permute(const Config& c) {
  const LayerConfigReader in(c, "Permute");
  in.required("dims");
  return make_layer<PermuteLayer>(in.axes("dims"), PermuteOptions{in.name(), in.dtype()}).ptr();
}

LayerPtr repeat_vector(const Config& c) {
  const LayerConfigReader in(c, "RepeatVector");
  return make_layer<RepeatVectorLayer>(in.required_integer("n"), RepeatVectorOptions{in.name(), in.dtype()}).ptr();
}

}  // namespace

void register_reshaping_layers(const AddLayer& add) {
  add("Reshape", reshape);
  add("Permute", permute);
  add("RepeatVector", repeat_vector);
  add("ZeroPadding1D", [](const Config& c) { return sides_layer<ZeroPaddingOptions>(c, "ZeroPadding1D", "padding", 1, ZeroPadding1D); });
  add("ZeroPadding2D", [](const Config& c) { return sides_layer<ZeroPaddingOptions>(c, "ZeroPadding2D", "padding", 1, ZeroPadding2D); });
  add("ZeroPadding3D", [](const Config& c) { return sides_layer<ZeroPaddingOptions>(c, "ZeroPadding3D", "padding", 1, ZeroPadding3D); });
  add("Cropping1D", [](const Config& c) { return sides_layer<CroppingOptions>(c, "Cropping1D", "cropping", 1, Cropping1D); });
  add("Cropping2D", [](const Config& c) { return sides_layer<CroppingOptions>(c, "Cropping2D", "cropping", 0, Cropping2D); });
  add("Cropping3D", [](const Config& c) { return sides_layer<CroppingOptions>(c, "Cropping3D", "cropping", 1, Cropping3D); });
  const std::pair<const char*, MakeUpSampling> ups[] = {
      {"UpSampling1D", UpSampling1D}, {"UpSampling2D", UpSampling2D}, {"UpSampling3D", UpSampling3D}};
  for (const auto& up : ups)
    add(up.first, [cls = up.first, make = up.second](const Config& c) { return up_sampling(c, cls, make); });
}

}  // namespace strata::layers::detail
