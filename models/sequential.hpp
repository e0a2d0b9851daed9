#pragma once
// Sequential: a plain stack of layers, each feeding the next.
#include <string>
#include <vector>

#include "strata/layers/core/input_layer.hpp"
#include "strata/models/model.hpp"

namespace strata {

// One entry of a Sequential: a layer handle, or the symbolic tensor of Input() giving the input
// shape.
struct SequentialItem {
  template <class L>
  SequentialItem(const LayerHandle<L>& layer) : layer(layer.ptr()) {}
  SequentialItem(LayerPtr layer) : layer(std::move(layer)) {}
  SequentialItem(const Tensor& input);
  LayerPtr layer;
};

class Sequential : public Model {
 public:
  explicit Sequential(std::vector<SequentialItem> layers = {}, std::string name = "");

  void add(SequentialItem item);
  // Removes the last layer (ValueError when there is none).
  void pop();
  // The layers, without the InputLayer (as Keras's model.layers).
  std::vector<LayerPtr> layers() const override;
  LayerPtr get_layer(const std::string& name) const override;
  LayerPtr get_layer(int index) const;

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  // The mask of the input goes to the first layer; output_masks() gets the last layer's mask.
  std::vector<Tensor> call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Sequential"; }
  void summary(std::ostream& out) const override;
  using Model::summary;

 private:
  // The layers in turn, each layer's output mask passed to the next: the output and its mask.
  Masked run(const Tensor& inputs, const Tensor& mask, bool training);

  std::shared_ptr<layers::InputLayer> input_;
  std::vector<LayerPtr> layers_;
};

}  // namespace strata
