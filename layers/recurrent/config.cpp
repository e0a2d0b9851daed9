// The from_config factories of the recurrent layers, their cells and the wrappers
// (Bidirectional, TimeDistributed, RNN). Keras 1/2 spellings (output_dim, init, inner_init,
// inner_activation, W/U/b_regularizer, dropout_W/U) are renamed before these run (registry.cpp).
#include "strata/framework/ops/math.hpp"
#include "strata/layers/keras_version.hpp"
#include "strata/layers/builtin.hpp"
#include "strata/layers/recurrent/bidirectional.hpp"
#include "strata/layers/recurrent/cells.hpp"
#include "strata/layers/recurrent/rnn.hpp"
#include "strata/layers/recurrent/rnn_cell.hpp"
#include "strata/layers/recurrent/time_distributed.hpp"

namespace strata::layers::detail {

namespace {

// The arguments of SimpleRNN / LSTM / GRU and their cells.
RecurrentOptions recurrent_options(const LayerConfigReader& in, const Config& c) {
  if (in.boolean("time_major", false)) in.not_implemented("time_major inputs are not supported");
  RecurrentOptions o;
  o.activation = in.activation("activation", "tanh");
  if (in.has("recurrent_activation")) o.recurrent_activation = in.activation("recurrent_activation");
  // hard_sigmoid follows the version of Keras that wrote the config (activations::get). Where
  // it is unknown (a bare layer config), a config without "seed" comes from Keras 1/2: Keras 3
  // writes "seed" in every recurrent config.
  if (!keras_version::current().known() && !c.contains("seed")) {
    const auto keras2 = keras_version::parse("2");
    if (o.activation.name == "hard_sigmoid") o.activation = activations::get("hard_sigmoid", keras2);
    if (o.recurrent_activation.name == "hard_sigmoid") o.recurrent_activation = activations::get("hard_sigmoid", keras2);
  }
  o.use_bias = in.boolean("use_bias", true);
  o.kernel_initializer = in.initializer("kernel_initializer", "glorot_uniform");
  o.recurrent_initializer = in.initializer("recurrent_initializer", "orthogonal");
  o.bias_initializer = in.initializer("bias_initializer", "zeros");
  if (in.has("unit_forget_bias")) o.unit_forget_bias = in.boolean("unit_forget_bias", true);
  else if (const Config* k1 = in.find("forget_bias_init")) o.unit_forget_bias = k1->is_string() && k1->get<std::string>() == "one";
  // Keras 1 and Keras 2 before 2.1.4 have no reset_after: their GRU is the original formulation.
  o.reset_after = in.boolean("reset_after", false);
  o.kernel_regularizer = in.regularizer("kernel_regularizer");
  o.recurrent_regularizer = in.regularizer("recurrent_regularizer");
  o.bias_regularizer = in.regularizer("bias_regularizer");
  o.activity_regularizer = in.regularizer("activity_regularizer");
  o.kernel_constraint = in.constraint("kernel_constraint");
  o.recurrent_constraint = in.constraint("recurrent_constraint");
  o.bias_constraint = in.constraint("bias_constraint");
  o.dropout = in.number("dropout", 0.0);
  o.recurrent_dropout = in.number("recurrent_dropout", 0.0);
  o.seed = in.seed();
  o.return_sequences = in.boolean("return_sequences", false);
  o.return_state = in.boolean("return_state", false);
  o.go_backwards = in.boolean("go_backwards", false);
  o.stateful = in.boolean("stateful", false);
  o.unroll = in.boolean("unroll", false);
  o.name = in.name();
  o.dtype = in.dtype();
  return o;
}

template <class Make>
LayerFactory recurrent(const char* cls, Make make) {
  return [cls, make](const Config& c) -> LayerPtr {
    const LayerConfigReader in(c, cls);
    const auto units = in.required_integer("units");
    return make(units, recurrent_options(in, c)).ptr();
  };
}

LayerPtr generic_rnn(const Config& c) {
  const LayerConfigReader in(c, "RNN");
  const Config* cell = in.find("cell");
  if (!cell) throw ValueError("RNN '" + in.name() + "' needs 'cell'");
  if (cell->is_array() || (cell->is_object() && cell->value("class_name", "") == "StackedRNNCells"))
    in.not_implemented("stacked cells (a list of cells) are not supported");
  auto made = std::dynamic_pointer_cast<RNNCell>(layer_from_config(*cell));
  if (!made) throw ValueError("RNN '" + in.name() + "': the cell " + cell->dump().substr(0, 120) + " is not an RNN cell");
  RNNOptions o;
  o.return_sequences = in.boolean("return_sequences", false);
  o.return_state = in.boolean("return_state", false);
  o.go_backwards = in.boolean("go_backwards", false);
  o.stateful = in.boolean("stateful", false);
  o.unroll = in.boolean("unroll", false);
  o.zero_output_for_mask = in.boolean("zero_output_for_mask", false);
  o.activity_regularizer = in.regularizer("activity_regularizer");
  o.name = in.name();
  o.dtype = in.dtype();
  return RNN(made, std::move(o)).ptr();
}

LayerPtr bidirectional(const Config& c) {
  const LayerConfigReader in(c, "Bidirectional");
  const Config* inner = in.find("layer");
  if (!inner) throw ValueError("Bidirectional '" + in.name() + "' needs 'layer'");
  auto layer = std::dynamic_pointer_cast<RNNLayer>(layer_from_config(*inner));
  if (!layer) throw ValueError("Bidirectional '" + in.name() + "': the wrapped layer is not a recurrent layer");
  BidirectionalOptions o;
  // Absent: Keras's default "concat"; null: None (the outputs as a list).
  o.merge_mode = c.contains("merge_mode") ? in.string("merge_mode", "") : std::string("concat");
  if (const Config* b = in.find("backward_layer")) {
    o.backward_layer = std::dynamic_pointer_cast<RNNLayer>(layer_from_config(*b));
    if (!o.backward_layer) throw ValueError("Bidirectional '" + in.name() + "': backward_layer is not a recurrent layer");
  }
  o.name = in.name();
  o.dtype = in.dtype();
  return Bidirectional(layer, std::move(o)).ptr();
}

LayerPtr time_distributed(const Config& c) {
  const LayerConfigReader in(c, "TimeDistributed");
  const Config* inner = in.find("layer");
  if (!inner) throw ValueError("TimeDistributed '" + in.name() + "' needs 'layer'");
  return TimeDistributed(layer_from_config(*inner), TimeDistributedOptions{in.name(), in.dtype()}).ptr();
}

}  // namespace

void register_recurrent_layers(const AddLayer& add) {
  add("SimpleRNN", recurrent("SimpleRNN", [](std::int64_t u, RecurrentOptions o) { return SimpleRNN(u, std::move(o)); }));
  add("LSTM", recurrent("LSTM", [](std::int64_t u, RecurrentOptions o) { return LSTM(u, std::move(o)); }));
  add("GRU", recurrent("GRU", [](std::int64_t u, RecurrentOptions o) { return GRU(u, std::move(o)); }));
  add("SimpleRNNCell",
      recurrent("SimpleRNNCell", [](std::int64_t u, RecurrentOptions o) { return SimpleRNNCell(u, std::move(o)); }));
  add("LSTMCell", recurrent("LSTMCell", [](std::int64_t u, RecurrentOptions o) { return LSTMCell(u, std::move(o)); }));
  add("GRUCell", recurrent("GRUCell", [](std::int64_t u, RecurrentOptions o) { return GRUCell(u, std::move(o)); }));
  add("RNN", generic_rnn);
  add("Bidirectional", bidirectional);
  add("TimeDistributed", time_distributed);
}

}  // namespace strata::layers::detail
