// Model configs: the model classes model_from_config knows (Sequential here, Functional in
// models/functional_config.cpp), untrusted JSON parsing, and the compile configuration of a file.
#include "strata/models/saving/saving.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "strata/framework/warnings.hpp"
#include "strata/layers/registry.hpp"
#include "strata/losses/losses.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/saving/internal.hpp"
#include "strata/models/sequential.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata::models {

namespace detail {

namespace {

// The model classes model_from_config knows, by class_name.
std::mutex& model_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, ModelFactory>& model_classes() {
  static std::map<std::string, ModelFactory> m;
  return m;
}

std::shared_ptr<Model> sequential_from_config(const Config& entry) {
  namespace cfg = layers::config;
  const Config& config = entry.contains("config") ? entry["config"] : Config::object();
  const Config* list = &config;
  std::string name;
  if (config.is_object()) {  // Keras >= 2.2.3: {"name", "layers": [...]}
    name = cfg::name(config);
    if (!config.contains("layers") || !config["layers"].is_array())
      throw ValueError("Sequential config has no 'layers' list");
    list = &config["layers"];
  } else if (!config.is_array()) {
    throw ValueError("Sequential config must be a list or an object, got " + config.dump().substr(0, 200));
  }
  auto model = std::make_shared<Sequential>(std::vector<SequentialItem>{}, name);
  bool has_input = false;
  for (const auto& layer_entry : *list) {
    const bool is_input = layer_entry.is_object() && layer_entry.value("class_name", "") == "InputLayer";
    LayerPtr layer = layer_from_config(layer_entry);
    if (!is_input && !has_input && layer_entry.is_object() && layer_entry.contains("config")) {
      // Keras 2: the first layer carries the input shape; a nested model as the first layer gives
      // its own (tf.keras's get_input_shape_and_dtype looks through it).
      auto shape = cfg::batch_input_shape(layer_entry["config"]);
      if (!shape && dynamic_cast<const Model*>(layer.get()) && layer->build_input_shape())
        shape = *layer->build_input_shape();
      if (shape && shape->rank() >= 1) {
        layers::InputOptions o;
        o.name = layer->name() + "_input";
        o.dtype = cfg::dtype(layer_entry["config"]);
        if ((*shape)[0] >= 0) o.batch_size = (*shape)[0];
        model->add(SequentialItem(std::make_shared<layers::InputLayer>(
            Shape(std::vector<std::int64_t>(shape->begin() + 1, shape->end())), o)));
      }
    }
    has_input = true;
    model->add(SequentialItem(std::move(layer)));
  }
  if (config.is_object() && !model->built())
    if (const Config* shape = cfg::find(config, {"build_input_shape"}))
      if (auto s = cfg::batch_input_shape(Config{{"batch_shape", *shape}})) model->ensure_built(*s);
  if (!cfg::trainable(config)) model->set_trainable(false);
  return model;
}

void ensure_model_classes_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard lock(model_mutex());
    model_classes().emplace("Sequential", sequential_from_config);
    model_classes().emplace("Functional", functional_from_config);
    model_classes().emplace("Model", functional_from_config);
  });
}

}  // namespace

// Configs are read with get<int>() / get<std::int64_t>() in many places; converting a float beyond
// the integer's range is undefined behaviour, so such numbers are refused up front. Real configs
// hold no float of that size (counts are integers; rates, epsilons and clip values are small).
void check_config_numbers(const Config& value, const std::string& where, int depth) {
  if (depth > 256) throw ValueError("Model config: nested deeper than 256 levels at '" + where + "'");
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (!(std::abs(x) < 2147483648.0))
      throw ValueError("Model config: the number " + value.dump() + " at '" + where +
                       "' is out of range (floats in a config must lie within +-2^31)");
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) check_config_numbers(it.value(), where + "/" + it.key(), depth + 1);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) check_config_numbers(value[i], where + "/" + std::to_string(i), depth + 1);
  }
}

Config parse_json(const std::string& text, const std::string& what) {
  Config parsed;
  try {
    parsed = Config::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(what + " is not valid JSON: " + e.what());
  }
  try {
    check_config_numbers(parsed, "");
  } catch (const ValueError& e) {
    throw ValueError(what + ": " + e.what());
  }
  return parsed;
}

std::shared_ptr<Model> rebuild_model(const Config& config, const std::string& path, const std::string& what) {
  try {
    return model_from_config(config);
  } catch (const NotImplementedError& e) {
    throw NotImplementedError("File '" + path + "': " + e.what());
  } catch (const Error& e) {
    throw ValueError("File '" + path + "': cannot rebuild the model from its " + what + ": " + e.what());
  }
}

Config training_config(const Model& model) {
  Config metrics = Config::array();
  for (const auto& m : model.metric_specs()) metrics.push_back(m.ptr ? m.ptr->name() : m.name);
  Config out{{"optimizer_config",
              {{"class_name", model.optimizer()->class_name()}, {"config", model.optimizer()->get_config()}}},
             {"loss", model.loss() ? losses::serialize(*model.loss()) : Config(nullptr)},
             {"metrics", metrics},
             {"weighted_metrics", nullptr},
             {"loss_weights", nullptr}};
  return out;
}

