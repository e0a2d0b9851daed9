// The from_config factories of the regularization layers (dropout and noise).
#include "strata/layers/builtin.hpp"
#include "strata/layers/regularization/fields.hpp"
#include "strata/layers/regularization/spatial_dropout.hpp"

namespace strata::layers::detail {

namespace {

using MakeSpatialDropout = LayerHandle<SpatialDropoutLayer> (*)(double, SpatialDropoutOptions);

LayerPtr spatial_dropout(const Config& c, const char* cls, MakeSpatialDropout make) {
  const LayerConfigReader in(c, cls);
  SpatialDropoutOptions o;
  o.data_format = in.string("data_format", "channels_last");
  o.seed = in.seed();
  o.name = in.name();
  o.dtype = in.dtype();
  return make(in.number("rate", 0.5), std::move(o)).ptr();
}

LayerPtr activity_regularization(const Config& c) {
  const LayerConfigReader in(c, "ActivityRegularization");
  ActivityRegularizationOptions o{.name = in.name(), .dtype = in.dtype()};
  read_fields(activity_regularization_fields(), in, o);
  return make_layer<ActivityRegularizationLayer>(std::move(o)).ptr();
}

LayerPtr gaussian_noise(const Config& c) {
  const LayerConfigReader in(c, "GaussianNoise");
  GaussianNoiseOptions o{.name = in.name(), .dtype = in.dtype()};
  read_fields(gaussian_noise_fields(), in, o);
  return make_layer<GaussianNoiseLayer>(in.number("stddev", 0.0), std::move(o)).ptr();
}

LayerPtr gaussian_dropout(const Config& c) {
  const LayerConfigReader in(c, "GaussianDropout");
  GaussianDropoutOptions o{.name = in.name(), .dtype = in.dtype()};
  read_fields(gaussian_dropout_fields(), in, o);
  return make_layer<GaussianDropoutLayer>(in.number("rate", 0.0), std::move(o)).ptr();
}

LayerPtr alpha_dropout(const Config& c) {
  const LayerConfigReader in(c, "AlphaDropout");
  AlphaDropoutOptions o;
  read_fields(alpha_dropout_fields(), in, o);
  o.name = in.name();
  o.dtype = in.dtype();
  return AlphaDropout(in.number("rate", 0.5), std::move(o)).ptr();
}

}  // namespace

void register_regularization_layers(const AddLayer& add) {
  add("ActivityRegularization", activity_regularization);
  add("GaussianNoise", gaussian_noise);
  add("GaussianDropout", gaussian_dropout);
  add("AlphaDropout", alpha_dropout);
  const std::pair<const char*, MakeSpatialDropout> spatial[] = {
      {"SpatialDropout1D", SpatialDropout1D}, {"SpatialDropout2D", SpatialDropout2D}, {"SpatialDropout3D", SpatialDropout3D}};
  for (const auto& s : spatial)
    add(s.first, [cls = s.first, make = s.second](const Config& c) { return spatial_dropout(c, cls, make); });
}

}  // namespace strata::layers::detail
