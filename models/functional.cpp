#include "strata/models/functional.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace strata {

namespace {

std::string names_of(const std::vector<std::shared_ptr<layers::InputLayer>>& layers) {
  std::string out;
  for (const auto& layer : layers) out += (out.empty() ? "'" : ", '") + layer->name() + "'";
  return "[" + out + "]";
}

}  // namespace

FunctionalGraph::Key FunctionalGraph::key_of(const Tensor& symbolic) {
  auto history = keras_history(symbolic);
  return {history->layer.get(), history->node_index, history->tensor_index};
}

FunctionalGraph::FunctionalGraph(std::vector<Tensor> inputs, std::vector<Tensor> outputs, const std::string& model_name)
    : model_name_(model_name), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
  const std::string who = "Functional model '" + model_name_ + "'";
  if (inputs_.empty()) throw ValueError(who + ": needs at least one input");
  if (outputs_.empty()) throw ValueError(who + ": needs at least one output");
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    auto input = layers::input_layer_of(inputs_[i]);
    if (!input) {
      auto history = keras_history(inputs_[i]);
      throw ValueError(who + ": inputs must be tensors returned by Input(); input " + std::to_string(i) +
                       (history ? " comes from layer '" + history->layer->name() + "' (" + history->layer->class_name() + ")"
                                : std::string(" is a concrete tensor")));
    }
    if (std::find(input_layers_.begin(), input_layers_.end(), input) != input_layers_.end())
      throw ValueError(who + ": the input '" + input->name() +
                       "' is given more than once in inputs; each Input() can be a model input once");
    input_layers_.push_back(input);
  }
  // Depth-first from each output: a call is appended after every call it depends on. Each layer
  // gets its traversal index when first met (pre-order), which breaks ties in Keras's layer order.
  std::map<const Layer*, int> traversal_index;
  std::vector<LayerPtr> all_layers;
  std::set<std::pair<const Layer*, int>> visited;
  std::function<void(const LayerPtr&, int, std::size_t)> visit = [&](const LayerPtr& layer, int node, std::size_t output) {
    if (!visited.insert({layer.get(), node}).second) return;
    if (traversal_index.emplace(layer.get(), static_cast<int>(traversal_index.size())).second) all_layers.push_back(layer);
    if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
      if (std::find(input_layers_.begin(), input_layers_.end(), input) == input_layers_.end())
        throw ValueError(who + ": graph disconnected: output " + std::to_string(output) + " ('" +
                         keras_history(outputs_[output])->layer->name() + "') depends on the input '" + input->name() +
                         "', which is not among the model's inputs " + names_of(input_layers_));
      return;
    }
    const auto& call = layer->inbound_nodes().at(static_cast<std::size_t>(node));
    Step step{layer, node, {}, call.output_shapes.size()};
    for (const auto& t : call.inputs) {
      auto history = keras_history(t);
      visit(history->layer, history->node_index, output);
      step.inputs.push_back(key_of(t));
    }
    steps_.push_back(std::move(step));
  };
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    auto history = outputs_[i].defined() ? keras_history(outputs_[i]) : nullptr;
    if (!history)
      throw ValueError(who + ": output " + std::to_string(i) +
                       " is not a symbolic tensor; outputs come from calling layers on Input() tensors");
    visit(history->layer, history->node_index, i);
  }

  // Keras's model.layers order (which fixes the order of get_weights and of a legacy file's
  // layer_names): by decreasing depth, the number of calls between a layer and the outputs (its
  // deepest call for a shared layer), ties in traversal order. Inputs no output uses come first
  // among depth 0, as in Keras.
  std::map<std::pair<const Layer*, int>, int> node_depth;
  std::map<const Layer*, int> depth;
  for (auto step = steps_.rbegin(); step != steps_.rend(); ++step) {
    int& layer_depth = depth[step->layer.get()];
    const int d = std::max(node_depth[{step->layer.get(), step->node}], layer_depth);
    layer_depth = d;
    for (const auto& [parent, parent_node, unused] : step->inputs) {
      int& pd = node_depth[{parent, parent_node}];
      pd = std::max(pd, d + 1);
    }
  }
  for (const auto& input : input_layers_) {
    depth[input.get()] = node_depth[{input.get(), 0}];
    if (traversal_index.emplace(input.get(), -1).second) all_layers.push_back(input);
  }
  std::stable_sort(all_layers.begin(), all_layers.end(), [&](const LayerPtr& a, const LayerPtr& b) {
    const int da = depth[a.get()], db = depth[b.get()];
    return da != db ? da > db : traversal_index[a.get()] < traversal_index[b.get()];
  });
  layers_ = std::move(all_layers);
}

std::vector<Tensor> FunctionalGraph::run(const std::vector<Tensor>& inputs, bool training, const Tensor& input_mask,
                                         std::vector<Tensor>* output_masks) const {
  const std::string who = "Functional model '" + model_name_ + "'";
  if (inputs.size() != inputs_.size())
    throw ValueError(who + " expects " + std::to_string(inputs_.size()) + " input(s) " + names_of(input_layers_) + ", got " +
                     std::to_string(inputs.size()));
  std::map<Key, Tensor> values;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Shape& want = inputs_[i].shape();
    const Shape& got = inputs[i].shape();
    bool ok = got.rank() == want.rank();
    for (std::int64_t d = 0; ok && d < want.rank(); ++d) ok = want[d] < 0 || want[d] == got[d];
    if (!ok)
      throw ShapeError(who + ": input '" + input_layers_[i]->name() + "' expects shape " + want.to_string() + ", got " +
                       got.to_string());
    values[key_of(inputs_[i])] = inputs[i];
  }
  // Masks travel with the first output of a layer to the layers that take it as first input.
  std::map<Key, Tensor> masks;
  if (input_mask.defined()) masks[key_of(inputs_[0])] = input_mask;
  std::vector<Tensor> args;
  for (const auto& step : steps_) {
    args.clear();
    for (const auto& key : step.inputs) args.push_back(values.at(key));
    auto mask = masks.find(step.inputs.at(0));
    auto out = step.layer->apply_masked(args, mask == masks.end() ? Tensor() : mask->second, training);
    for (std::size_t j = 0; j < out.outputs.size(); ++j)
      values[{step.layer.get(), step.node, static_cast<int>(j)}] = out.outputs[j];
    if (out.mask.defined()) masks[{step.layer.get(), step.node, 0}] = out.mask;
  }
  std::vector<Tensor> result;
  for (const auto& output : outputs_) result.push_back(values.at(key_of(output)));
  if (output_masks) {
    output_masks->clear();
    for (const auto& output : outputs_) {
      auto mask = masks.find(key_of(output));
      output_masks->push_back(mask == masks.end() ? Tensor() : mask->second);
    }
  }
  return result;
}

std::vector<std::string> FunctionalGraph::output_names() const {
  std::vector<std::string> names;
  for (const auto& output : outputs_) names.push_back(keras_history(output)->layer->name());
  return names;
}

}  // namespace strata