void compile_from(Model& model, const Config& tc, const std::string& path) {
  try {
    Config opt_config = tc.at("optimizer_config");
    if (opt_config.contains("class_name") && opt_config["class_name"].is_string()) {
      std::string cls = opt_config["class_name"].get<std::string>();
      if (cls.starts_with("Custom>")) opt_config["class_name"] = cls.substr(7);  // tf.keras 2.11+
    }
    // tf.keras 2.11+'s legacy optimizers are OptimizerV2's: their formulas are tf.keras 2.10's.
    bool legacy_optimizer = false;
    // Keras 1 / early Keras 2 spelling: lr, and a decay that Keras 3 optimizers no longer take.
    if (opt_config.contains("config") && opt_config["config"].is_object()) {
      Config& c = opt_config["config"];
      if (c.contains("lr") && !c.contains("learning_rate")) c["learning_rate"] = c["lr"];
      c.erase("lr");
      if (c.contains("decay") && c["decay"].is_number() && c["decay"].get<double>() == 0.0) c.erase("decay");
      // A nonzero one is Keras 2's lr / (1 + decay * iterations): Keras 3's InverseTimeDecay, step 1.
      if (c.contains("decay") && c["decay"].is_number() && c.contains("learning_rate") && c["learning_rate"].is_number()) {
        c["learning_rate"] = {{"class_name", "InverseTimeDecay"},
                              {"config",
                               {{"initial_learning_rate", c["learning_rate"]},
                                {"decay_steps", 1},
                                {"decay_rate", c["decay"]},
                                {"staircase", false}}}};
        c.erase("decay");
      }
      // tf.keras 2.11+ bookkeeping without meaning here.
      legacy_optimizer = c.value("is_legacy_optimizer", Config(false)) == Config(true);
      c.erase("is_legacy_optimizer");
      c.erase("jit_compile");
      // tf.keras 2.11+ stores EMA settings even when EMA is off; they mean nothing then.
      if (!c.contains("use_ema") || (c["use_ema"].is_boolean() && !c["use_ema"].get<bool>())) {
        c.erase("ema_overwrite_frequency");
        c.erase("ema_momentum");
      }
    }
    CompileOptions options;
    {
      const keras_version::Scope scope(legacy_optimizer ? "2.10.0" : "");
      options.optimizer = optimizers::get(opt_config);
    }
    if (tc.contains("loss") && !tc["loss"].is_null()) options.loss = losses::deserialize(tc["loss"]);
    if (tc.contains("metrics") && tc["metrics"].is_array())
      for (const auto& m : tc["metrics"]) {
        if (m.is_string())
          options.metrics.emplace_back(m.get<std::string>());
        else if (m.is_object() && m.contains("config") && m["config"].contains("name"))
          options.metrics.emplace_back(m["config"]["name"].get<std::string>());
      }
    model.compile(std::move(options));
  } catch (const std::exception& e) {
    warn("File '" + path + "': the training configuration could not be restored (" + e.what() +
         "); the model is returned uncompiled. Compile it yourself to train it.");
  }
}

}  // namespace detail

void register_model_class(const std::string& class_name, ModelFactory factory) {
  detail::ensure_model_classes_registered();
  if (!factory) throw ValueError("register_model_class: the factory for '" + class_name + "' is empty");
  std::lock_guard lock(detail::model_mutex());
  detail::model_classes()[class_name] = std::move(factory);
}

std::shared_ptr<Model> model_from_config(const Config& entry) {
  detail::ensure_model_classes_registered();
  detail::check_config_numbers(entry, "");  // first: the messages below dump (recursively) the entry
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
    throw ValueError("Cannot build a model from " + entry.dump().substr(0, 200) +
                     ": expected {\"class_name\": ..., \"config\": ...}");
  const std::string cls = entry["class_name"].get<std::string>();
  ModelFactory factory;
  {
    std::lock_guard lock(detail::model_mutex());
    auto it = detail::model_classes().find(cls);
    if (it != detail::model_classes().end()) factory = it->second;
  }
  if (!factory) {
    if (is_layer_registered(cls))
      throw ValueError("'" + cls + "' is a layer, not a model; wrap it in a Sequential");
    throw ValueError("Unknown model class: '" + cls + "'. Register it with strata::models::register_model_class(...)");
  }
  // A config is untrusted input: a value of the wrong JSON type, or layer sizes no memory can
  // hold, is a ValueError here rather than a foreign exception.
  const Config* version = entry.contains("keras_version") ? &entry["keras_version"] : nullptr;
  const keras_version::Scope scope(version && version->is_string() ? version->get<std::string>() : "");
  try {
    return factory(entry);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError("Cannot build a '" + cls + "' model from its config: " + e.what());
  } catch (const std::bad_alloc&) {
    throw ValueError("Cannot build a '" + cls + "' model from its config: its layers need more memory than can be allocated");
  } catch (const std::length_error& e) {
    throw ValueError("Cannot build a '" + cls + "' model from its config: a size is too large (" + e.what() + ")");
  }
}

}  // namespace strata::models
