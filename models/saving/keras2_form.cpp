// A model config in Keras 3 form (what get_config gives) rewritten in tf.keras 2 form, as tf.keras
// 2.15's legacy .h5 writer spells it (serialization with use_legacy_config), for readers of Keras 2
// files only (TensorFlow.js, keras2c, frugally-deep):
// - objects are {"class_name", "config"}: no "module", "registered_name", "build_config",
//   "compile_config"; Keras 3's class names that Keras 2 spells otherwise are renamed
//   (OrthogonalInitializer -> Orthogonal, IdentityInitializer -> Identity);
// - a dtype policy is its name ("float32");
// - InputLayer: batch_input_shape (Keras 3: batch_shape), with "ragged";
// - a Functional model's nodes are [[layer, node, tensor, kwargs], ...] (Keras 3: {"args", "kwargs"});
//   a nested Functional model, or a nested Sequential that starts with an InputLayer, counts its
//   calls from 1, its node 0 being its own (tf.keras 2's _should_skip_first_node);
// - config keys Keras 3 added that tf.keras 2's constructors refuse are dropped when they hold
//   their default (a non-default one has no Keras 2 equivalent: ValueError).
#include <set>

#include "strata/models/saving/internal.hpp"

namespace strata::models::detail {

namespace {

const std::set<std::string> kModelClasses = {"Functional", "Model", "Sequential"};

// Keras 3 config keys tf.keras 2.15 does not take, per class, with the value that means Keras 2's
// behaviour (dropped when the config holds it).
struct Keras3Only {
  const char* class_name;
  const char* key;
  Config keras2_value;
};
const std::vector<Keras3Only>& keras3_only() {
  static const std::vector<Keras3Only> table = {
      {"BatchNormalization", "synchronized", false},
      {"LayerNormalization", "rms_scaling", false},
      {"Dense", "lora_rank", nullptr},
      {"EinsumDense", "lora_rank", nullptr},
      {"Embedding", "lora_rank", nullptr},
      {"LSTM", "seed", nullptr},
      {"GRU", "seed", nullptr},
      {"SimpleRNN", "seed", nullptr},
      {"LSTMCell", "seed", nullptr},
      {"GRUCell", "seed", nullptr},
      {"SimpleRNNCell", "seed", nullptr},
      {"InputLayer", "optional", false},
      {"MultiHeadAttention", "seed", nullptr},
  };
  return table;
}

std::string keras2_class_name(const std::string& name) {
  if (name == "OrthogonalInitializer") return "Orthogonal";
  if (name == "IdentityInitializer") return "Identity";
  return name;
}

bool is_dtype_policy(const Config& v) {
  return v.is_object() && v.contains("class_name") && v["class_name"].is_string() &&
         v["class_name"].get<std::string>().find("DTypePolicy") != std::string::npos && v.contains("config") &&
         v["config"].is_object() && v["config"].contains("name");
}

// Whether references to this layer entry's calls count from 1 in Keras 2.
bool skips_first_node(const Config& entry) {
  const std::string cls = entry.value("class_name", std::string());
  if (cls == "Functional" || cls == "Model") return true;
  if (cls != "Sequential") return false;
  const Config* layers =
      entry.contains("config") && entry["config"].contains("layers") ? &entry["config"]["layers"] : nullptr;
  return layers && layers->is_array() && !layers->empty() && (*layers)[0].value("class_name", "") == "InputLayer";
}

Config convert(const Config& value, const std::string& where);

// [layer, node, tensor] of a Keras 3 keras tensor, node shifted for models that skip their first.
Config reference(const Config& tensor, const std::set<std::string>& shifted, const Config& kwargs,
                 const std::string& where) {
  const Config* h = nullptr;
  if (tensor.is_object() && tensor.contains("config") && tensor["config"].contains("keras_history"))
    h = &tensor["config"]["keras_history"];
  else if (tensor.is_array() && tensor.size() >= 3 && tensor[0].is_string())
    h = &tensor;
  if (!h || h->size() < 3 || !(*h)[0].is_string() || !(*h)[1].is_number_integer())
    throw ValueError(where + ": cannot read the node input " + tensor.dump().substr(0, 120));
  const std::string layer = (*h)[0].get<std::string>();
  const int node = (*h)[1].get<int>() + (shifted.count(layer) ? 1 : 0);
  Config out = Config::array({layer, node, (*h)[2]});
  if (!kwargs.is_null()) out.push_back(kwargs);
  return out;
}

// Keras 3 {"args": [...], "kwargs": {...}} -> Keras 2 [[layer, node, tensor, kwargs], ...].
Config keras2_node(const Config& node, const std::set<std::string>& shifted, const std::string& where) {
  if (node.is_array()) return node;  // already Keras 2
  const Config& args = node.at("args");
  Config kwargs = convert(node.value("kwargs", Config::object()), where);
  Config out = Config::array();
  const bool list = args.size() == 1 && args[0].is_array();
  for (const auto& t : list ? args[0] : args) out.push_back(reference(t, shifted, kwargs, where));
  return out;
}

Config functional_config(const Config& config, const std::string& where) {
  Config out = Config::object();
  std::set<std::string> shifted;
  for (const auto& entry : config.at("layers"))
    if (skips_first_node(entry)) shifted.insert(entry.value("name", entry["config"].value("name", std::string())));
  for (auto it = config.begin(); it != config.end(); ++it) {
    if (it.key() == "layers") {
      Config layers = Config::array();
      for (const auto& entry : *it) {
        Config e = convert(entry, where);
        Config nodes = Config::array();
        for (const auto& n : entry.value("inbound_nodes", Config::array()))
          nodes.push_back(keras2_node(n, shifted, where));
        e["inbound_nodes"] = nodes;
        layers.push_back(e);
      }
      out["layers"] = layers;
    } else if (it.key() == "input_layers" || it.key() == "output_layers") {
      const bool single = it->is_array() && !it->empty() && (*it)[0].is_string();
      Config refs = Config::array();
      for (const auto& r : single ? Config::array({*it}) : *it) refs.push_back(reference(r, shifted, nullptr, where));
      out[it.key()] = refs;
    } else {
      out[it.key()] = convert(*it, where);
    }
  }
  return out;
}

Config layer_config(const std::string& cls, const Config& config, const std::string& where) {
  if ((cls == "Functional" || cls == "Model") && config.contains("layers")) return functional_config(config, where);
  Config out = Config::object();
  for (auto it = config.begin(); it != config.end(); ++it) out[it.key()] = convert(*it, where);
  if (cls == "InputLayer") {
    if (out.contains("batch_shape")) {
      out["batch_input_shape"] = out["batch_shape"];
      out.erase("batch_shape");
    }
    if (!out.contains("ragged")) out["ragged"] = false;
    if (!out.contains("sparse")) out["sparse"] = false;
  }
  if (cls == "LeakyReLU" && out.contains("negative_slope")) {  // Keras 2 spells it alpha
    out["alpha"] = out["negative_slope"];
    out.erase("negative_slope");
  }
  for (const auto& k : keras3_only()) {
    if (cls != k.class_name || !out.contains(k.key)) continue;
    if (out[k.key] != k.keras2_value)
      throw ValueError(where + ": layer '" + out.value("name", std::string()) + "' (" + cls + ") has " + k.key + "=" +
                       out[k.key].dump() + ", which Keras 2 does not have; it cannot be written in Keras 2 form");
    out.erase(k.key);
  }
  return out;
}

Config convert(const Config& value, const std::string& where) {
  if (value.is_array()) {
    Config out = Config::array();
    for (const auto& v : value) out.push_back(convert(v, where));
    return out;
  }
  if (!value.is_object()) return value;
  if (is_dtype_policy(value)) return value["config"]["name"];
  const bool serialized = value.contains("class_name") && value["class_name"].is_string() && value.contains("config");
  Config out = Config::object();
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& k = it.key();
    if (serialized && (k == "module" || k == "registered_name" || k == "build_config" || k == "compile_config"))
      continue;
    if (serialized && k == "config" && it->is_object())
      out[k] = layer_config(value["class_name"].get<std::string>(), *it, where);
    else if (serialized && k == "class_name")
      out[k] = keras2_class_name(it->get<std::string>());
    else if (serialized && k == "inbound_nodes")
      out[k] = *it;  // rewritten by functional_config, which knows the nested models
    else if (k == "dtype" && is_dtype_policy(*it))
      out[k] = (*it)["config"]["name"];
    else
      out[k] = convert(*it, where);
  }
  return out;
}

}  // namespace

Config to_keras2_form(const Config& entry) {
  const std::string where =
      "Keras 2 form of model '" + entry.value("config", Config::object()).value("name", std::string()) + "'";
  return convert(entry, where);
}

}  // namespace strata::models::detail
