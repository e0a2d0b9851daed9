// Sequential, Functional and Model as layers: layer_from_config knows them from the start (a
// model nested in another model's config, or a model config given to layer_from_config).
#include "strata/layers/builtin.hpp"
#include "strata/models/model.hpp"
#include "strata/models/saving/saving.hpp"

namespace strata::layers::detail {

void register_model_layers(const AddLayer& add) {
  for (const char* cls : {"Sequential", "Functional", "Model"})
    add(cls, [cls](const Config& config) -> LayerPtr {
      return models::model_from_config(Config{{"class_name", cls}, {"config", config}});
    });
}

}  // namespace strata::layers::detail
