#include "strata/layers/recurrent/rnn_cell.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata::layers {

RNNCell::RNNCell(std::string name, DType dtype, double dropout, double recurrent_dropout,
                 std::optional<std::uint64_t> seed)
    : Layer(std::move(name), dtype), dropout_(dropout), recurrent_dropout_(recurrent_dropout), seed_(seed) {
  if (!(dropout >= 0.0 && dropout < 1.0) || !(recurrent_dropout >= 0.0 && recurrent_dropout < 1.0))
    throw ValueError("RNN cell: dropout and recurrent_dropout must be in [0, 1), got dropout=" + std::to_string(dropout) +
                     ", recurrent_dropout=" + std::to_string(recurrent_dropout));
}

std::vector<Tensor> RNNCell::step(const Tensor& inputs, const std::vector<Tensor>& states, bool training) {
  // A cell called on its own (not by an RNN layer) draws its dropout masks for this step only.
  const bool own_masks = !in_sequence_;
  if (own_masks) begin_sequence(inputs.shape()[0], inputs.shape().back(), training);
  Tensor projected = project(inputs);
  if (!projected.defined()) {
    if (own_masks) end_sequence();
    throw NotImplementedError("Layer '" + name() + "' (" + class_name() + ") must implement step() or project()");
  }
  auto out = step_projected(projected, states, training);
  if (own_masks) end_sequence();
  return out;
}

std::vector<Tensor> RNNCell::step_projected(const Tensor&, const std::vector<Tensor>&, bool) {
  throw NotImplementedError("Layer '" + name() + "' (" + class_name() + ") does not implement step_projected()");
}

std::vector<Tensor> RNNCell::get_initial_state(std::int64_t batch_size) {
  std::vector<Tensor> states;
  for (auto size : state_size()) states.push_back(zeros({batch_size, size}, dtype()));
  return states;
}

Tensor RNNCell::draw_mask(const Shape& shape, double rate) {
  std::optional<std::uint64_t> seed;
  if (seed_) seed = *seed_ * 1000003ULL + draws_++;
  Tensor keep = uniform(shape, {.dtype = dtype(), .seed = seed}) >= rate;
  return cast(keep, dtype()) * (1.0 / (1.0 - rate));
}

void RNNCell::begin_sequence(std::int64_t batch_size, std::int64_t features, bool training) {
  in_sequence_ = true;
  dropout_mask_ = recurrent_dropout_mask_ = Tensor();
  if (!training) return;
  if (dropout_ > 0.0) dropout_mask_ = draw_mask({batch_size, features}, dropout_);
  if (recurrent_dropout_ > 0.0) recurrent_dropout_mask_ = draw_mask({batch_size, state_size().at(0)}, recurrent_dropout_);
}

void RNNCell::end_sequence() {
  in_sequence_ = false;
  dropout_mask_ = recurrent_dropout_mask_ = Tensor();
}

Tensor RNNCell::project_with(const Tensor& inputs, const Tensor& kernel, const Tensor& bias) const {
  if (inputs.shape().back() != kernel.shape()[0])
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") was built for " + std::to_string(kernel.shape()[0]) +
                     " input features, got inputs of shape " + inputs.shape().to_string());
  // The same dropout mask (batch, features) for every timestep: it broadcasts over a leading time axis.
  const Tensor x = dropout_mask_.defined() ? inputs * dropout_mask_ : inputs;
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = kernel.shape()[1];
  Tensor y = matmul(reshape(x, {-1, x.shape().back()}), kernel);
  if (bias.defined()) y = y + bias;
  return x.rank() == 2 ? y : reshape(y, out_shape);
}

Tensor RNNCell::recurrent_dropped(const Tensor& state) const {
  return recurrent_dropout_mask_.defined() ? state * recurrent_dropout_mask_ : state;
}

void RNNCell::build(const std::vector<Shape>& input_shapes) {
  if (!input_shapes.empty()) build(input_shapes[0]);
}

std::vector<Tensor> RNNCell::call(const std::vector<Tensor>& inputs, bool training) {
  const Tensor& x = inputs.at(0);
  if (x.rank() != 2)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") takes one timestep of shape (batch, features), got " +
                     x.shape().to_string());
  std::vector<Tensor> states(inputs.begin() + 1, inputs.end());
  if (states.empty()) states = get_initial_state(x.shape()[0]);
  const auto sizes = state_size();
  if (states.size() != sizes.size())
    throw ValueError("Layer '" + name() + "' (" + class_name() + ") has " + std::to_string(sizes.size()) +
                     " state(s), got " + std::to_string(states.size()));
  for (std::size_t i = 0; i < states.size(); ++i)
    if (states[i].shape() != Shape{x.shape()[0], sizes[i]})
      throw ShapeError("Layer '" + name() + "' (" + class_name() + "): state " + std::to_string(i) + " must have shape " +
                       Shape{x.shape()[0], sizes[i]}.to_string() + ", got " + states[i].shape().to_string());
  return step(x, states, training);
}

Tensor RNNCell::call(const Tensor& inputs, bool training) { return call(std::vector<Tensor>{inputs}, training).at(0); }

std::vector<Shape> RNNCell::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  const std::int64_t batch = input_shapes.at(0).empty() ? -1 : input_shapes[0][0];
  std::vector<Shape> out{Shape{batch, output_size()}};
  for (auto size : state_size()) out.push_back(Shape{batch, size});
  return out;
}

Shape RNNCell::compute_output_shape(const Shape& input_shape) { return compute_output_shapes({input_shape}).at(0); }

Config recurrent_cell_config(const Layer& cell, std::int64_t units, const RecurrentOptions& o,
                             bool with_recurrent_activation) {
  Config config = cell.Layer::get_config();
  config["units"] = units;
  config["activation"] = activations::serialize(o.activation);
  if (with_recurrent_activation) config["recurrent_activation"] = activations::serialize(o.recurrent_activation);
  config["use_bias"] = o.use_bias;
  config["kernel_initializer"] = initializers::serialize(*o.kernel_initializer.get());
  config["recurrent_initializer"] = initializers::serialize(*o.recurrent_initializer.get());
  config["bias_initializer"] = initializers::serialize(*o.bias_initializer.get());
  auto maybe = [](const auto& ptr, auto serialize) { return ptr ? serialize(*ptr) : Config(nullptr); };
  config["kernel_regularizer"] = maybe(o.kernel_regularizer, regularizers::serialize);
  config["recurrent_regularizer"] = maybe(o.recurrent_regularizer, regularizers::serialize);
  config["bias_regularizer"] = maybe(o.bias_regularizer, regularizers::serialize);
  config["kernel_constraint"] = maybe(o.kernel_constraint, constraints::serialize);
  config["recurrent_constraint"] = maybe(o.recurrent_constraint, constraints::serialize);
  config["bias_constraint"] = maybe(o.bias_constraint, constraints::serialize);
  config["dropout"] = o.dropout;
  config["recurrent_dropout"] = o.recurrent_dropout;
  config["seed"] = o.seed ? Config(*o.seed) : Config(nullptr);
  return config;
}

}  // namespace strata::layers
