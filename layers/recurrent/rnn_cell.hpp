#pragma once
// The base of recurrent cells (Keras's RNN cell protocol) and the options the built-in recurrent
// layers share.
//
// A cell computes one timestep: step(inputs (batch, features), states) -> {output, new states...}.
// The RNN layer (rnn.hpp) loops it over time. Built-in cells also split their step in two so the
// layer can project the inputs of every timestep with one GEMM before the loop:
// project(x) = dropout(x) @ kernel + bias for any leading dims, then step_projected() per step.
// Everything is written with ops, so the GradientTape differentiates through time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/activations.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

// An activation by Keras name ("tanh") or as a function with a name.
struct ActivationRef : activations::Activation {
  ActivationRef(const char* name) : activations::Activation(activations::get(name)) {}
  ActivationRef(const std::string& name) : activations::Activation(activations::get(name)) {}
  ActivationRef(activations::Activation activation) : activations::Activation(std::move(activation)) {}
};

// Arguments of SimpleRNN, LSTM and GRU (and their cells), with Keras's defaults. Cells read the
// first group; recurrent_activation and reset_after / unit_forget_bias matter only where Keras has them.
struct RecurrentOptions {
  ActivationRef activation = "tanh";
  ActivationRef recurrent_activation = "sigmoid";  // LSTM, GRU
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef recurrent_initializer = "orthogonal";
  initializers::InitializerRef bias_initializer = "zeros";
  bool unit_forget_bias = true;  // LSTM: the forget gate's bias starts at 1
  bool reset_after = true;       // GRU: Keras 2.x tf.keras / Keras 3 default (bias of shape (2, 3 units))
  regularizers::RegularizerPtr kernel_regularizer;
  regularizers::RegularizerPtr recurrent_regularizer;
  regularizers::RegularizerPtr bias_regularizer;
  constraints::ConstraintPtr kernel_constraint;
  constraints::ConstraintPtr recurrent_constraint;
  constraints::ConstraintPtr bias_constraint;
  double dropout = 0.0;            // of the inputs, one mask for every timestep
  double recurrent_dropout = 0.0;  // of the recurrent state, one mask for every timestep
  std::optional<std::uint64_t> seed;
  // The layer (ignored by cells).
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;  // accepted for Keras configs; the loop is the same either way
  regularizers::RegularizerPtr activity_regularizer;
  std::string name;
  DType dtype = float32;
};

class RNNCell : public Layer {
 public:
  RNNCell(std::string name = "", DType dtype = float32, double dropout = 0.0, double recurrent_dropout = 0.0,
          std::optional<std::uint64_t> seed = std::nullopt);

  // The size of each state (LSTM: {units, units}) and of the output.
  virtual std::vector<std::int64_t> state_size() const = 0;
  virtual std::int64_t output_size() const { return state_size().at(0); }
  // One timestep: {output, new states...}.
  virtual std::vector<Tensor> step(const Tensor& inputs, const std::vector<Tensor>& states, bool training);
  // The projection of the inputs of any number of steps (leading dims, then features), or an
  // undefined Tensor for a cell without one (step() then gets the raw inputs).
  virtual Tensor project(const Tensor& /*inputs*/) { return Tensor(); }
  // One timestep on projected inputs (only called when project() gives a tensor).
  virtual std::vector<Tensor> step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool training);
  // Zero states for a batch.
  virtual std::vector<Tensor> get_initial_state(std::int64_t batch_size);
  // Called by the RNN layer around a sequence: draws the dropout masks once for all timesteps.
  virtual void begin_sequence(std::int64_t batch_size, std::int64_t features, bool training);
  virtual void end_sequence();

  // Called as a layer on {inputs, states...} (zero states when only inputs are given): {output, new states...}.
  using Layer::build;
  void build(const std::vector<Shape>& input_shapes) override;
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training) override;
  Tensor call(const Tensor& inputs, bool training) override;
  std::vector<Shape> compute_output_shapes(const std::vector<Shape>& input_shapes) override;
  Shape compute_output_shape(const Shape& input_shape) override;

  double dropout() const { return dropout_; }
  double recurrent_dropout() const { return recurrent_dropout_; }

 protected:
  // dropout(inputs) @ kernel + bias, for inputs with any leading dims.
  Tensor project_with(const Tensor& inputs, const Tensor& kernel, const Tensor& bias) const;
  // The state after recurrent dropout.
  Tensor recurrent_dropped(const Tensor& state) const;
  Tensor dropout_mask_, recurrent_dropout_mask_;  // of the sequence in progress (undefined: none)

 private:
  Tensor draw_mask(const Shape& shape, double rate);
  double dropout_, recurrent_dropout_;
  std::optional<std::uint64_t> seed_;
  std::uint64_t draws_ = 0;
  bool in_sequence_ = false;
};

// The configuration keys every built-in cell writes (Keras's cell configs).
Config recurrent_cell_config(const Layer& cell, std::int64_t units, const RecurrentOptions& options,
                             bool with_recurrent_activation);

}  // namespace strata::layers
