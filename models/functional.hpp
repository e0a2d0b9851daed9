#pragma once
// The static graph of a Functional model: the layer calls recorded from the model's Input()
// tensors to its outputs, in an order where every call comes after the calls it depends on.
// Built (and checked) once, when the model is made; run on concrete tensors by Model::call.
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "strata/layers/core/input_layer.hpp"
#include "strata/layers/layer.hpp"

namespace strata {

class FunctionalGraph {
 public:
  // Which output of which call of which layer: (layer, node index, tensor index).
  using Key = std::tuple<const Layer*, int, int>;
  struct Step {
    LayerPtr layer;
    int node = 0;
    std::vector<Key> inputs;
    std::size_t outputs = 1;
  };

  // Throws ValueError naming the layers when an output does not depend only on `inputs`, when an
  // input is not an Input() tensor, or when an input is given twice.
  FunctionalGraph(std::vector<Tensor> inputs, std::vector<Tensor> outputs, const std::string& model_name);

  // The outputs for concrete inputs (one per model input, in order; shapes checked). `input_mask`
  // is the mask of the first input (a model called as a layer inside another); `output_masks`,
  // when given, gets the mask of every output (undefined where none), as Keras's outputs carry
  // them in _keras_mask.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, bool training, const Tensor& input_mask = {},
                          std::vector<Tensor>* output_masks = nullptr) const;

  const std::vector<Tensor>& inputs() const { return inputs_; }
  const std::vector<Tensor>& outputs() const { return outputs_; }
  const std::vector<std::shared_ptr<layers::InputLayer>>& input_layers() const { return input_layers_; }
  // Every layer once (InputLayers included) in Keras's model.layers order: by decreasing depth from
  // the outputs, ties in depth-first traversal order from the outputs.
  const std::vector<LayerPtr>& layers() const { return layers_; }
  const std::vector<Step>& steps() const { return steps_; }
  // Keras's names of the outputs: the names of the layers that produce them.
  std::vector<std::string> output_names() const;

  static Key key_of(const Tensor& symbolic);

 private:
  std::string model_name_;
  std::vector<Tensor> inputs_, outputs_;
  std::vector<std::shared_ptr<layers::InputLayer>> input_layers_;
  std::vector<LayerPtr> layers_;
  std::vector<Step> steps_;
};

class Model;
namespace models {
// A Functional model from its Keras config entry ({"class_name": "Functional" or "Model", "config"}),
// Keras 2 or 3 layout. Registered with load_model / model_from_json.
std::shared_ptr<Model> functional_from_config(const Config& entry);
}  // namespace models

}  // namespace strata
