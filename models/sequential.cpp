#include "strata/models/sequential.hpp"

#include <nlohmann/json.hpp>

#include "strata/layers/core/input_layer.hpp"
#include "strata/models/summary.hpp"

namespace strata {

SequentialItem::SequentialItem(const Tensor& input) {
  layer = layers::input_layer_of(input);
  if (!layer)
    throw ValueError("Sequential: only layers and the symbolic tensor of Input() can be added, got a concrete tensor of "
                     "shape " + (input.defined() ? input.shape().to_string() : std::string("<undefined>")));
}

Sequential::Sequential(std::vector<SequentialItem> items, std::string name) : Model(std::move(name)) {
  for (auto& item : items) add(std::move(item));
}

void Sequential::add(SequentialItem item) {
  if (!item.layer) throw ValueError("Sequential '" + this->name() + "': cannot add an empty layer handle");
  if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(item.layer)) {
    if (input_ || !layers_.empty())
      throw ValueError("Sequential '" + name() + "': an Input can only come first (layer '" + input->name() + "')");
    input_ = input;
    ensure_built(input->batch_shape());
    return;
  }
  for (const auto& existing : layers_)
    if (existing->name() == item.layer->name())
      throw ValueError("Sequential '" + name() + "': all layers must have unique names; '" + item.layer->name() +
                       "' is already in the model");
  layers_.push_back(item.layer);
  track(item.layer);
  reset_step_functions();
  if (input_) {  // with a known input shape every layer is built as it is added, as in Keras
    set_built(false);
    ensure_built(input_->batch_shape());
  }
}

void Sequential::pop() {
  if (layers_.empty()) throw ValueError("Sequential '" + name() + "': there are no layers to pop");
  untrack(layers_.back());
  layers_.pop_back();
  reset_step_functions();
}

std::vector<LayerPtr> Sequential::layers() const { return layers_; }

LayerPtr Sequential::get_layer(const std::string& layer_name) const {
  for (const auto& layer : layers_)
    if (layer->name() == layer_name) return layer;
  std::string known;
  for (const auto& layer : layers_) known += (known.empty() ? "" : ", ") + layer->name();
  throw ValueError("Sequential '" + name() + "': no layer named '" + layer_name + "'. Layers: " + known);
}

LayerPtr Sequential::get_layer(int index) const {
  if (index < 0 || index >= static_cast<int>(layers_.size()))
    throw ValueError("Sequential '" + name() + "': layer index " + std::to_string(index) + " is out of range; the model has " +
                     std::to_string(layers_.size()) + " layers");
  return layers_[static_cast<std::size_t>(index)];
}

void Sequential::build(const Shape& input_shape) {
  Shape shape = input_shape;
  for (const auto& layer : layers_) {
    layer->ensure_built(shape);
    shape = layer->compute_output_shape(shape);
  }
}

Tensor Sequential::call(const Tensor& inputs, bool training) { return run(inputs, Tensor(), training).outputs[0]; }

std::vector<Tensor> Sequential::call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) {
  if (inputs.size() != 1)
    throw ValueError("Layer '" + name() + "' (Sequential) takes one input, got " + std::to_string(inputs.size()));
  auto out = run(inputs[0], mask, training);
  output_masks_ = {out.mask};
  return out.outputs;
}

Layer::Masked Sequential::run(const Tensor& inputs, const Tensor& input_mask, bool training) {
  if (layers_.empty()) throw ValueError("Sequential '" + name() + "' has no layers to call");
  // The mask a layer gives (Embedding(mask_zero), Masking, ...) goes to the next one.
  Tensor x = inputs, mask = input_mask;
  for (const auto& layer : layers_) {
    auto out = layer->apply_masked({x}, mask, training);
    if (out.outputs.size() != 1)
      throw ValueError("Sequential '" + name() + "': layer '" + layer->name() + "' gives " +
                       std::to_string(out.outputs.size()) + " outputs; a Sequential layer must give one");
    x = out.outputs[0];
    mask = out.mask;
  }
  return {{x}, mask};
}

Shape Sequential::compute_output_shape(const Shape& input_shape) {
  Shape shape = input_shape;
  for (const auto& layer : layers_) shape = layer->compute_output_shape(shape);
  return shape;
}

Config Sequential::get_config() const {
  Config config{{"name", name()}, {"trainable", trainable()}, {"dtype", std::string(dtype_name(dtype()))}};
  Config list = Config::array();
  auto entry = [](const Layer& layer) {
    return Config{{"module", "keras.layers"},
                  {"class_name", layer.class_name()},
                  {"config", layer.get_config()},
                  {"registered_name", nullptr}};
  };
  if (input_) list.push_back(entry(*input_));
  for (const auto& layer : layers_) list.push_back(entry(*layer));
  config["layers"] = list;
  return config;
}

void Sequential::summary(std::ostream& out) const {
  std::vector<SummaryRow> rows;
  std::optional<Shape> shape;
  if (build_input_shape()) shape = *build_input_shape();
  for (const auto& layer : layers_) {
    std::string output = "?";
    if (shape && layer->built()) {
      shape = layer->compute_output_shape(*shape);
      output = shape->to_string();
    } else {
      shape.reset();
    }
    rows.push_back({layer->name() + " (" + layer->class_name() + ")", output, layer->count_params()});
  }
  print_summary(out, *this, rows);
}

}  // namespace strata
