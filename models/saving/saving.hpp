#pragma once
// Keras-compatible model files.
//
//   model.save("m.h5");                                  // legacy Keras HDF5: config + weights + optimizer
//   model.save("m.keras");                               // Keras 3 zip: config.json, metadata.json,
//                                                        //   model.weights.h5 (+ optimizer state)
//   auto restored = st::models::load_model("m.h5");      // std::shared_ptr<st::Model>
//   model.save_weights("w.h5");                          // legacy weights-only layout
//   model.save_weights("w.weights.h5");                  // Keras 3 layout (/layers/<key>/vars/<i>)
//   model.load_weights("w.h5", {.skip_mismatch = false, .by_name = false});
//   auto json = model.to_json();  auto same = st::models::model_from_json(json);
//   model.save("m.h5", {.keras2 = true});                // tf.keras 2 form, for Keras 2 readers
//
// Reading picks the format by the file's magic bytes and content, never by its extension. Files are
// untrusted: sizes, ranks, dtypes and counts are checked before anything is allocated, and loading
// is all-or-nothing (every weight is checked against the model before any is assigned). Writes are
// atomic (a temporary file in the same directory, fsync, rename). Errors name the file and the
// layer or dataset: IOError (cannot read / write, or a damaged zip), ValueError (wrong content),
// NotImplementedError (a valid Keras file Strata cannot load yet).
#include <functional>
#include <memory>
#include <string>

#include "strata/framework/config.hpp"
#include "strata/layers/layer.hpp"

namespace strata {
class Model;

struct LoadWeightsOptions {
  // Layers whose weight count or shapes differ are skipped with a warning instead of an error.
  bool skip_mismatch = false;
  // Match layers by name instead of by order (legacy .h5 files only, as Keras).
  bool by_name = false;
};

// How a model is written. By default Strata writes Keras 3 (keras_version 3.3.3): its config
// spelling and, in a legacy .h5, its weight names (the variable's path: "lstm/lstm_cell/kernel").
struct SaveOptions {
  // A legacy .h5 or to_json() in tf.keras 2 form (keras_version "2.15.0"), for readers of Keras 2
  // files only (TensorFlow.js, keras2c, frugally-deep): batch_input_shape, [[name, node, tensor,
  // kwargs]] nodes, Keras 2 class, initializer and dtype spellings, tf.keras 2 weight names
  // ("lstm/lstm_cell/kernel:0"). A .keras or .weights.h5 path is a ValueError (Keras 3 only).
  bool keras2 = false;
};

namespace models {

// Weights of any layer tree (a Sequential's layers, a model's tracked sub-layers, or one layer).
// The layout follows the extension: ".weights.h5" -> Keras 3, anything else -> legacy Keras 2.
void save_weights(const Layer& layer, const std::string& path, const SaveOptions& options = {});
void load_weights(Layer& layer, const std::string& path, const LoadWeightsOptions& options = {});

// The whole model. A path ending in ".keras": the Keras 3 zip; anything else: legacy HDF5
// (model_config, training_config, model_weights, optimizer_weights). load_model reads either, told
// apart by the magic bytes (load_weights also reads the weights of a .keras archive).
void save_model(const Model& model, const std::string& path, const SaveOptions& options = {});
std::shared_ptr<Model> load_model(const std::string& path, bool compile = true);

// {"class_name", "config", "keras_version", "backend"} as Keras's to_json.
std::string to_json(const Layer& model, const SaveOptions& options = {});
std::shared_ptr<Model> model_from_json(const std::string& json);
// A model from {"class_name": ..., "config": ...} (Sequential; others through register_model_class).
std::shared_ptr<Model> model_from_config(const Config& entry);

// The hook for model classes ("Functional", "Model" or a user's): the factory receives the whole
// {"class_name", "config"} entry. Sequential is registered by Strata.
using ModelFactory = std::function<std::shared_ptr<Model>(const Config& entry)>;
void register_model_class(const std::string& class_name, ModelFactory factory);

}  // namespace models
}  // namespace strata
