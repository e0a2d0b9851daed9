#include "strata/models/saving/saving.hpp"

#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <cmath>
#include <ctime>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/layers/registry.hpp"
#include "strata/models/functional.hpp"
#include "strata/losses/losses.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/models/saving/zip_archive.hpp"
#include "strata/models/sequential.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata {

namespace models {

namespace {

// The Keras version whose file layout and config spelling Strata writes (Keras 3 configs:
// batch_shape, module / registered_name), and the backend attribute Keras uses only to decide
// whether conv kernels need flipping (Strata's layouts are TensorFlow's).
constexpr const char* kKerasVersion = "3.3.3";
constexpr const char* kBackend = "tensorflow";

void warn(const std::string& message) { std::cerr << "WARNING: " << message << "\n"; }

// ------------------------------------------------------------------ model classes

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
    if (!is_input && !has_input && layer_entry.is_object() && layer_entry.contains("config")) {
      // Keras 2: the first layer carries the input shape.
      if (auto shape = cfg::batch_input_shape(layer_entry["config"]); shape && shape->rank() >= 1) {
        layers::InputOptions o;
        o.name = cfg::name(layer_entry["config"]) + "_input";
        o.dtype = cfg::dtype(layer_entry["config"]);
        if ((*shape)[0] >= 0) o.batch_size = (*shape)[0];
        model->add(SequentialItem(std::make_shared<layers::InputLayer>(
            Shape(std::vector<std::int64_t>(shape->begin() + 1, shape->end())), o)));
      }
    }
    has_input = true;
    model->add(SequentialItem(layer_from_config(layer_entry)));
  }
  if (config.is_object() && !model->built())
    if (const Config* shape = cfg::find(config, {"build_input_shape"}))
      if (auto s = cfg::batch_input_shape(Config{{"batch_shape", *shape}})) model->ensure_built(*s);
  if (!cfg::trainable(config)) model->set_trainable(false);
  return model;
}

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    {
      std::lock_guard lock(model_mutex());
      model_classes().emplace("Sequential", sequential_from_config);
      model_classes().emplace("Functional", functional_from_config);
      model_classes().emplace("Model", functional_from_config);
    }
    if (!is_layer_registered("Sequential"))
      register_layer("Sequential", [](const Config& config) -> LayerPtr {
        return sequential_from_config(Config{{"class_name", "Sequential"}, {"config", config}});
      });
  });
}

// ------------------------------------------------------------------ which layers hold which weights

// A non-owning pointer (models may live on the stack).
LayerPtr unowned(const Layer& layer) { return LayerPtr(LayerPtr(), const_cast<Layer*>(&layer)); }

// The layers a file lists for `root`, in model order, and the root's own weights.
struct LayerList {
  std::vector<LayerPtr> layers;
  std::vector<Variable> own;  // weights of the root not held by any listed layer
};

LayerList layer_list(const Layer& root) {
  LayerList out;
  if (auto* seq = dynamic_cast<const Sequential*>(&root))
    out.layers = seq->layers();
  else if (auto* model = dynamic_cast<const Model*>(&root); model && model->is_functional())
    out.layers = model->layers();  // InputLayers included, as Keras lists them
  else if (!root.sublayers().empty())
    out.layers = root.sublayers();
  else {
    out.layers = {unowned(root)};
    return out;
  }
  std::set<std::uint64_t> held;
  for (const auto& l : out.layers)
    for (const auto& w : l->weights()) held.insert(w.id());
  for (const auto& w : root.weights())
    if (!held.count(w.id())) out.own.push_back(w);
  return out;
}

std::string shape_text(const Shape& s) { return s.to_string(); }

// A weight to assign once everything is checked.
struct Assignment {
  LayerPtr layer;  // set_weights on the whole layer
  std::vector<Tensor> values;
  std::vector<Variable> variables;  // or these variables one by one
};

void apply(const std::vector<Assignment>& plan) {
  autodiff::NoRecordScope no_record;
  for (const auto& a : plan) {
    if (a.layer) {
      a.layer->set_weights(a.values);
    } else {
      for (std::size_t i = 0; i < a.variables.size(); ++i) {
        Variable v = a.variables[i];
        v.assign(cast(a.values[i].to(v.device()), v.dtype()));
      }
    }
  }
}

std::string weight_name(const Variable& v) {
  std::string n = v.name().empty() ? std::string("weight") : v.name();
  if (!n.ends_with(":0")) n += ":0";
  return n;
}

