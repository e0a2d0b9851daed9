#pragma once
// What the format files of models/saving share (not installed API): the layers a file lists, the
// all-or-nothing weight plan, the optimizer's state, and the model config helpers.
//
//   saving.cpp          public API, format detection (magic bytes)
//   model_config.cpp    model_from_config (Sequential), JSON parsing with number checks, compile config
//   weights.cpp         which layers hold which weights, checking and applying a weight plan
//   legacy_h5.cpp       Keras 2 layout (.h5: model_weights / layer_names / weight_names)
//   keras3_weights.cpp  Keras 3 layout (.weights.h5: layers/<snake_case key>/vars/<i>)
//   keras_archive.cpp   Keras 3 .keras zip (metadata.json, config.json, model.weights.h5)
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/models/model.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/saving.hpp"

namespace strata::models::detail {

// The Keras version whose file layout and config spelling Strata writes (Keras 3 configs:
// batch_shape, module / registered_name), and the backend attribute Keras uses only to decide
// whether conv kernels need flipping (Strata's layouts are TensorFlow's).
inline constexpr const char* kKerasVersion = "3.3.3";
inline constexpr const char* kBackend = "tensorflow";
// The version a Keras-2-form file declares (SaveOptions::keras2): tf.keras 2.15, the last
// TensorFlow release whose tf.keras is Keras 2.
inline constexpr const char* kKeras2Version = "2.15.0";

// ------------------------------------------------------------------ configs (model_config.cpp)

// Untrusted JSON: ValueError (naming `what`) when it does not parse or holds a float beyond +-2^31.
Config parse_json(const std::string& text, const std::string& what);
// The same number check on an already parsed config.
void check_config_numbers(const Config& value, const std::string& where, int depth = 0);
// model_from_config with errors naming the file: ValueError / NotImplementedError.
std::shared_ptr<Model> rebuild_model(const Config& config, const std::string& path, const std::string& what);
// Keras's training_config (legacy .h5), and compile() from it; a failure is a warning.
Config training_config(const Model& model);
void compile_from(Model& model, const Config& training_config, const std::string& path);

// ------------------------------------------------------------------ weights (weights.cpp)

// The layers a file lists for `root`, in model order, and the root's own weights.
struct LayerList {
  std::vector<LayerPtr> layers;
  std::vector<Variable> own;  // weights of the root not held by any listed layer
};
LayerList layer_list(const Layer& root);

// A weight to assign once everything is checked.
struct Assignment {
  LayerPtr layer;  // set_weights on the whole layer
  std::vector<Tensor> values;
  std::vector<Variable> variables;  // or these variables one by one
};
void apply(const std::vector<Assignment>& plan);

std::string describe(const Layer& layer);  // "'dense' (Dense)"
// ValueError naming the first layer that is not built.
void check_built(const Layer& root, const std::vector<LayerPtr>& layers, const std::string& path);
// Checks the datasets `names` of `group` against `expected` and reads them. Returns false (after a
// warning) when skip_mismatch allows skipping the layer.
bool read_layer_weights(const saving::hdf5::Object& group, const std::vector<std::string>& names,
                        const std::vector<Variable>& expected, const std::string& layer_desc, bool skip_mismatch,
                        std::vector<Tensor>& values);

// The optimizer's variables as Keras 2 names them ("Adam/dense_kernel_m" ...), unique.
std::vector<std::string> optimizer_weight_names(const optimizers::Optimizer& optimizer);
// The optimizer variables that `shapes` (file order) restore: false, after a warning, when they
// do not fit (the optimizer then starts from scratch). Builds the optimizer's slots first.
bool plan_optimizer(Model& model, const std::vector<Shape>& shapes, const std::string& file,
                    std::vector<Variable>& targets);

// ------------------------------------------------------------------ legacy .h5 (legacy_h5.cpp)

// `keras_version`: the version the file declares, whose weight names it gets.
void write_legacy_weights(const saving::hdf5::Object& group, const Layer& root, const std::string& keras_version);
void plan_legacy_weights(const saving::hdf5::Object& group, const Layer& root, const LoadWeightsOptions& options,
                         std::vector<Assignment>& plan);
void save_legacy_model(const Model& model, const std::string& path, bool keras2 = false);
std::shared_ptr<Model> load_legacy_model(saving::hdf5::File& file, const std::string& path, bool compile);

// ------------------------------------------------------------------ names and Keras 2 form

// The name Keras `keras_version` gives each weight (by Variable::id) of `layer`, a layer that
// `owner` lists in a legacy .h5 (weight_names.cpp): Keras >= 3.2 the variable's path
// ("sequential/lstm/lstm_cell/kernel"), Keras 3.0-3.1 the bare name ("kernel"), tf.keras 2 the TF
// variable name ("lstm/lstm_cell/kernel:0", "time_distributed/kernel:0"), multi-backend Keras
// <= 2.3 its own ("lstm_1/kernel:0", "bidirectional_1/forward_lstm_1/kernel:0").
std::map<std::uint64_t, std::string> legacy_weight_names(const Layer& owner, const Layer& layer,
                                                         const std::string& keras_version);
// {"class_name", "config"} of a model in Keras 3 form (what get_config gives) rewritten in tf.keras 2
// form (keras2_form.cpp).
Config to_keras2_form(const Config& entry);

// ------------------------------------------------------------------ Keras 3 layout (keras3_weights.cpp)

// The layer tree of `layer`, and the optimizer's variables under /optimizer/vars when given.
void write_keras3_weights(const saving::hdf5::Object& at, const Layer& layer, const optimizers::Optimizer* optimizer);
void plan_keras3_weights(const saving::hdf5::Object& at, const Layer& layer, const LoadWeightsOptions& options,
                         std::vector<Assignment>& plan);
// The optimizer state under /optimizer/vars, if the file has one and it fits the model's optimizer.
void plan_keras3_optimizer(const saving::hdf5::Object& file, Model& model, const std::string& path,
                           std::vector<Assignment>& plan);

// ------------------------------------------------------------------ .keras archive (keras_archive.cpp)

void save_keras_archive(const Model& model, const std::string& path);
std::shared_ptr<Model> load_keras_archive(const std::string& path, bool compile);
// The model.weights.h5 of a .keras archive, opened from memory ("<archive>/model.weights.h5").
saving::hdf5::File open_keras_weights(const std::string& path);

}  // namespace strata::models::detail
