// The Keras 3 weights layout (.weights.h5, and the model.weights.h5 inside a .keras archive):
// vars/<i> for a layer's own weights, layers/<key>/... for the layers of a model (the key is the
// snake_case class name, made unique in order), a wrapper's children under their attribute name,
// and the optimizer's variables under optimizer/vars.
#include <map>
#include <set>

#include "strata/framework/naming.hpp"
#include "strata/models/saving/internal.hpp"
#include "strata/models/sequential.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata::models::detail {

namespace {

// Keras 3's keys for a list of layers: to_snake_case(class name), made unique in order.
std::vector<std::string> keras3_keys(const std::vector<LayerPtr>& layers) {
  std::map<std::string, int> seen;
  std::vector<std::string> keys;
  for (const auto& l : layers) {
    const std::string base = to_snake_case(l->class_name());
    int& n = seen[base];
    keys.push_back(n == 0 ? base : base + "_" + std::to_string(n));
    ++n;
  }
  return keys;
}

// A nested Sequential or Functional keeps its layers under layers/<key> as the root model does
// (saving_lib._walk_saveable yields "layers" for both): Functional.layers lists the InputLayers,
// Sequential.layers does not.
bool is_container(const Layer& layer) {
  if (dynamic_cast<const Sequential*>(&layer)) return true;
  auto* model = dynamic_cast<const Model*>(&layer);
  return model && model->is_functional();
}

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

}  // namespace

void write_keras3_weights(const saving::hdf5::Object& at, const Layer& layer, const optimizers::Optimizer* optimizer) {
  write_keras3(at, layer, true);
  if (optimizer) write_vars(at.create_group("optimizer"), "vars", optimizer->variables(), "");
}

void plan_keras3_weights(const saving::hdf5::Object& at, const Layer& layer, const LoadWeightsOptions& options,
                         std::vector<Assignment>& plan) {
  plan_keras3(at, layer, true, options, plan);
}

void plan_keras3_optimizer(const saving::hdf5::Object& file, Model& model, const std::string& path,
                           std::vector<Assignment>& plan) {
  if (!model.optimizer() || !file.has_group("optimizer/vars")) return;
  auto g = file.open_group("optimizer/vars");
  std::vector<Shape> shapes;
  for (std::size_t i = 0; g.has_dataset(std::to_string(i)); ++i) shapes.push_back(g.dataset_shape(std::to_string(i)));
  std::vector<Variable> targets;
  if (!plan_optimizer(model, shapes, path, targets)) return;
  std::vector<Tensor> values;
  for (std::size_t i = 0; i < shapes.size(); ++i) values.push_back(g.read_dataset(std::to_string(i)));
  plan.push_back({nullptr, values, targets});
}

}  // namespace strata::models::detail
