// The legacy Keras HDF5 layout (Keras 2 and tf.keras): root attributes model_config,
// training_config, keras_version and backend; model_weights/<layer>/<layer>/<weight>:0 with the
// layer_names and weight_names attributes; optimizer_weights. save_weights writes the same
// model_weights layout at the root of its file.
#include <map>
#include <set>

#include "strata/framework/warnings.hpp"
#include "strata/models/saving/internal.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata::models::detail {

namespace {

std::string weight_name(const Variable& v) {
  std::string n = v.name().empty() ? std::string("weight") : v.name();
  if (!n.ends_with(":0")) n += ":0";
  return n;
}

bool multi_backend_keras(const std::string& version) {
  return keras_version::multi_backend(keras_version::parse(version));
}

bool multi_backend_keras(const saving::hdf5::Object& group) {
  if (!group.has_attribute("keras_version")) return true;  // Keras 1 wrote none
  return multi_backend_keras(group.read_string_attribute("keras_version"));
}

// The multi-backend Network order: every inner layer's trainable variables, then the others,
// whatever the model's own trainable flag (its inner layers keep theirs in that Keras).
void network_order(const Layer& layer, std::vector<Variable>& trainable, std::vector<Variable>& rest) {
  const LayerList list = layer_list(layer);
  if (dynamic_cast<const Model*>(&layer) && !(list.layers.size() == 1 && list.layers[0].get() == &layer)) {
    for (const auto& l : list.layers) network_order(*l, trainable, rest);
    for (const auto& w : list.own) (w.trainable() ? trainable : rest).push_back(w);
    return;
  }
  for (const auto& w : layer.weights()) (w.trainable() ? trainable : rest).push_back(w);
}

// A layer's weights in the order a legacy .h5 lists them: Keras's layer.trainable_weights +
// layer.non_trainable_weights (tf.keras hdf5_format._legacy_weights; multi-backend
// save_weights_to_hdf5_group writes layer.weights, the same list). For a nested model that is every
// trainable weight of its inner layers first, then the non-trainable ones (BatchNormalization's
// moving statistics last), which Layer::weights() gives. A frozen nested model differs by version:
// tf.keras and Keras 3 list each inner layer's variables in turn (Layer::weights() of a frozen
// layer), multi-backend Keras 2 still puts the inner layers' trainable variables first.
std::vector<Variable> legacy_weights(const Layer& layer, bool multi_backend) {
  if (!multi_backend || layer.trainable() || !dynamic_cast<const Model*>(&layer)) return layer.weights();
  std::vector<Variable> trainable, rest;
  network_order(layer, trainable, rest);
  trainable.insert(trainable.end(), rest.begin(), rest.end());
  return trainable;
}

// `name` made unique among `used` as h5py would need it: "kernel:0" -> "kernel_1:0".
std::string unique_name(const std::string& name, std::set<std::string>& used) {
  std::string n = name;
  const bool colon = name.ends_with(":0");
  const std::string stem = colon ? name.substr(0, name.size() - 2) : name;
  for (int k = 1; used.count(n); ++k) n = stem + "_" + std::to_string(k) + (colon ? ":0" : "");
  used.insert(n);
  return n;
}

}  // namespace

