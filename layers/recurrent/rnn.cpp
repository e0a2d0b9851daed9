#include "strata/layers/recurrent/rnn.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/autodiff/gradient_tape.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/layers/recurrent/cells.hpp"
#include "strata/layers/registry.hpp"

namespace strata::layers {

RNNLayer::RNNLayer(std::shared_ptr<RNNCell> cell, RNNOptions options)
    : Layer(options.name, options.dtype), cell_(std::move(cell)), options_(std::move(options)) {
  if (!cell_) throw ValueError("RNN: the cell is empty");
  track(cell_);
}

void RNNLayer::build(const Shape& input_shape) {
  if (input_shape.rank() != 3)
    throw ShapeError("Layer '" + name() + "' (" + class_name() +
                     ") expects inputs of shape (batch, timesteps, features), got shape " + input_shape.to_string());
  cell_->ensure_built(Shape{input_shape[0], input_shape[2]});
}

void RNNLayer::build(const std::vector<Shape>& input_shapes) { build(input_shapes.at(0)); }

Tensor RNNLayer::call(const Tensor& inputs, bool training) { return run(inputs, {}, Tensor(), training).at(0); }

std::vector<Tensor> RNNLayer::call(const std::vector<Tensor>& inputs, bool training) {
  return run(inputs.at(0), std::vector<Tensor>(inputs.begin() + 1, inputs.end()), Tensor(), training);
}

std::vector<Tensor> RNNLayer::call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) {
  return run(inputs.at(0), std::vector<Tensor>(inputs.begin() + 1, inputs.end()), mask, training);
}

void RNNLayer::reset_states() {
  for (auto& s : states_) s = zeros_like(s);
}

std::vector<Tensor> RNNLayer::run(const Tensor& inputs, std::vector<Tensor> initial, const Tensor& mask, bool training) {
  const std::string who = "Layer '" + name() + "' (" + class_name() + ")";
  if (inputs.rank() != 3)
    throw ShapeError(who + " expects inputs of shape (batch, timesteps, features), got shape " + inputs.shape().to_string());
  const std::int64_t batch = inputs.shape()[0], steps = inputs.shape()[1], features = inputs.shape()[2];
  if (steps == 0) throw ValueError(who + " got inputs with no timesteps, shape " + inputs.shape().to_string());
  const auto sizes = cell_->state_size();
  if (!initial.empty()) {
    if (initial.size() != sizes.size())
      throw ValueError(who + " has " + std::to_string(sizes.size()) + " state(s), but " + std::to_string(initial.size()) +
                       " initial state(s) were given");
    for (std::size_t i = 0; i < initial.size(); ++i) {
      if (initial[i].shape() != Shape{batch, sizes[i]})
        throw ShapeError(who + ": initial state " + std::to_string(i) + " must have shape " +
                         Shape{batch, sizes[i]}.to_string() + ", got " + initial[i].shape().to_string());
      if (initial[i].dtype() != dtype()) initial[i] = cast(initial[i], dtype());
    }
  } else if (options_.stateful && !states_.empty()) {
    if (states_[0].shape()[0] != batch)
      throw ValueError(who + " is stateful with batch size " + std::to_string(states_[0].shape()[0]) +
                       ", got inputs of shape " + inputs.shape().to_string() +
                       "; a stateful RNN needs the same batch size in every call (or reset_states()' s new size)");
    initial = states_;
  } else {
    initial = cell_->get_initial_state(batch);
  }
  std::vector<Tensor> step_masks;
  if (mask.defined()) {
    if (mask.shape() != Shape{batch, steps})
      throw ShapeError(who + ": the mask must have shape " + Shape{batch, steps}.to_string() + ", got " +
                       mask.shape().to_string());
    const Tensor m = mask.dtype() == bool_ ? mask : not_equal(mask, scalar_like(mask, 0));
    for (const auto& t : split(transpose(m, {1, 0}), static_cast<int>(steps), 0)) step_masks.push_back(reshape(t, {batch, 1}));
  }

  cell_->begin_sequence(batch, features, training);
  std::vector<Tensor> outputs;
  std::vector<Tensor> states = initial;
  Tensor last, previous_output;
  try {
    // Time-major, so each step's slice is a leading-axis view; one GEMM projects every step.
    const Tensor time_major = transpose(inputs, {1, 0, 2});
    Tensor projected = cell_->project(time_major);
    const bool has_projection = projected.defined();
    auto per_step = split(has_projection ? projected : time_major, static_cast<int>(steps), 0);
    if (mask.defined()) previous_output = zeros({batch, cell_->output_size()}, dtype());
    for (std::int64_t k = 0; k < steps; ++k) {
      const std::size_t t = static_cast<std::size_t>(options_.go_backwards ? steps - 1 - k : k);
      const Tensor x_t = reshape(per_step[t], {batch, per_step[t].shape()[2]});
      auto result = has_projection ? cell_->step_projected(x_t, states, training) : cell_->step(x_t, states, training);
      if (result.size() != sizes.size() + 1)
        throw ValueError(who + ": the cell gave " + std::to_string(result.size() - 1) + " state(s), expected " +
                         std::to_string(sizes.size()));
      Tensor output = result[0];
      if (mask.defined()) {
        const Tensor& m = step_masks[t];
        output = where(m, output, options_.zero_output_for_mask ? zeros_like(output) : previous_output);
        for (std::size_t i = 0; i < states.size(); ++i) states[i] = where(m, result[i + 1], states[i]);
        previous_output = output;
      } else {
        for (std::size_t i = 0; i < states.size(); ++i) states[i] = result[i + 1];
      }
      if (options_.return_sequences) outputs.push_back(output);
      last = output;
    }
  } catch (...) {
    cell_->end_sequence();
    throw;
  }
  cell_->end_sequence();
  if (options_.stateful) {
    states_.clear();
    for (const auto& s : states) states_.push_back(stop_gradient(s));
  }
  std::vector<Tensor> result{options_.return_sequences ? stack(outputs, 1) : last};
  if (options_.activity_regularizer) add_loss((*options_.activity_regularizer)(result[0]));
  if (options_.return_state) result.insert(result.end(), states.begin(), states.end());
  return result;
}