// Checks and reads the datasets of one layer's group against `expected`. Returns false (after a
// warning) when skip_mismatch allows skipping it.
bool read_layer_weights(const saving::hdf5::Object& group, const std::vector<std::string>& names,
                        const std::vector<Variable>& expected, const std::string& layer_desc,
                        bool skip_mismatch, std::vector<Tensor>& values) {
  if (names.size() != expected.size()) {
    const std::string message = "Layer " + layer_desc + " expects " + std::to_string(expected.size()) +
                                " weight(s), but the saved weights in group '" + group.path() + "' of file '" +
                                group.file() + "' have " + std::to_string(names.size()) + " element(s)";
    if (skip_mismatch) {
      warn("Skipping loading of weights for layer " + layer_desc + ": " + message);
      return false;
    }
    throw ValueError(message);
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Shape stored = group.dataset_shape(names[i]);
    if (stored != expected[i].shape()) {
      const std::string message = "Shape mismatch in layer " + layer_desc + " for weight '" + expected[i].name() +
                                  "': the model expects " + shape_text(expected[i].shape()) + ", but file '" +
                                  group.file() + "' has " + shape_text(stored) + " at '" + group.path() + "/" +
                                  names[i] + "'";
      if (skip_mismatch) {
        warn("Skipping loading of weights for layer " + layer_desc + ": " + message);
        return false;
      }
      throw ValueError(message);
    }
  }
  values.clear();
  for (const auto& n : names) values.push_back(group.read_dataset(n));
  return true;
}

std::string describe(const Layer& layer) { return "'" + layer.name() + "' (" + layer.class_name() + ")"; }

void check_built(const Layer& root, const std::vector<LayerPtr>& layers, const std::string& path) {
  for (const auto& l : layers)
    if (!l->built())
      throw ValueError("Cannot load weights from file '" + path + "' into model '" + root.name() + "': layer " +
                       describe(*l) + " is not built yet. Give the model an Input shape or call it on data first.");
}

// ------------------------------------------------------------------ legacy layout (Keras 2)

void write_legacy_weights(const saving::hdf5::Object& group, const Layer& root) {
  const LayerList list = layer_list(root);
  std::vector<std::string> layer_names;
  for (const auto& l : list.layers) layer_names.push_back(l->name());
  group.write_string_list_attribute("layer_names", layer_names);
  group.write_string_attribute("backend", kBackend);
  group.write_string_attribute("keras_version", kKerasVersion);
  auto write_layer = [&](const std::string& name, const std::vector<Variable>& weights) {
    auto g = group.create_group(name);
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const auto& w : weights) {
      std::string n = weight_name(w);
      for (int k = 1; used.count(n); ++k) n = weight_name(w).substr(0, weight_name(w).size() - 2) + "_" + std::to_string(k) + ":0";
      used.insert(n);
      names.push_back(n);
      g.write_dataset(n, w.value());
    }
    g.write_string_list_attribute("weight_names", names);
  };
  for (const auto& l : list.layers) write_layer(l->name(), l->weights());
  if (!list.own.empty()) write_layer("top_level_model_weights", list.own);
}

