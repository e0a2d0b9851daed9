#pragma once
// RNN: loops a cell over the timesteps of (batch, timesteps, features) inputs, as keras.layers.RNN.
//
//   auto rnn = RNN(make_layer<MyCell>(32), {.return_sequences = true});
//   auto outs = rnn->apply({x, h0});          // initial states follow the inputs
//
// The inputs of every step are projected before the loop with one GEMM when the cell has a
// projection (the built-in cells); the loop then does one small GEMM per step. A mask (batch,
// timesteps) from Embedding(mask_zero) or Masking keeps the states of masked steps and gives the
// previous output there (zeros with zero_output_for_mask, which Bidirectional sets for sequences).
// Outputs: {output, final states...} with return_state. With go_backwards the steps run from last to
// first and the output sequence is in that order (as Keras). Stateful layers start each call from
// the final states of the previous one (reset_states() zeroes them).
#include <string>
#include <vector>

#include "strata/layers/recurrent/rnn_cell.hpp"

namespace strata::layers {

struct RNNOptions {
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
  bool zero_output_for_mask = false;
  regularizers::RegularizerPtr activity_regularizer;
  std::string name;
  DType dtype = float32;
};

class RNNLayer : public Layer {
 public:
  RNNLayer(std::shared_ptr<RNNCell> cell, RNNOptions options = {});

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
  std::string class_name() const override { return "RNN"; }
  std::vector<std::pair<std::string, LayerPtr>> keras3_children() const override { return {{"cell", cell_}}; }

  const std::shared_ptr<RNNCell>& cell() const { return cell_; }
  const RNNOptions& rnn_options() const { return options_; }
  // The states a stateful layer carries to its next call (empty before the first call).
  const std::vector<Tensor>& states() const { return states_; }
  void reset_states();
  // Keras's Bidirectional sets it for sequences, so masked steps give zeros in both directions.
  void set_zero_output_for_mask(bool value) { options_.zero_output_for_mask = value; }

 protected:
  // The whole loop: inputs (batch, timesteps, features), explicit initial states or none, a mask or none.
  std::vector<Tensor> run(const Tensor& inputs, std::vector<Tensor> initial_states, const Tensor& mask, bool training);
  std::shared_ptr<RNNCell> cell_;
  RNNOptions options_;
  std::vector<Tensor> states_;
};

LayerHandle<RNNLayer> RNN(std::shared_ptr<RNNCell> cell, RNNOptions options = {});
template <class C>
  requires std::is_base_of_v<RNNCell, C>
LayerHandle<RNNLayer> RNN(const LayerHandle<C>& cell, RNNOptions options = {}) {
  return RNN(std::shared_ptr<RNNCell>(cell.ptr()), std::move(options));
}

// SimpleRNN, LSTM, GRU: an RNN over their cell, configured like Keras's layers (the cell's
// arguments and the layer's in one config, no "cell" entry).
class KerasRecurrentLayer : public RNNLayer {
 public:
  KerasRecurrentLayer(std::shared_ptr<RNNCell> cell, const RecurrentOptions& options, std::string class_name);
  Config get_config() const override;
  std::string class_name() const override { return class_name_; }

 private:
  std::string class_name_;
};

LayerHandle<KerasRecurrentLayer> SimpleRNN(std::int64_t units, RecurrentOptions options = {});
LayerHandle<KerasRecurrentLayer> LSTM(std::int64_t units, RecurrentOptions options = {});
LayerHandle<KerasRecurrentLayer> GRU(std::int64_t units, RecurrentOptions options = {});

}  // namespace strata::layers