std::vector<Shape> RNNLayer::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  const Shape& in = input_shapes.at(0);
  if (in.rank() != 3)
    throw ShapeError("Layer '" + name() + "' (" + class_name() +
                     ") expects inputs of shape (batch, timesteps, features), got shape " + in.to_string());
  std::vector<Shape> out{options_.return_sequences ? Shape{in[0], in[1], cell_->output_size()}
                                                   : Shape{in[0], cell_->output_size()}};
  if (options_.return_state)
    for (auto size : cell_->state_size()) out.push_back(Shape{in[0], size});
  return out;
}

Shape RNNLayer::compute_output_shape(const Shape& input_shape) { return compute_output_shapes({input_shape}).at(0); }

Tensor RNNLayer::compute_mask(const std::vector<Tensor>&, const Tensor& mask) {
  return options_.return_sequences ? mask : Tensor();
}

namespace {
void write_layer_options(Config& config, const RNNOptions& o) {
  config["return_sequences"] = o.return_sequences;
  config["return_state"] = o.return_state;
  config["go_backwards"] = o.go_backwards;
  config["stateful"] = o.stateful;
  config["unroll"] = o.unroll;
}
}  // namespace

Config RNNLayer::get_config() const {
  Config config = Layer::get_config();
  write_layer_options(config, options_);
  config["zero_output_for_mask"] = options_.zero_output_for_mask;
  config["cell"] = serialize_layer(*cell_);
  return config;
}

LayerHandle<RNNLayer> RNN(std::shared_ptr<RNNCell> cell, RNNOptions options) {
  return make_layer<RNNLayer>(std::move(cell), std::move(options));
}

// --- SimpleRNN, LSTM, GRU ---

namespace {
RNNOptions layer_options(const RecurrentOptions& o) {
  return RNNOptions{.return_sequences = o.return_sequences,
                    .return_state = o.return_state,
                    .go_backwards = o.go_backwards,
                    .stateful = o.stateful,
                    .unroll = o.unroll,
                    .zero_output_for_mask = false,
                    .activity_regularizer = o.activity_regularizer,
                    .name = o.name,
                    .dtype = o.dtype};
}

// The cell gets its own automatic name (lstm_cell, ...), as in Keras.
RecurrentOptions cell_options(RecurrentOptions o) {
  o.name.clear();
  return o;
}
}  // namespace

KerasRecurrentLayer::KerasRecurrentLayer(std::shared_ptr<RNNCell> cell, const RecurrentOptions& options,
                                         std::string class_name)
    : RNNLayer(std::move(cell), layer_options(options)), class_name_(std::move(class_name)) {}

Config KerasRecurrentLayer::get_config() const {
  Config config = cell_->get_config();
  const Config base = Layer::get_config();
  for (const auto& [key, value] : base.items()) config[key] = value;
  write_layer_options(config, options_);
  auto maybe = [](const auto& ptr, auto serialize) { return ptr ? serialize(*ptr) : Config(nullptr); };
  config["activity_regularizer"] = maybe(options_.activity_regularizer, regularizers::serialize);
  return config;
}

LayerHandle<KerasRecurrentLayer> SimpleRNN(std::int64_t units, RecurrentOptions options) {
  auto cell = make_layer<SimpleRNNCellLayer>(units, cell_options(options)).ptr();
  return make_layer<KerasRecurrentLayer>(cell, options, "SimpleRNN");
}

LayerHandle<KerasRecurrentLayer> LSTM(std::int64_t units, RecurrentOptions options) {
  auto cell = make_layer<LSTMCellLayer>(units, cell_options(options)).ptr();
  return make_layer<KerasRecurrentLayer>(cell, options, "LSTM");
}

LayerHandle<KerasRecurrentLayer> GRU(std::int64_t units, RecurrentOptions options) {
  auto cell = make_layer<GRUCellLayer>(units, cell_options(options)).ptr();
  return make_layer<KerasRecurrentLayer>(cell, options, "GRU");
}

}  // namespace strata::layers
