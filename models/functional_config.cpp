// A Functional model's Keras config (get_config) and the model rebuilt from one (from_config), in
// Keras 3's layout ({"args": [keras tensors], "kwargs": {}} nodes) and Keras 2's ([[name, node,
// tensor, kwargs], ...] nodes). Node indices in a config count only the calls inside the model, a
// nested model's as each Keras version numbers them (nested_node_offsets).
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "strata/layers/core/input_layer.hpp"
#include "strata/layers/registry.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/model.hpp"

namespace strata {

namespace {

// For each (layer, global node index) of the graph: its index among the layer's calls in the model.
std::map<std::pair<const Layer*, int>, int> local_node_indices(const FunctionalGraph& graph) {
  std::map<std::pair<const Layer*, int>, int> local;
  std::map<const Layer*, int> count;
  for (const auto& input : graph.input_layers()) local[{input.get(), 0}] = count[input.get()]++;
  for (const auto& step : graph.steps()) local[{step.layer.get(), step.node}] = count[step.layer.get()]++;
  return local;
}

Config history_of(const Tensor& t, const std::map<std::pair<const Layer*, int>, int>& local) {
  auto h = keras_history(t);
  return Config::array({h->layer->name(), local.at({h->layer.get(), h->node_index}), h->tensor_index});
}

Config keras_tensor(const Tensor& t, const std::map<std::pair<const Layer*, int>, int>& local) {
  Config shape = Config::array();
  for (auto d : t.shape()) shape.push_back(d < 0 ? Config(nullptr) : Config(d));
  return Config{{"class_name", "__keras_tensor__"},
                {"config", {{"shape", shape}, {"dtype", std::string(dtype_name(t.dtype()))}, {"keras_history", history_of(t, local)}}}};
}

// A layer of the config being rebuilt and its call nodes, as the config writes them.
struct Pending {
  LayerPtr layer;
  Config nodes;
  std::size_t done = 0;
};

// What to subtract from a node index naming a nested model's call: in inbound_nodes, and in
// input_layers / output_layers (by layer name; absent: 0).
struct NodeOffsets {
  std::map<std::string, int> inbound, endpoints;
};

// Keras 2 and tf.keras number a nested model's calls from 1: node 0 is the model's own node from
// its inputs to its outputs (multi-backend network.py get_config: kept_nodes = 1 for every
// Network; tf.keras functional.py _should_skip_first_node: a model whose first layer is an
// InputLayer), in inbound_nodes and in input_layers / output_layers alike. A tf.keras Sequential
// built without an input shape has no such node and counts from 0; its config shows which by its
// smallest index (a config keeps only calls that feed an output, so every call is named).
// Keras 3 names a nested model's calls from 0 in inbound_nodes (the keras_history index), but
// input_layers / output_layers count a nested Functional's calls from 1 (get_config's kept_nodes,
// undone by functional_from_config's get_tensor) and a Sequential's from 0.
template <class NodeInputs>
NodeOffsets nested_node_offsets(const std::vector<Pending>& pending, const NodeInputs& node_inputs,
                                const std::vector<std::tuple<std::string, int, int>>& endpoints) {
  NodeOffsets out;
  bool keras3 = false;
  for (const auto& p : pending)
    for (const auto& node : p.nodes) keras3 = keras3 || node.is_object();
  std::map<std::string, int> smallest;
  auto note = [&](const std::tuple<std::string, int, int>& ref) {
    auto [it, fresh] = smallest.emplace(std::get<0>(ref), std::get<1>(ref));
    if (!fresh) it->second = std::min(it->second, std::get<1>(ref));
  };
  if (!keras3) {
    for (const auto& p : pending)
      for (const auto& node : p.nodes)
        for (const auto& ref : node_inputs(node)) note(ref);
    for (const auto& ref : endpoints) note(ref);
  }
  for (const auto& p : pending) {
    if (!dynamic_cast<const Model*>(p.layer.get())) continue;
    const std::string& name = p.layer->name();
    if (keras3) {
      if (p.layer->class_name() == "Functional") out.endpoints[name] = 1;
    } else if (auto it = smallest.find(name); it != smallest.end() && it->second >= 1) {
      out.inbound[name] = out.endpoints[name] = 1;
    }
  }
  return out;
}

}  // namespace

Config Model::get_config() const {
  if (!graph_) return Layer::get_config();
  const auto local = local_node_indices(*graph_);
  Config layers_config = Config::array();
  for (const auto& layer : graph_->layers()) {
    Config entry = serialize_layer(*layer);
    entry["name"] = layer->name();
    Config nodes = Config::array();
    for (const auto& step : graph_->steps()) {
      if (step.layer != layer) continue;
      const auto& node = layer->inbound_nodes()[static_cast<std::size_t>(step.node)];
      Config arg;
      if (node.inputs.size() == 1) {
        arg = keras_tensor(node.inputs[0], local);
      } else {
        arg = Config::array();
        for (const auto& t : node.inputs) arg.push_back(keras_tensor(t, local));
      }
      nodes.push_back(Config{{"args", Config::array({arg})}, {"kwargs", Config::object()}});
    }
    entry["inbound_nodes"] = nodes;
    layers_config.push_back(entry);
  }
  Config inputs = Config::array(), outputs = Config::array();
  // Keras 3 counts a nested Functional's calls from 1 here (not in inbound_nodes).
  auto endpoint = [&](const Tensor& t) {
    Config h = history_of(t, local);
    if (keras_history(t)->layer->class_name() == "Functional") h[1] = h[1].get<int>() + 1;
    return h;
  };
  for (const auto& t : graph_->inputs()) inputs.push_back(endpoint(t));
  for (const auto& t : graph_->outputs()) outputs.push_back(endpoint(t));
  return Config{{"name", name()}, {"trainable", trainable()}, {"layers", layers_config},
                {"input_layers", inputs}, {"output_layers", outputs}};
}

namespace models {

std::shared_ptr<Model> functional_from_config(const Config& entry) {
  const Config& config = entry.at("config");
  const std::string model_name = config.value("name", std::string());
  const std::string who = "Functional model '" + model_name + "' config";
  if (!config.contains("layers") || !config["layers"].is_array()) throw ValueError(who + ": no \"layers\" list");
  std::vector<Pending> pending;
  std::map<std::tuple<std::string, int, int>, Tensor> tensors;  // (layer, local node, tensor) -> symbolic
  for (const auto& layer_entry : config["layers"]) {
    const std::string cls = layer_entry.value("class_name", std::string());
    if (cls == "InputLayer") {
      const Config& c = layer_entry.at("config");
      auto shape = layers::config::batch_input_shape(c);
      if (!shape) throw ValueError(who + ": InputLayer '" + layers::config::name(c) + "' has no shape");
      Shape batch = *shape;
      Tensor t = layers::Input(Shape(std::vector<std::int64_t>(batch.begin() + 1, batch.end())),
                               {.name = layers::config::name(c), .dtype = layers::config::dtype(c),
                                .batch_size = batch[0] >= 0 ? std::optional<std::int64_t>(batch[0]) : std::nullopt});
      tensors[{layers::config::name(c), 0, 0}] = t;
      continue;
    }
    pending.push_back({layer_from_config(layer_entry), layer_entry.value("inbound_nodes", Config::array())});
  }
  // One reference to a tensor: Keras 3 {"config": {"keras_history": [...]}}, or Keras 2 [name, node, tensor, kwargs].
  auto reference = [&](const Config& ref) -> std::optional<std::tuple<std::string, int, int>> {
    const Config* h = nullptr;
    if (ref.is_object() && ref.contains("config") && ref["config"].contains("keras_history")) h = &ref["config"]["keras_history"];
    else if (ref.is_array() && ref.size() >= 3 && ref[0].is_string()) h = &ref;
    if (!h || h->size() < 3) throw ValueError(who + ": cannot read the node input " + ref.dump().substr(0, 120));
    return std::tuple<std::string, int, int>{(*h)[0].get<std::string>(), (*h)[1].get<int>(), (*h)[2].get<int>()};
  };
  auto raw_node_inputs = [&](const Config& node) {
    std::vector<std::tuple<std::string, int, int>> refs;
    if (node.is_object()) {  // Keras 3
      const Config& args = node.at("args");
      const Config& first = args.at(0);
      if (first.is_array())
        for (const auto& r : first) refs.push_back(*reference(r));
      else
        for (const auto& r : args) refs.push_back(*reference(r));
    } else {  // Keras 2: a list of [name, node, tensor, kwargs]
      for (const auto& r : node) refs.push_back(*reference(r));
      // tf.keras's MultiHeadAttention call: layer(query, value=..., key=...), the keyword tensors
      // in the kwargs of its one entry; Strata's layer takes them as further inputs, in that order.
      if (node.size() == 1 && node[0].is_array() && node[0].size() >= 4 && node[0][3].is_object())
        for (const char* key : {"value", "key"})
          if (const auto it = node[0][3].find(key); it != node[0][3].end() && it->is_array() && !it->empty() && (*it)[0].is_string())
            refs.push_back(*reference(*it));
    }
    return refs;
  };
  auto endpoint_refs = [&](const char* key) {
    std::vector<Config> refs;
    const Config& list = config.at(key);
    // One endpoint may be written without the outer list.
    const bool single = list.is_array() && !list.empty() && list[0].is_string();
    for (const auto& ref : single ? Config::array({list}) : list) refs.push_back(ref);
    return refs;
  };
  // Where a nested model's calls start in the config's node indices (see nested_node_offsets).
  const NodeOffsets offsets = nested_node_offsets(pending, raw_node_inputs, [&] {
    std::vector<std::tuple<std::string, int, int>> refs;
    for (const char* key : {"input_layers", "output_layers"})
      for (const auto& r : endpoint_refs(key)) refs.push_back(*reference(r));
    return refs;
  }());
  auto local = [&](std::tuple<std::string, int, int> key, bool endpoint) {
    auto it = (endpoint ? offsets.endpoints : offsets.inbound).find(std::get<0>(key));
    if (it != (endpoint ? offsets.endpoints : offsets.inbound).end()) std::get<1>(key) -= it->second;
    return key;
  };
  auto node_inputs = [&](const Config& node) {
    auto refs = raw_node_inputs(node);
    for (auto& r : refs) r = local(r, false);
    return refs;
  };
  // Layers may refer to later layers (shared layers): call nodes as their inputs become known.
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& p : pending) {
      while (p.done < p.nodes.size()) {
        std::vector<Tensor> inputs;
        bool ready = true;
        for (const auto& key : node_inputs(p.nodes[p.done])) {
          auto it = tensors.find(key);
          if (it == tensors.end()) {
            ready = false;
            break;
          }
          inputs.push_back(it->second);
        }
        if (!ready) break;
        auto outputs = p.layer->apply(inputs);
        for (std::size_t i = 0; i < outputs.size(); ++i)
          tensors[{p.layer->name(), static_cast<int>(p.done), static_cast<int>(i)}] = outputs[i];
        ++p.done;
        progress = true;
      }
    }
  }
  for (const auto& p : pending)
    if (p.done < p.nodes.size())
      throw ValueError(who + ": the inputs of layer '" + p.layer->name() + "' never become available");
  auto endpoints = [&](const char* key) {
    std::vector<Tensor> out;
    for (const auto& ref : endpoint_refs(key)) {
      auto it = tensors.find(local(*reference(ref), true));
      if (it == tensors.end()) throw ValueError(who + ": " + key + " names an unknown tensor " + ref.dump());
      out.push_back(it->second);
    }
    return out;
  };
  return std::make_shared<Model>(endpoints("input_layers"), endpoints("output_layers"), ModelOptions{model_name});
}

}  // namespace models
}  // namespace strata