void plan_legacy_weights(const saving::hdf5::Object& group, const Layer& root, const LoadWeightsOptions& options,
                         std::vector<Assignment>& plan) {
  const LayerList list = layer_list(root);
  check_built(root, list.layers, group.file());
  const auto file_layer_names = group.read_string_list_attribute("layer_names");
  struct FileLayer {
    std::string name;
    std::vector<std::string> weight_names;
  };
  std::vector<FileLayer> file_layers;
  for (const auto& n : file_layer_names) {
    auto g = group.open_group(n);
    auto names = g.read_string_list_attribute("weight_names");
    if (!names.empty() || options.by_name) file_layers.push_back({n, names});
  }
  if (options.by_name) {
    std::map<std::string, const FileLayer*> by_name;
    for (const auto& f : file_layers) by_name[f.name] = &f;
    for (const auto& l : list.layers) {
      auto it = by_name.find(l->name());
      if (it == by_name.end()) continue;
      std::vector<Tensor> values;
      if (read_layer_weights(group.open_group(it->second->name), it->second->weight_names, l->weights(), describe(*l),
                             options.skip_mismatch, values))
        plan.push_back({l, values, {}});
    }
    return;
  }
  std::vector<LayerPtr> with_weights;
  for (const auto& l : list.layers)
    if (!l->weights().empty()) with_weights.push_back(l);
  if (with_weights.size() != file_layers.size()) {
    auto names = [](const auto& items, auto get) {
      std::string s;
      for (const auto& i : items) s += (s.empty() ? "" : ", ") + get(i);
      return s;
    };
    throw ValueError("Layer count mismatch when loading weights from file '" + group.file() + "': model '" + root.name() +
                     "' has " + std::to_string(with_weights.size()) + " layer(s) with weights (" +
                     names(with_weights, [](const LayerPtr& l) { return l->name(); }) + "), but the file has " +
                     std::to_string(file_layers.size()) + " (" +
                     names(file_layers, [](const FileLayer& f) { return f.name; }) + ")");
  }
  for (std::size_t i = 0; i < with_weights.size(); ++i) {
    std::vector<Tensor> values;
    if (read_layer_weights(group.open_group(file_layers[i].name), file_layers[i].weight_names, with_weights[i]->weights(),
                           describe(*with_weights[i]), options.skip_mismatch, values))
      plan.push_back({with_weights[i], values, {}});
  }
  if (!list.own.empty() && group.has_group("top_level_model_weights")) {
    auto g = group.open_group("top_level_model_weights");
    std::vector<Tensor> values;
    if (read_layer_weights(g, g.read_string_list_attribute("weight_names"), list.own, describe(root) + " (own weights)",
                           options.skip_mismatch, values))
      plan.push_back({nullptr, values, list.own});
  }
}

// ------------------------------------------------------------------ optimizer state

std::vector<std::string> optimizer_weight_names(const optimizers::Optimizer& opt) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const auto& v : opt.variables()) {
    std::string n = v.name();
    for (auto& c : n)
      if (c == '/') c = '_';
    n = opt.name() + "/" + n;
    std::string unique = n;
    for (int k = 1; used.count(unique); ++k) unique = n + "_" + std::to_string(k);
    used.insert(unique);
    names.push_back(unique);
  }
  return names;
}

// Creates the optimizer's slots for the model's trainable weights without changing any value:
// one step with zero gradients, after which the weights and the iteration count are put back.
void build_optimizer(Model& model) {
  auto& opt = *model.optimizer();
  const auto variables = model.trainable_weights();
  if (variables.empty()) return;
  autodiff::NoRecordScope no_record;
  std::vector<Tensor> saved, zero;
  for (const auto& v : variables) {
    saved.push_back(Tensor::from_vector(v.value().to_vector<double>(), v.shape(), v.dtype()));
    zero.push_back(zeros_like(v.value()));
  }
  const auto iterations = opt.iterations();
  const double lr = opt.learning_rate();
  opt.apply_gradients(zero, variables);
  for (std::size_t i = 0; i < variables.size(); ++i) {
    Variable v = variables[i];
    v.assign(saved[i]);
  }
  opt.set_iterations(iterations);
  if (!opt.learning_rate_schedule()) opt.set_learning_rate(lr);
}

// Plans the optimizer state of `values` (file order = optimizer.variables() order).
bool plan_optimizer(Model& model, const std::vector<Shape>& shapes, const std::string& file,
                    std::vector<Variable>& targets) {
  auto opt = model.optimizer();
  if (!opt) return false;
  if (opt->variables().size() < shapes.size()) build_optimizer(model);
  targets = opt->variables();
  if (targets.size() != shapes.size()) {
    warn("Skipping loading of the optimizer state from file '" + file + "': the file has " +
         std::to_string(shapes.size()) + " optimizer variable(s), the optimizer of model '" + model.name() + "' has " +
         std::to_string(targets.size()) + ". The optimizer starts from scratch.");
    return false;
  }
  for (std::size_t i = 0; i < shapes.size(); ++i)
    if (shapes[i] != targets[i].shape()) {
      warn("Skipping loading of the optimizer state from file '" + file + "': variable '" + targets[i].name() +
           "' has shape " + shape_text(targets[i].shape()) + " but the file has " + shape_text(shapes[i]) +
           ". The optimizer starts from scratch.");
      return false;
    }
  return true;
}

// ------------------------------------------------------------------ Keras 3 layout (.weights.h5)

std::string snake_case(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && (std::islower(static_cast<unsigned char>(name[i - 1])) || std::isdigit(static_cast<unsigned char>(name[i - 1])) ||
                    (i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1])) &&
                     std::isupper(static_cast<unsigned char>(name[i - 1])))))
        out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

