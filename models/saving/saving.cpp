// The public API of model files: which format a path or a file is, and the entry points
// (save_model / load_model / save_weights / load_weights / to_json). The formats themselves live
// in legacy_h5.cpp, keras3_weights.cpp and keras_archive.cpp (see internal.hpp).
#include "strata/models/saving/saving.hpp"

#include "strata/models/saving/internal.hpp"

namespace strata {

namespace models {

namespace {

// HDF5 by content: a .keras zip's model.weights.h5, or an HDF5 file.
saving::hdf5::File open_hdf5(const std::string& path) {
  if (saving::hdf5::sniff(path) == "zip") return detail::open_keras_weights(path);
  return saving::hdf5::File::open(path);
}

}  // namespace

std::string to_json(const Layer& model, const SaveOptions& options) {
  Config out{{"class_name", model.class_name()}, {"config", model.get_config()}};
  if (options.keras2) out = detail::to_keras2_form(out);
  out["keras_version"] = options.keras2 ? detail::kKeras2Version : detail::kKerasVersion;
  out["backend"] = detail::kBackend;
  return out.dump();
}

std::shared_ptr<Model> model_from_json(const std::string& json) {
  return model_from_config(detail::parse_json(json, "model_from_json: the text"));
}

void save_weights(const Layer& layer, const std::string& path, const SaveOptions& options) {
  if (options.keras2 && path.ends_with(".weights.h5"))
    throw ValueError("save_weights: '" + path + "' is a Keras 3 .weights.h5 file, which has no Keras 2 form; "
                     "use a name ending in .h5 for keras2");
  saving::hdf5::AtomicWriter writer(path);
  if (path.ends_with(".weights.h5")) {
    const auto* model = dynamic_cast<const Model*>(&layer);
    detail::write_keras3_weights(writer.file(), layer, model ? model->optimizer().get() : nullptr);
  } else {
    detail::write_legacy_weights(writer.file(), layer, options.keras2 ? detail::kKeras2Version : detail::kKerasVersion);
  }
  writer.commit();
}

void load_weights(Layer& layer, const std::string& path, const LoadWeightsOptions& options) {
  auto file = open_hdf5(path);
  std::vector<detail::Assignment> plan;
  if (file.has_attribute("layer_names")) {
    detail::plan_legacy_weights(file, layer, options, plan);
  } else if (file.has_group("model_weights")) {
    detail::plan_legacy_weights(file.open_group("model_weights"), layer, options, plan);
  } else if (file.has_group("layers") || file.has_group("vars")) {
    if (options.by_name)
      throw ValueError("File '" + path + "' is a Keras 3 .weights.h5 file, which cannot be loaded by_name (as in Keras)");
    detail::plan_keras3_weights(file, layer, options, plan);
    if (auto* model = dynamic_cast<Model*>(&layer)) detail::plan_keras3_optimizer(file, *model, path, plan);
  } else {
    throw ValueError("File '" + path +
                     "' holds no Keras weights: expected a 'layer_names' attribute (legacy .h5), a 'model_weights' "
                     "group (full model) or a 'layers' group (Keras 3 .weights.h5)");
  }
  detail::apply(plan);
}

void save_model(const Model& model, const std::string& path, const SaveOptions& options) {
  if (path.ends_with(".keras")) {
    if (options.keras2)
      throw ValueError("save_model: '" + path + "' is a Keras 3 .keras archive, which has no Keras 2 form; "
                       "use a name ending in .h5 for keras2");
    return detail::save_keras_archive(model, path);  // Keras 3 zip
  }
  detail::save_legacy_model(model, path, options.keras2);
}

std::shared_ptr<Model> load_model(const std::string& path, bool compile) {
  if (saving::hdf5::sniff(path) == "zip") return detail::load_keras_archive(path, compile);  // by content
  auto file = saving::hdf5::File::open(path);
  return detail::load_legacy_model(file, path, compile);
}

}  // namespace models

void Model::save(const std::string& path, const SaveOptions& options) const { models::save_model(*this, path, options); }
void Model::save_weights(const std::string& path, const SaveOptions& options) const {
  models::save_weights(*this, path, options);
}
void Model::load_weights(const std::string& path, const LoadWeightsOptions& options) {
  models::load_weights(*this, path, options);
}
std::string Model::to_json(const SaveOptions& options) const { return models::to_json(*this, options); }

}  // namespace strata
