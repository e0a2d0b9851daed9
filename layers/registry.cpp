#include "strata/layers/registry.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include "strata/layers/builtin.hpp"

namespace strata {

namespace {

struct LayerRegistry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

// Every built-in class, registered in one explicit list when the registry is first used (so no
// static-initialization order can drop one).
void register_builtin_layers(LayerRegistry& registry) {
  const layers::detail::AddLayer add = [&](const char* name, LayerFactory factory) {
    registry.factories[name] = std::move(factory);
  };
  layers::detail::register_core_layers(add);
  layers::detail::register_activation_layers(add);
  layers::detail::register_convolutional_layers(add);
  layers::detail::register_pooling_layers(add);
  layers::detail::register_normalization_layers(add);
  layers::detail::register_regularization_layers(add);
  layers::detail::register_reshaping_layers(add);
  layers::detail::register_merging_layers(add);
  layers::detail::register_recurrent_layers(add);
  layers::detail::register_attention_layers(add);
  layers::detail::register_model_layers(add);
}

LayerRegistry& registry() {
  static LayerRegistry* instance = [] {
    auto* r = new LayerRegistry();  // never destroyed: factories may be looked up during exit
    register_builtin_layers(*r);
    return r;
  }();
  return *instance;
}

// The Keras 1/2 spellings of built-in layers' arguments, renamed to Keras 3's before a factory
// runs (only when the Keras 3 key is absent). `classes` empty: every class.
struct Rename {
  std::vector<const char*> classes;
  const char* old_key;
  const char* new_key;
};

const std::vector<Rename>& renames() {
  static const std::vector<const char*> dense_and_recurrent = {"Dense",    "SimpleRNN",     "LSTM",     "GRU",
                                                               "SimpleRNNCell", "LSTMCell", "GRUCell"};
  static const std::vector<const char*> recurrent = {"SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell"};
  static const std::vector<Rename> table = {
      {dense_and_recurrent, "output_dim", "units"},
      {dense_and_recurrent, "bias", "use_bias"},
      {dense_and_recurrent, "init", "kernel_initializer"},
      {dense_and_recurrent, "W_regularizer", "kernel_regularizer"},
      {dense_and_recurrent, "b_regularizer", "bias_regularizer"},
      {dense_and_recurrent, "W_constraint", "kernel_constraint"},
      {dense_and_recurrent, "b_constraint", "bias_constraint"},
      {recurrent, "inner_init", "recurrent_initializer"},
      {recurrent, "inner_activation", "recurrent_activation"},
      {recurrent, "U_regularizer", "recurrent_regularizer"},
      {recurrent, "U_constraint", "recurrent_constraint"},
      {recurrent, "dropout_W", "dropout"},
      {recurrent, "dropout_U", "recurrent_dropout"},
      {{"Embedding"}, "init", "embeddings_initializer"},
      {{"Embedding"}, "W_regularizer", "embeddings_regularizer"},
      {{"Embedding"}, "W_constraint", "embeddings_constraint"},
      {{"Dropout", "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"},
       "p",
       "rate"},
      {{"GaussianNoise"}, "sigma", "stddev"},
      {{"LeakyReLU"}, "alpha", "negative_slope"},  // ELU's alpha is its own
      {{"UpSampling1D", "UpSampling2D", "UpSampling3D"}, "length", "size"},
  };
  return table;
}

Config with_keras3_spellings(const std::string& class_name, const Config& config) {
  if (!config.is_object()) return config;
  Config out = config;
  for (const auto& rename : renames()) {
    bool applies = rename.classes.empty();
    for (const char* c : rename.classes) applies = applies || class_name == c;
    if (!applies || !config.contains(rename.old_key)) continue;
    if (out.contains(rename.new_key) && !out[rename.new_key].is_null()) continue;
    out[rename.new_key] = config[rename.old_key];
    out.erase(rename.old_key);
  }
  return out;
}

// What every layer's config may hold, applied after any factory, built-in or registered: a frozen
// layer stays frozen, a dtype the factory did not apply is applied (before the layer is built).
// A batch input shape is left to the container (Sequential makes an InputLayer of it), as Keras.
LayerPtr apply_common_keys(LayerPtr layer, const std::string& class_name, const Config& config) {
  if (!layer) throw ValueError("The factory of layer class '" + class_name + "' returned no layer");
  if (!config.is_object()) return layer;  // a Keras 1 Sequential config: a list of layers
  const ConfigReader in = ConfigReader::for_layer(config, class_name);
  if (!in.boolean("trainable", true)) layer->set_trainable(false);
  if (!layer->built() && in.has("dtype")) {
    // A dtype Strata cannot name (a mixed-precision policy) is the factory's to refuse or ignore.
    std::optional<DType> dtype;
    try {
      dtype = layers::config::dtype(config);
    } catch (const ValueError&) {
    }
    if (dtype) layer->set_dtype(*dtype);
  }
  return layer;
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
  if (class_name.empty()) throw ValueError("register_layer: the class name is empty");
  if (!factory) throw ValueError("register_layer: the factory for '" + class_name + "' is empty");
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[class_name] = std::move(factory);
}

bool is_layer_registered(const std::string& class_name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.count(class_name) != 0;
}

std::vector<std::string> registered_layers() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

LayerPtr layer_from_config(const Config& entry) {
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
    throw ValueError("Cannot deserialize a layer from " + entry.dump().substr(0, 200) +
                     ": expected {\"class_name\": ..., \"config\": {...}}");
  const std::string class_name = entry["class_name"].get<std::string>();
  LayerFactory factory;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.factories.find(class_name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory)
    throw ValueError("Unknown layer: '" + class_name + "'. Register it with STRATA_REGISTER_LAYER(" + class_name +
                     ") or strata::register_layer(...)");
  const Config raw = entry.contains("config") && !entry["config"].is_null() ? entry["config"] : Config::object();
  if (!raw.is_object() && !raw.is_array())
    throw ValueError("Cannot deserialize layer '" + class_name + "': its config must be an object, got " +
                     raw.dump().substr(0, 200));
  const Config config = with_keras3_spellings(class_name, raw);
  auto failed = [&](const char* what) {
    std::string layer_name = config.is_object() && config.contains("name") && config["name"].is_string()
                                 ? config["name"].get<std::string>()
                                 : std::string("?");
    const std::string named = "Layer '" + layer_name + "' (" + class_name + ")";
    if (std::string_view(what).starts_with(named)) return ValueError(what);  // the reader named it already
    return ValueError("Cannot create layer '" + layer_name + "' (" + class_name + ") from its config: " + what);
  };
  try {
    return apply_common_keys(factory(config), class_name, config);
  } catch (const NotImplementedError&) {
    throw;
  } catch (const Error& e) {
    throw failed(e.what());
  } catch (const nlohmann::json::exception& e) {
    throw failed(e.what());
  }
}

Config serialize_layer(const Layer& layer) {
  return Config{{"module", "keras.layers"},
                {"class_name", layer.class_name()},
                {"config", layer.get_config()},
                {"registered_name", nullptr}};
}

}  // namespace strata