// Keras 3's keys for a list of layers: snake_case(class name), made unique in order.
std::vector<std::string> keras3_keys(const std::vector<LayerPtr>& layers) {
  std::map<std::string, int> seen;
  std::vector<std::string> keys;
  for (const auto& l : layers) {
    const std::string base = snake_case(l->class_name());
    int& n = seen[base];
    keys.push_back(n == 0 ? base : base + "_" + std::to_string(n));
    ++n;
  }
  return keys;
}

bool is_container(const Layer& layer) { return dynamic_cast<const Sequential*>(&layer) != nullptr; }

void write_vars(const saving::hdf5::Object& parent, const std::string& name, const std::vector<Variable>& vars,
                const std::string& owner) {
  auto g = parent.create_group(name);
  if (!owner.empty()) g.write_string_attribute("name", owner);
  for (std::size_t i = 0; i < vars.size(); ++i) g.write_dataset(std::to_string(i), vars[i].value());
}

// Keras 3 keeps a wrapper's sub-layers under the attributes that hold them (an RNN's "cell",
// Bidirectional's "forward_layer"): the layer's own weights go to vars, each child to its group.
std::vector<Variable> own_weights(const Layer& layer, const std::vector<std::pair<std::string, LayerPtr>>& children) {
  std::set<std::uint64_t> held;
  for (const auto& [key, child] : children)
    for (const auto& w : child->weights()) held.insert(w.id());
  std::vector<Variable> own;
  for (const auto& w : layer.weights())
    if (!held.count(w.id())) own.push_back(w);
  return own;
}

void write_keras3_layer(const saving::hdf5::Object& at, const Layer& layer) {
  const auto children = layer.keras3_children();
  write_vars(at, "vars", children.empty() ? layer.weights() : own_weights(layer, children), layer.name());
  for (const auto& [key, child] : children) write_keras3_layer(at.create_group(key), *child);
}

void write_keras3(const saving::hdf5::Object& at, const Layer& layer, bool root) {
  if (!root && !is_container(layer)) {
    write_keras3_layer(at, layer);
    return;
  }
  const LayerList list = layer_list(layer);
  if (list.layers.size() == 1 && list.layers[0].get() == &layer) {  // a plain layer at the root
    write_vars(at, "vars", layer.weights(), "");
    return;
  }
  write_vars(at, "vars", list.own, "");
  auto layers_group = at.create_group("layers");
  const auto keys = keras3_keys(list.layers);
  for (std::size_t i = 0; i < list.layers.size(); ++i)
    write_keras3(layers_group.create_group(keys[i]), *list.layers[i], false);
}

void plan_vars(const saving::hdf5::Object& at, const std::vector<Variable>& expected, const std::string& desc,
               const LoadWeightsOptions& options, std::vector<Assignment>& plan) {
  if (!at.has_group("vars")) {
    if (expected.empty()) return;
    throw ValueError("File '" + at.file() + "' has no weights for layer " + desc + " (missing group '" + at.path() +
                     "/vars')");
  }
  auto g = at.open_group("vars");
  std::vector<std::string> names;
  for (std::size_t i = 0; g.has_dataset(std::to_string(i)); ++i) names.push_back(std::to_string(i));
  std::vector<Tensor> values;
  if (read_layer_weights(g, names, expected, desc, options.skip_mismatch, values) && !expected.empty())
    plan.push_back({nullptr, values, expected});
}

void plan_keras3_layer(const saving::hdf5::Object& at, const Layer& layer, const LoadWeightsOptions& options,
                       std::vector<Assignment>& plan) {
  const auto children = layer.keras3_children();
  plan_vars(at, children.empty() ? layer.weights() : own_weights(layer, children), describe(layer), options, plan);
  for (const auto& [key, child] : children) {
    if (!at.has_group(key)) {
      if (child->weights().empty()) continue;
      throw ValueError("File '" + at.file() + "' has no weights for layer " + describe(*child) + " (missing group '" +
                       at.path() + "/" + key + "')");
    }
    plan_keras3_layer(at.open_group(key), *child, options, plan);
  }
}

