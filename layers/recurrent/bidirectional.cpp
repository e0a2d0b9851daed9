#include "strata/layers/recurrent/bidirectional.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/layers/keras_version.hpp"
#include "strata/layers/recurrent/cells.hpp"
#include "strata/layers/registry.hpp"

namespace strata::layers {

namespace {

// A new layer like `layer` with a new name (and go_backwards flipped for the backward one). Keras
// rebuilds it from its config; the built-in layers are rebuilt from their options, which also keeps
// activations given as functions.
std::shared_ptr<RNNLayer> recreate(const RNNLayer& layer, const std::string& prefix, bool flip) {
  const auto* cell = dynamic_cast<const KerasCell*>(layer.cell().get());
  if (cell && dynamic_cast<const KerasRecurrentLayer*>(&layer)) {
    RecurrentOptions o = cell->options();
    const RNNOptions& r = layer.rnn_options();
    o.return_sequences = r.return_sequences;
    o.return_state = r.return_state;
    o.go_backwards = flip ? !r.go_backwards : r.go_backwards;
    o.stateful = r.stateful;
    o.unroll = r.unroll;
    o.activity_regularizer = r.activity_regularizer;
    o.name = prefix + layer.name();
    o.dtype = layer.dtype();
    const std::string kind = layer.class_name();
    if (kind == "LSTM") return LSTM(cell->units(), o).ptr();
    if (kind == "GRU") return GRU(cell->units(), o).ptr();
    if (kind == "SimpleRNN") return SimpleRNN(cell->units(), o).ptr();
  }
  Config entry = serialize_layer(layer);
  entry["config"]["name"] = prefix + layer.name();
  if (flip) entry["config"]["go_backwards"] = !layer.rnn_options().go_backwards;
  auto made = std::dynamic_pointer_cast<RNNLayer>(layer_from_config(entry));
  if (!made) throw ValueError("Bidirectional: layer '" + layer.name() + "' did not rebuild as a recurrent layer");
  return made;
}

Tensor reverse_time(const Tensor& x) {
  const std::int64_t steps = x.shape()[1];
  return gather(x, arange(static_cast<double>(steps - 1), -1.0, -1.0, int64), 1);
}

}  // namespace

BidirectionalLayer::BidirectionalLayer(const std::shared_ptr<RNNLayer>& layer, BidirectionalOptions options)
    : Layer(options.name, options.dtype), merge_mode_(options.merge_mode == "None" ? "" : options.merge_mode),
      custom_backward_(options.backward_layer != nullptr) {
  if (!layer) throw ValueError("Bidirectional: the layer is empty");
  static const char* modes[] = {"concat", "sum", "mul", "ave", ""};
  if (std::find(std::begin(modes), std::end(modes), merge_mode_) == std::end(modes))
    throw ValueError("Bidirectional: invalid merge_mode '" + options.merge_mode +
                     "'; merge_mode should be one of 'concat', 'sum', 'mul', 'ave', None");
  layer_config_ = serialize_layer(*layer).dump();
  forward_ = recreate(*layer, "forward_", false);
  backward_ = custom_backward_ ? options.backward_layer : recreate(*layer, "backward_", true);
  const auto& f = forward_->rnn_options();
  const auto& b = backward_->rnn_options();
  if (b.go_backwards == f.go_backwards)
    throw ValueError("Bidirectional: the backward layer must have go_backwards " + std::string(f.go_backwards ? "False" : "True") +
                     " (the opposite of the forward layer)");
  if (b.return_sequences != f.return_sequences || b.return_state != f.return_state || b.stateful != f.stateful)
    throw ValueError("Bidirectional: the forward and backward layers must agree on return_sequences, return_state and stateful");
  // As Keras: masked steps give zeros in both directions, so the merged sequence lines up.
  // Multi-backend Keras (no zero_output_for_mask) repeated each direction's last output there.
  if (keras_version::bidirectional_repeats_masked(keras_version::current()))
    repeats_masked_version_ = keras_version::current().text;
  forward_->set_zero_output_for_mask(f.return_sequences && repeats_masked_version_.empty());
  backward_->set_zero_output_for_mask(b.return_sequences && repeats_masked_version_.empty());
  track(forward_);
  track(backward_);
}

void BidirectionalLayer::build(const Shape& input_shape) {
  forward_->ensure_built(input_shape);
  backward_->ensure_built(input_shape);
}

void BidirectionalLayer::build(const std::vector<Shape>& input_shapes) { build(input_shapes.at(0)); }

Tensor BidirectionalLayer::call(const Tensor& inputs, bool training) { return run({inputs}, Tensor(), training).at(0); }

std::vector<Tensor> BidirectionalLayer::call(const std::vector<Tensor>& inputs, bool training) {
  return run(inputs, Tensor(), training);
}

std::vector<Tensor> BidirectionalLayer::call_with_mask(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) {
  return run(inputs, mask, training);
}

std::vector<Tensor> BidirectionalLayer::run(const std::vector<Tensor>& inputs, const Tensor& mask, bool training) {
  // Initial states: the forward layer's first, then the backward layer's.
  std::vector<Tensor> fwd_in{inputs.at(0)}, bwd_in{inputs.at(0)};
  if (inputs.size() > 1) {
    const std::size_t n = forward_->cell()->state_size().size();
    if (inputs.size() != 1 + 2 * n)
      throw ValueError("Layer '" + name() + "' (Bidirectional) expects " + std::to_string(2 * n) +
                       " initial states (forward then backward), got " + std::to_string(inputs.size() - 1));
    fwd_in.insert(fwd_in.end(), inputs.begin() + 1, inputs.begin() + 1 + static_cast<std::ptrdiff_t>(n));
    bwd_in.insert(bwd_in.end(), inputs.begin() + 1 + static_cast<std::ptrdiff_t>(n), inputs.end());
  }
  auto f = forward_->apply_masked(fwd_in, mask, training).outputs;
  auto b = backward_->apply_masked(bwd_in, mask, training).outputs;
  Tensor y_f = f[0], y_b = b[0];
  if (forward_->rnn_options().return_sequences) y_b = reverse_time(y_b);
  std::vector<Tensor> out;
  if (merge_mode_ == "concat") out = {concat({y_f, y_b}, -1)};
  else if (merge_mode_ == "sum") out = {y_f + y_b};
  else if (merge_mode_ == "mul") out = {y_f * y_b};
  else if (merge_mode_ == "ave") out = {(y_f + y_b) * 0.5};
  else out = {y_f, y_b};
  out.insert(out.end(), f.begin() + 1, f.end());
  out.insert(out.end(), b.begin() + 1, b.end());
  return out;
}

std::vector<Shape> BidirectionalLayer::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  auto f = forward_->compute_output_shapes({input_shapes.at(0)});
  auto b = backward_->compute_output_shapes({input_shapes.at(0)});
  std::vector<Shape> out;
  Shape y = f[0];
  if (merge_mode_ == "concat") {
    y[y.size() - 1] = f[0].back() + b[0].back();
    out = {y};
  } else if (merge_mode_.empty()) {
    out = {f[0], b[0]};
  } else {
    out = {y};
  }
  out.insert(out.end(), f.begin() + 1, f.end());
  out.insert(out.end(), b.begin() + 1, b.end());
  return out;
}

Shape BidirectionalLayer::compute_output_shape(const Shape& input_shape) {
  return compute_output_shapes({input_shape}).at(0);
}

Tensor BidirectionalLayer::compute_mask(const std::vector<Tensor>&, const Tensor& mask) {
  return forward_->rnn_options().return_sequences ? mask : Tensor();
}

Config BidirectionalLayer::get_config() const {
  Config config = Layer::get_config();
  config["layer"] = Config::parse(layer_config_);
  (void)forward_->get_config();  // notes the wrapped layer's version-dependent functions (keras_version.hpp)
  if (forward_->rnn_options().return_sequences)
    keras_version::note("Bidirectional masked steps", keras_version::bidirectional_repeats_masked,
                        !repeats_masked_version_.empty(), repeats_masked_version_);
  config["merge_mode"] = merge_mode_.empty() ? Config(nullptr) : Config(merge_mode_);
  if (custom_backward_) config["backward_layer"] = serialize_layer(*backward_);
  return config;
}

LayerHandle<BidirectionalLayer> Bidirectional(const std::shared_ptr<RNNLayer>& layer, BidirectionalOptions options) {
  return make_layer<BidirectionalLayer>(layer, std::move(options));
}

}  // namespace strata::layers
