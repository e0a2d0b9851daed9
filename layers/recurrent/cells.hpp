#pragma once
// The built-in cells, with Keras's weight shapes and gate order:
//   SimpleRNNCell: kernel (in, u), recurrent_kernel (u, u), bias (u);  h = act(x W + b + h U)
//   LSTMCell:      kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u), gates i, f, c, o
//   GRUCell:       kernel (in, 3u), recurrent_kernel (u, 3u), gates z, r, h; bias (2, 3u) = [input;
//                  recurrent] with reset_after (reset applied to h U + b_r), else (3u) (reset applied
//                  to h before the product); h = z * h_prev + (1 - z) * candidate
#include "strata/layers/recurrent/rnn_cell.hpp"

namespace strata::layers {

// What the three cells share: units, options, the three weights and the Keras config.
class KerasCell : public RNNCell {
 public:
  KerasCell(std::int64_t units, RecurrentOptions options, int gates, const char* kind);
  std::int64_t units() const { return units_; }
  const RecurrentOptions& options() const { return options_; }
  const Variable& kernel() const { return kernel_; }
  const Variable& recurrent_kernel() const { return recurrent_kernel_; }
  const Variable& bias() const { return bias_; }
  void build(const Shape& input_shape) override;
  using RNNCell::build;
  Tensor project(const Tensor& inputs) override;

 protected:
  // The bias as the layer adds it to the projected inputs.
  virtual Tensor input_bias() const { return bias_; }
  virtual Shape bias_shape() const { return Shape{gates_ * units_}; }
  std::int64_t units_;
  RecurrentOptions options_;
  int gates_;
  Variable kernel_, recurrent_kernel_, bias_;
};

class SimpleRNNCellLayer : public KerasCell {
 public:
  SimpleRNNCellLayer(std::int64_t units, RecurrentOptions options = {});
  std::vector<std::int64_t> state_size() const override { return {units_}; }
  std::vector<Tensor> step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool training) override;
  Config get_config() const override;
  std::string class_name() const override { return "SimpleRNNCell"; }
};

class LSTMCellLayer : public KerasCell {
 public:
  LSTMCellLayer(std::int64_t units, RecurrentOptions options = {});
  void build(const Shape& input_shape) override;
  using RNNCell::build;
  std::vector<std::int64_t> state_size() const override { return {units_, units_}; }  // h, c
  std::vector<Tensor> step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool training) override;
  Config get_config() const override;
  std::string class_name() const override { return "LSTMCell"; }
};

class GRUCellLayer : public KerasCell {
 public:
  GRUCellLayer(std::int64_t units, RecurrentOptions options = {});
  std::vector<std::int64_t> state_size() const override { return {units_}; }
  std::vector<Tensor> step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool training) override;
  void end_sequence() override;
  Config get_config() const override;
  std::string class_name() const override { return "GRUCell"; }

 protected:
  Tensor input_bias() const override;
  Shape bias_shape() const override;

 private:
  Tensor recurrent_zr_, recurrent_h_;  // reset_after=false: the recurrent kernel's columns, cut once per sequence
};

LayerHandle<SimpleRNNCellLayer> SimpleRNNCell(std::int64_t units, RecurrentOptions options = {});
LayerHandle<LSTMCellLayer> LSTMCell(std::int64_t units, RecurrentOptions options = {});
LayerHandle<GRUCellLayer> GRUCell(std::int64_t units, RecurrentOptions options = {});

}  // namespace strata::layers