void plan_keras3(const saving::hdf5::Object& at, const Layer& layer, bool root, const LoadWeightsOptions& options,
                 std::vector<Assignment>& plan) {
  if (!root && !is_container(layer)) {
    plan_keras3_layer(at, layer, options, plan);
    return;
  }
  const LayerList list = layer_list(layer);
  check_built(layer, list.layers, at.file());
  if (list.layers.size() == 1 && list.layers[0].get() == &layer) {
    plan_vars(at, layer.weights(), describe(layer), options, plan);
    return;
  }
  plan_vars(at, list.own, describe(layer) + " (own weights)", options, plan);
  const auto keys = keras3_keys(list.layers);
  for (std::size_t i = 0; i < list.layers.size(); ++i) {
    const std::string key = "layers/" + keys[i];
    if (!at.has_group(key)) {
      if (list.layers[i]->weights().empty()) continue;
      throw ValueError("File '" + at.file() + "' has no weights for layer " + describe(*list.layers[i]) +
                       " (missing group '" + at.path() + (at.path() == "/" ? "" : "/") + key + "')");
    }
    plan_keras3(at.open_group(key), *list.layers[i], false, options, plan);
  }
}

// ------------------------------------------------------------------ opening

// The weights inside a .keras zip, opened from memory (named "<archive>/model.weights.h5").
saving::hdf5::File open_keras_weights(const saving::zip::Reader& archive);

saving::hdf5::File open_hdf5(const std::string& path) {
  if (saving::hdf5::sniff(path) == "zip") return open_keras_weights(saving::zip::Reader::open(path));
  return saving::hdf5::File::open(path);
}

// Configs are read with get<int>() / get<std::int64_t>() in many places; converting a float beyond
// the integer's range is undefined behaviour, so such numbers are refused up front. Real configs
// hold no float of that size (counts are integers; rates, epsilons and clip values are small).
void check_config_numbers(const Config& value, const std::string& where, int depth = 0) {
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
    // Keras 1 / early Keras 2 spelling: lr, and a decay that Keras 3 optimizers no longer take.
    if (opt_config.contains("config") && opt_config["config"].is_object()) {
      Config& c = opt_config["config"];
      if (c.contains("lr") && !c.contains("learning_rate")) c["learning_rate"] = c["lr"];
      c.erase("lr");
      if (c.contains("decay") && c["decay"].is_number() && c["decay"].get<double>() == 0.0) c.erase("decay");
      // tf.keras 2.11+ bookkeeping without meaning here.
      c.erase("is_legacy_optimizer");
      c.erase("jit_compile");
      // tf.keras 2.11+ stores EMA settings even when EMA is off; they mean nothing then.
      if (!c.contains("use_ema") || (c["use_ema"].is_boolean() && !c["use_ema"].get<bool>())) {
        c.erase("ema_overwrite_frequency");
        c.erase("ema_momentum");
      }
    }
    CompileOptions options;
    options.optimizer = optimizers::get(opt_config);
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

// ------------------------------------------------------------------ Keras 3 .keras archive

// A zip of metadata.json, config.json and model.weights.h5 (the Keras 3 weights layout, with the
// optimizer's variables under /optimizer/vars), as Keras 3's saving_lib writes it.
constexpr const char* kMetadataMember = "metadata.json";
constexpr const char* kConfigMember = "config.json";
constexpr const char* kWeightsMember = "model.weights.h5";

saving::hdf5::File open_keras_weights(const saving::zip::Reader& archive) {
  if (!archive.contains(kWeightsMember))
    throw IOError("Zip archive '" + archive.path() + "' has no member '" + kWeightsMember +
                  "': it is not a Keras 3 .keras model file");
  return saving::hdf5::File::open_image(archive.read(kWeightsMember), archive.path() + "/" + kWeightsMember);
}

std::string date_saved() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  char buffer[32] = "1980-01-01@00:00:00";
  if (localtime_r(&t, &tm)) std::strftime(buffer, sizeof buffer, "%Y-%m-%d@%H:%M:%S", &tm);
  return buffer;
}