void write_legacy_weights(const saving::hdf5::Object& group, const Layer& root, const std::string& keras_version) {
  const LayerList list = layer_list(root);
  std::vector<std::string> layer_names;
  for (const auto& l : list.layers) layer_names.push_back(l->name());
  group.write_string_list_attribute("layer_names", layer_names);
  group.write_string_attribute("backend", kBackend);
  group.write_string_attribute("keras_version", keras_version);
  auto write_layer = [&](const std::string& name, const std::vector<Variable>& weights,
                         const std::map<std::uint64_t, std::string>& keras_names) {
    auto g = group.create_group(name);
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const auto& w : weights) {
      auto it = keras_names.find(w.id());
      names.push_back(unique_name(it != keras_names.end() ? it->second : weight_name(w), used));
      g.write_dataset(names.back(), w.value());
    }
    g.write_string_list_attribute("weight_names", names);
  };
  // In the order the declared version reads them back (a frozen nested model differs, see legacy_weights).
  const bool multi_backend = multi_backend_keras(keras_version);
  for (const auto& l : list.layers)
    write_layer(l->name(), legacy_weights(*l, multi_backend), legacy_weight_names(root, *l, keras_version));
  if (!list.own.empty()) write_layer("top_level_model_weights", list.own, legacy_weight_names(root, root, keras_version));
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
  const bool multi_backend = multi_backend_keras(group);
  if (options.by_name) {
    std::map<std::string, const FileLayer*> by_name;
    for (const auto& f : file_layers) by_name[f.name] = &f;
    for (const auto& l : list.layers) {
      auto it = by_name.find(l->name());
      if (it == by_name.end()) continue;
      const auto targets = legacy_weights(*l, multi_backend);
      std::vector<Tensor> values;
      if (read_layer_weights(group.open_group(it->second->name), it->second->weight_names, targets, describe(*l),
                             options.skip_mismatch, values))
        plan.push_back({nullptr, values, targets});
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
    const auto targets = legacy_weights(*with_weights[i], multi_backend);
    std::vector<Tensor> values;
    if (read_layer_weights(group.open_group(file_layers[i].name), file_layers[i].weight_names, targets,
                           describe(*with_weights[i]), options.skip_mismatch, values))
      plan.push_back({nullptr, values, targets});
  }
  if (!list.own.empty() && group.has_group("top_level_model_weights")) {
    auto g = group.open_group("top_level_model_weights");
    std::vector<Tensor> values;
    if (read_layer_weights(g, g.read_string_list_attribute("weight_names"), list.own, describe(root) + " (own weights)",
                           options.skip_mismatch, values))
      plan.push_back({nullptr, values, list.own});
  }
}

void save_legacy_model(const Model& model, const std::string& path, bool keras2) {
  // The config first: a Lambda layer fails here, before any file is touched.
  keras_version::Recorder recorder;  // the version under which every layer and the optimizer read back as they are
  Config model_config{{"class_name", model.class_name()}, {"config", model.get_config()}};
  Config train_config = model.compiled() && model.optimizer() ? training_config(model) : Config();
  const std::string version = recorded_version(recorder, keras2);
  if (keras2) {
    model_config = to_keras2_form(model_config);
    if (!train_config.is_null()) train_config = to_keras2_form(train_config);
  }
  saving::hdf5::AtomicWriter writer(path);
  auto& file = writer.file();
  file.write_string_attribute("keras_version", version);
  file.write_string_attribute("backend", kBackend);
  file.write_string_attribute("model_config", model_config.dump());
  if (!train_config.is_null()) file.write_string_attribute("training_config", train_config.dump());
  write_legacy_weights(file.create_group("model_weights"), model, version);
  if (model.compiled() && model.optimizer()) {
    auto g = file.create_group("optimizer_weights");
    const auto vars = model.optimizer()->variables();
    const auto names = optimizer_weight_names(*model.optimizer());
    for (std::size_t i = 0; i < vars.size(); ++i) g.write_dataset(names[i], vars[i].value());
    g.write_string_list_attribute("weight_names", names);
  }
  writer.commit();
}

std::shared_ptr<Model> load_legacy_model(saving::hdf5::File& file, const std::string& path, bool compile) {
  if (!file.has_attribute("model_config")) {
    if (file.has_attribute("layer_names") || file.has_group("layers"))
      throw ValueError("File '" + path +
                       "' holds only weights (save_weights); build the model and call load_weights() instead");
    throw ValueError("File '" + path + "' has no model_config attribute: it is not a Keras model file");
  }
  const Config config = parse_json(file.read_string_attribute("model_config"), "File '" + path + "': model_config");
  const keras_version::Scope scope(file.has_attribute("keras_version") ? file.read_string_attribute("keras_version") : "");
  const std::shared_ptr<Model> model = rebuild_model(config, path, "model_config");
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

}  // namespace strata::models::detail
