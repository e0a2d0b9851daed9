#pragma once
// Internal to layers/ (and models/model_layers.cpp): what the built-in layers' from_config
// factories share. Each family's .cpp defines the factories of its classes beside them and a
// register_*_layers function; registry.cpp calls every register_*_layers once, on first use.
// .cpp files only (includes <nlohmann/json.hpp>).
#include <functional>
#include <string>
#include <vector>

#include "strata/framework/config_reader.hpp"
#include "strata/layers/constraints.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/registry.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::layers::detail {

// Adds one built-in class to the registry.
using AddLayer = std::function<void(const char* class_name, LayerFactory factory)>;

void register_activation_layers(const AddLayer& add);
void register_attention_layers(const AddLayer& add);
void register_convolutional_layers(const AddLayer& add);
void register_core_layers(const AddLayer& add);
void register_merging_layers(const AddLayer& add);
void register_normalization_layers(const AddLayer& add);
void register_pooling_layers(const AddLayer& add);
void register_recurrent_layers(const AddLayer& add);
void register_regularization_layers(const AddLayer& add);
void register_reshaping_layers(const AddLayer& add);
// Sequential, Functional and Model (defined in models/model_layers.cpp).
void register_model_layers(const AddLayer& add);

// The shared config reader plus what layer configs hold: initializers, regularizers, constraints
// and activations (as names or {"class_name", "config"} objects), the name and the dtype. Errors
// name the layer: "Layer 'dense_1' (Dense): 'units' must be an integer, got \"ten\"".
class LayerConfigReader : public ConfigReader {
 public:
  LayerConfigReader(const Config& config, const std::string& class_name)
      : ConfigReader(ConfigReader::for_layer(config, class_name)) {}

  std::string name() const;
  DType dtype() const;
  initializers::InitializerRef initializer(const ConfigKeys& keys, const char* fallback) const;
  regularizers::RegularizerPtr regularizer(const ConfigKeys& keys) const;
  constraints::ConstraintPtr constraint(const ConfigKeys& keys) const;
  // An activation's name ("linear" when absent); Keras 3 may write
  // {"module": "keras.activations", "class_name": "function", "config": "relu"}.
  std::string activation(const ConfigKeys& keys = "activation", const char* fallback = "linear") const;
  // An axis or a list of axes.
  std::vector<int> axes(const ConfigKeys& keys) const;
  // Throws NotImplementedError "<what>: <message>".
  [[noreturn]] void not_implemented(const std::string& message) const;
};

}  // namespace strata::layers::detail