// Keras 3's serialized model: module / class_name / config / registered_name, build_config, and
// compile_config (Model.get_compile_config: the compile() arguments, serialized).
Config keras3_model_config(const Model& model) {
  Config out{{"module", "keras"}, {"class_name", model.class_name()}, {"config", model.get_config()}, {"registered_name", nullptr}};
  if (model.is_functional()) {
    out["module"] = "keras.src.models.functional";
    out["registered_name"] = "Functional";
  }
  if (const auto& shape = model.build_input_shape(); shape && !model.is_functional()) {
    Config dims = Config::array();
    for (auto d : *shape) dims.push_back(d < 0 ? Config(nullptr) : Config(d));
    out["build_config"] = {{"input_shape", dims}};
    // Keras 3's Sequential config carries it too (from_config builds the model with it).
    if (out["config"].is_object() && !out["config"].contains("build_input_shape")) out["config"]["build_input_shape"] = dims;
  }
  if (model.compiled() && model.optimizer()) {
    Config metrics = Config::array();
    for (const auto& m : model.metric_specs()) metrics.push_back(m.ptr ? m.ptr->name() : m.name);
    out["compile_config"] = {{"optimizer", optimizers::serialize(*model.optimizer())},
                             {"loss", model.loss() ? losses::serialize(*model.loss()) : Config(nullptr)},
                             {"loss_weights", nullptr},
                             {"metrics", metrics.empty() ? Config(nullptr) : metrics},
                             {"weighted_metrics", nullptr},
                             {"run_eagerly", false},
                             {"steps_per_execution", 1},
                             {"jit_compile", false}};
  }
  return out;
}

void save_keras_archive(const Model& model, const std::string& path) {
  // The config first: a Lambda layer fails here, before any file is touched.
  const Config config = keras3_model_config(model);
  std::string weights;
  {
    auto h5 = saving::hdf5::File::create_image(path + "/" + kWeightsMember);
    write_keras3(h5, model, true);
    if (model.compiled() && model.optimizer())
      write_vars(h5.create_group("optimizer"), "vars", model.optimizer()->variables(), "");
    weights = h5.image();
  }
  const Config metadata{{"keras_version", kKerasVersion}, {"date_saved", date_saved()}};
  saving::zip::Writer archive(path);
  archive.add(kMetadataMember, metadata.dump(), saving::zip::Writer::kDos1980);
  archive.add(kConfigMember, config.dump(), saving::zip::Writer::kDos1980);
  archive.add(kWeightsMember, weights);
  archive.commit();
}

// Restores the optimizer's variables from /optimizer/vars (a warning, not an error, when they do
// not fit: the model itself is complete without them, as for legacy files).
void restore_keras3_optimizer(Model& model, const saving::hdf5::Object& file, const std::string& path) {
  if (!model.compiled() || !file.has_group("optimizer/vars")) return;
  try {
    auto g = file.open_group("optimizer/vars");
    std::vector<Shape> shapes;
    for (std::size_t i = 0; g.has_dataset(std::to_string(i)); ++i) shapes.push_back(g.dataset_shape(std::to_string(i)));
    std::vector<Variable> targets;
    if (plan_optimizer(model, shapes, path, targets)) {
      std::vector<Tensor> values;
      for (std::size_t i = 0; i < shapes.size(); ++i) values.push_back(g.read_dataset(std::to_string(i)));
      apply({{nullptr, values, targets}});
    }
  } catch (const Error& e) {
    warn(std::string("Skipping loading of the optimizer state: ") + e.what());
  }
}

std::shared_ptr<Model> load_keras_archive(const std::string& path, bool compile) {
  const auto archive = saving::zip::Reader::open(path);
  for (const char* member : {kConfigMember, kWeightsMember})
    if (!archive.contains(member))
      throw IOError("Zip archive '" + path + "' has no member '" + member + "': it is not a Keras 3 .keras model file");
  const std::string where = "File '" + path + "': member '" + kConfigMember + "'";
  const Config config = parse_json(archive.read(kConfigMember, saving::hdf5::kMaxAttributeBytes), where);
  if (!config.is_object()) throw ValueError(where + " is not a JSON object");
  std::shared_ptr<Model> model;
  try {
    model = model_from_config(config);
  } catch (const NotImplementedError& e) {
    throw NotImplementedError("File '" + path + "': " + e.what());
  } catch (const Error& e) {
    throw ValueError("File '" + path + "': cannot rebuild the model from its config.json: " + e.what());
  }
  if (!model->built() && config.contains("build_config") && config["build_config"].is_object())
    if (auto shape = layers::config::batch_input_shape(Config{{"batch_shape", config["build_config"].value("input_shape", Config())}})) {
      try {
        model->ensure_built(*shape);
      } catch (const Error& e) {
        throw ValueError("File '" + path + "': cannot build the model from its build_config: " + e.what());
      } catch (const std::bad_alloc&) {
        throw ValueError("File '" + path + "': cannot build the model from its build_config: out of memory");
      }
    }
  const auto weights = open_keras_weights(archive);
  std::vector<Assignment> plan;
  plan_keras3(weights, *model, true, {}, plan);
  apply(plan);
  if (compile && config.contains("compile_config") && config["compile_config"].is_object()) {
    const Config& cc = config["compile_config"];
    Config tc = Config::object();
    if (cc.contains("optimizer") && cc["optimizer"].is_string())
      tc["optimizer_config"] = {{"class_name", cc["optimizer"]}, {"config", Config::object()}};
    else if (cc.contains("optimizer"))
      tc["optimizer_config"] = cc["optimizer"];
    tc["loss"] = cc.contains("loss") ? cc["loss"] : Config(nullptr);
    tc["metrics"] = cc.contains("metrics") ? cc["metrics"] : Config(nullptr);
    compile_from(*model, tc, path);
    restore_keras3_optimizer(*model, weights, path);
  }
  return model;
}

}  // namespace

