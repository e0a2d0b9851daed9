#pragma once
// Bidirectional: runs a recurrent layer forwards and a copy backwards over the same inputs and
// merges the two outputs (merge_mode "concat" (default), "sum", "mul", "ave", or "" / "None" for
// both outputs apart). Like Keras, both directions are rebuilt from the given layer's config
// (named forward_<name> / backward_<name>; the backward one with go_backwards flipped) unless a
// backward_layer is given; the backward output sequence is reversed back into time order.
// Weights: the forward layer's, then the backward layer's.
#include <string>

#include "strata/layers/recurrent/rnn.hpp"

namespace strata::layers {

struct BidirectionalOptions {
  std::string merge_mode = "concat";
  std::shared_ptr<RNNLayer> backward_layer;
  std::string name;
  DType dtype = float32;
};

class BidirectionalLayer : public Layer {
 public:
  BidirectionalLayer(const std::shared_ptr<RNNLayer>& layer, BidirectionalOptions options = {});
  void build(const Shape& input_shape) override;
  void build(const std::vector<Shape>& input_shapes) override;
  Tensor call(const Tensor& inputs, bool training) override;
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  std::vector<Tensor> call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  bool supports_masking() const override { return true; }
  Tensor compute_mask(const std::vector<Tensor>& inputs, const Tensor& mask) override;
  Config get_config() const override;
  std::string class_name() const override { return "Bidirectional"; }
  std::vector<std::pair<std::string, LayerPtr>> keras3_children() const override {
    return {{"forward_layer", forward_}, {"backward_layer", backward_}};
  }

  const std::shared_ptr<RNNLayer>& forward_layer() const { return forward_; }
  const std::shared_ptr<RNNLayer>& backward_layer() const { return backward_; }
  const std::string& merge_mode() const { return merge_mode_; }

 private:
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const Tensor& mask, bool training);
  std::shared_ptr<RNNLayer> forward_, backward_;
  std::string merge_mode_;
  bool custom_backward_;
  std::string layer_config_;  // the wrapped layer's serialization (JSON text), for get_config
  // The version of Keras the layer was read from when that version repeats the last output at
  // masked steps (multi-backend Keras <= 2.3, see keras_version.hpp); empty: zeros there.
  std::string repeats_masked_version_;
};

LayerHandle<BidirectionalLayer> Bidirectional(const std::shared_ptr<RNNLayer>& layer, BidirectionalOptions options = {});
template <class L>
  requires std::is_base_of_v<RNNLayer, L>
LayerHandle<BidirectionalLayer> Bidirectional(const LayerHandle<L>& layer, BidirectionalOptions options = {}) {
  return Bidirectional(std::shared_ptr<RNNLayer>(layer.ptr()), std::move(options));
}

}  // namespace strata::layers
