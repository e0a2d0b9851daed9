#pragma once
// The layer registry: Keras class name -> from_config factory. It serves model files and JSON
// (load_model, model_from_json) for every built-in layer and for user classes registered here:
//
//   class OurDenseLayer : public st::Layer {
//    public:
//     static std::shared_ptr<OurDenseLayer> from_config(const st::Config& config);
//     st::Config get_config() const override;      // must hold what from_config reads
//     std::string class_name() const override { return "OurDenseLayer"; }
//     ...
//   };
//   STRATA_REGISTER_LAYER(OurDenseLayer);           // at namespace scope, in one .cpp file
//   // or: st::register_layer<OurDenseLayer>("OurDenseLayer");
//   // or: st::register_layer("OurDenseLayer", [](const st::Config& c) { ... return layer; });
//
// layer_from_config reads a config the same way for every class, built-in or registered here:
//   - Keras 1/2 spellings of built-in layers' arguments (output_dim, init, W_regularizer, p, sigma,
//     LeakyReLU's alpha, ...) are renamed to Keras 3's by one table before the factory runs;
//   - after the factory, the keys every layer has are applied: "trainable": false freezes the
//     layer, a "dtype" the factory left out is applied before the layer is built;
//   - keys a factory does not read are ignored (framework/config_reader.hpp).
// Sequential, Functional and Model are registered from the start (a model is a layer).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/shape.hpp"
#include "strata/layers/layer.hpp"

namespace strata {

// Builds a layer from its Keras config (the "config" object of a {"class_name", "config"} entry).
using LayerFactory = std::function<LayerPtr(const Config& config)>;

// Makes `class_name` loadable; a later registration of the same name replaces the earlier one.
void register_layer(const std::string& class_name, LayerFactory factory);

// Registers a class with a static `from_config(const Config&)` returning a shared pointer to it.
template <class T>
void register_layer(const std::string& class_name) {
  register_layer(class_name, [](const Config& config) -> LayerPtr { return T::from_config(config); });
}

bool is_layer_registered(const std::string& class_name);
// Every registered class name, sorted.
std::vector<std::string> registered_layers();

// A layer from {"class_name": ..., "config": {...}} (Keras 2 and 3 entries; "module" and
// "registered_name" are accepted and ignored). Unknown class: ValueError "Unknown layer: 'X'.
// Register it with STRATA_REGISTER_LAYER(X) or strata::register_layer(...)".
LayerPtr layer_from_config(const Config& entry);
// {"module", "class_name", "config": get_config(), "registered_name"} as Keras 3 writes a layer.
// A layer that cannot be serialized (Lambda) raises ValueError naming it.
Config serialize_layer(const Layer& layer);

namespace layers::config {
// Helpers for from_config implementations (built-in and user layers).
std::string name(const Config& config);
DType dtype(const Config& config);
bool trainable(const Config& config);
// The batch input shape a config carries (Keras 3 batch_shape, Keras 2 batch_input_shape, or
// input_shape / input_dim without the batch axis), if any; None dimensions become -1.
std::optional<Shape> batch_input_shape(const Config& config);
// The value of the first of `keys` present and not null.
const Config* find(const Config& config, std::initializer_list<const char*> keys);
// Applies `"trainable": false` after construction. Kept for factories written against it:
// layer_from_config already applies trainable and dtype to every layer it makes, and leaves a batch
// input shape to the container (Sequential makes it an InputLayer), so a factory need not call it.
LayerPtr finish(LayerPtr layer, const Config& config);
}  // namespace layers::config

}  // namespace strata

// Registers `Class` under its own name (use at namespace scope, once per class).
#define STRATA_REGISTER_LAYER(Class)                                                              \
  [[maybe_unused]] static const bool strata_layer_registered_##Class = [] {                       \
    ::strata::register_layer<Class>(#Class);                                                      \
    return true;                                                                                  \
  }()