// ------------------------------------------------------------------ public API

void register_model_class(const std::string& class_name, ModelFactory factory) {
  ensure_registered();
  if (!factory) throw ValueError("register_model_class: the factory for '" + class_name + "' is empty");
  std::lock_guard lock(model_mutex());
  model_classes()[class_name] = std::move(factory);
}

std::shared_ptr<Model> model_from_config(const Config& entry) {
  ensure_registered();
  check_config_numbers(entry, "");  // first: the messages below dump (recursively) the entry
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
    throw ValueError("Cannot build a model from " + entry.dump().substr(0, 200) +
                     ": expected {\"class_name\": ..., \"config\": ...}");
  const std::string cls = entry["class_name"].get<std::string>();
  ModelFactory factory;
  {
    std::lock_guard lock(model_mutex());
    auto it = model_classes().find(cls);
    if (it != model_classes().end()) factory = it->second;
  }
  if (!factory) {
    if (cls == "Functional" || cls == "Model")
      throw NotImplementedError("Cannot load a Functional model (class_name '" + cls +
                                "'): Strata loads only Sequential models for now");
    if (is_layer_registered(cls))
      throw ValueError("'" + cls + "' is a layer, not a model; wrap it in a Sequential");
    throw ValueError("Unknown model class: '" + cls + "'. Register it with strata::models::register_model_class(...)");
  }
  // A config is untrusted input: a value of the wrong JSON type, or layer sizes no memory can
  // hold, is a ValueError here rather than a foreign exception.
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

std::string to_json(const Layer& model) {
  Config out{{"class_name", model.class_name()},
             {"config", model.get_config()},
             {"keras_version", kKerasVersion},
             {"backend", kBackend}};
  return out.dump();
}

std::shared_ptr<Model> model_from_json(const std::string& json) {
  return model_from_config(parse_json(json, "model_from_json: the text"));
}

void save_weights(const Layer& layer, const std::string& path) {
  saving::hdf5::AtomicWriter writer(path);
  auto& file = writer.file();
  if (path.ends_with(".weights.h5")) {
    write_keras3(file, layer, true);
    if (auto* model = dynamic_cast<const Model*>(&layer); model && model->optimizer())
      write_vars(file.create_group("optimizer"), "vars", model->optimizer()->variables(), "");
  } else {
    write_legacy_weights(file, layer);
  }
  writer.commit();
}

void load_weights(Layer& layer, const std::string& path, const LoadWeightsOptions& options) {
  auto file = open_hdf5(path);
  std::vector<Assignment> plan;
  if (file.has_attribute("layer_names")) {
    plan_legacy_weights(file, layer, options, plan);
  } else if (file.has_group("model_weights")) {
    plan_legacy_weights(file.open_group("model_weights"), layer, options, plan);
  } else if (file.has_group("layers") || file.has_group("vars")) {
    if (options.by_name)
      throw ValueError("File '" + path + "' is a Keras 3 .weights.h5 file, which cannot be loaded by_name (as in Keras)");
    plan_keras3(file, layer, true, options, plan);
    auto* model = dynamic_cast<Model*>(&layer);
    if (model && model->optimizer() && file.has_group("optimizer/vars")) {
      auto g = file.open_group("optimizer/vars");
      std::vector<Shape> shapes;
      std::vector<Tensor> values;
      for (std::size_t i = 0; g.has_dataset(std::to_string(i)); ++i) shapes.push_back(g.dataset_shape(std::to_string(i)));
      std::vector<Variable> targets;
      if (plan_optimizer(*model, shapes, path, targets)) {
        for (std::size_t i = 0; i < shapes.size(); ++i) values.push_back(g.read_dataset(std::to_string(i)));
        plan.push_back({nullptr, values, targets});
      }
    }
  } else {
    throw ValueError("File '" + path +
                     "' holds no Keras weights: expected a 'layer_names' attribute (legacy .h5), a 'model_weights' "
                     "group (full model) or a 'layers' group (Keras 3 .weights.h5)");
  }
  apply(plan);
}

void save_model(const Model& model, const std::string& path) {
  if (path.ends_with(".keras")) return save_keras_archive(model, path);  // Keras 3 zip
  // The config first: a Lambda layer fails here, before any file is touched.
  const Config model_config{{"class_name", model.class_name()}, {"config", model.get_config()}};
  saving::hdf5::AtomicWriter writer(path);
  auto& file = writer.file();
  file.write_string_attribute("keras_version", kKerasVersion);
  file.write_string_attribute("backend", kBackend);
  file.write_string_attribute("model_config", model_config.dump());
  if (model.compiled() && model.optimizer()) file.write_string_attribute("training_config", training_config(model).dump());
  write_legacy_weights(file.create_group("model_weights"), model);
  if (model.compiled() && model.optimizer()) {
    auto g = file.create_group("optimizer_weights");
    const auto vars = model.optimizer()->variables();
    const auto names = optimizer_weight_names(*model.optimizer());
    for (std::size_t i = 0; i < vars.size(); ++i) g.write_dataset(names[i], vars[i].value());
    g.write_string_list_attribute("weight_names", names);
  }
  writer.commit();
}

std::shared_ptr<Model> load_model(const std::string& path, bool compile) {
  if (saving::hdf5::sniff(path) == "zip") return load_keras_archive(path, compile);  // by content
  auto file = open_hdf5(path);
  if (!file.has_attribute("model_config")) {
    if (file.has_attribute("layer_names") || file.has_group("layers"))
      throw ValueError("File '" + path +
                       "' holds only weights (save_weights); build the model and call load_weights() instead");
    throw ValueError("File '" + path + "' has no model_config attribute: it is not a Keras model file");
  }
  const Config config = parse_json(file.read_string_attribute("model_config"), "File '" + path + "': model_config");
  std::shared_ptr<Model> model;
  try {
    model = model_from_config(config);
  } catch (const NotImplementedError& e) {
    throw NotImplementedError("File '" + path + "': " + e.what());
  } catch (const Error& e) {
    throw ValueError("File '" + path + "': cannot rebuild the model from its model_config: " + e.what());
  }
  if (!file.has_group("model_weights")) throw ValueError("File '" + path + "' has no 'model_weights' group");
  std::vector<Assignment> plan;
  plan_legacy_weights(file.open_group("model_weights"), *model, {}, plan);
  apply(plan);
  if (compile && file.has_attribute("training_config")) {
    Config tc;
    try {
      tc = parse_json(file.read_string_attribute("training_config"), "File '" + path + "': training_config");
    } catch (const Error& e) {
      warn(e.what());
    }
    if (tc.is_object()) compile_from(*model, tc, path);
    if (model->compiled() && file.has_group("optimizer_weights")) {
      try {
        auto g = file.open_group("optimizer_weights");
        const auto names = g.read_string_list_attribute("weight_names");
        std::vector<Shape> shapes;
        for (const auto& n : names) shapes.push_back(g.dataset_shape(n));
        std::vector<Variable> targets;
        if (plan_optimizer(*model, shapes, path, targets)) {
          std::vector<Tensor> values;
          for (const auto& n : names) values.push_back(g.read_dataset(n));
          apply({{nullptr, values, targets}});
        }
      } catch (const Error& e) {
        warn(std::string("Skipping loading of the optimizer state: ") + e.what());
      }
    }
  }
  return model;
}

}  // namespace models

void Model::save(const std::string& path) const { models::save_model(*this, path); }
void Model::save_weights(const std::string& path) const { models::save_weights(*this, path); }
void Model::load_weights(const std::string& path, const LoadWeightsOptions& options) {
  models::load_weights(*this, path, options);
}
std::string Model::to_json() const { return models::to_json(*this); }

}  // namespace strata
