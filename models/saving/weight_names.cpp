// The names Keras gives weights in a legacy .h5 (the weight_names attribute and the dataset
// paths), by the Keras version the file declares. Keras loads such files by position, but readers
// that match weights by name (TensorFlow.js, converters, inference libraries) need Keras's names.
// Computed here from the layer tree at save time; variables keep the names they were made with.
//
// Where each Keras puts a weight (read in its saving code and layer build methods):
// - Keras >= 3.2 (legacy_h5_format.py: str(w.path)): the name scopes open when the variable was made.
//   Every layer's build opens its own scope; a Sequential builds its layers inside its scope, a
//   Functional model's layers are built by the user's calls, outside any. So a Sequential's Dense is
//   "sequential/dense/kernel", a Functional's "dense/kernel", an LSTM's "lstm/lstm_cell/kernel",
//   "bidirectional/forward_lstm/lstm_cell/kernel", "time_distributed/dense/kernel",
//   "multi_head_attention/query/kernel". Keras 3.0 and 3.1 wrote w.name ("kernel").
// - tf.keras 2 (hdf5_format.py: w.name): the TF name scope of the layer's __call__, absolute, plus
//   ":0". RNN.build opens the cell's scope ("lstm/lstm_cell/kernel:0", the cell always named
//   "lstm_cell" / "gru_cell" / "simple_rnn_cell" by LSTM / GRU / SimpleRNN), Bidirectional.build its
//   children's ("bidirectional/forward_lstm/lstm_cell/kernel:0"), TimeDistributed builds its layer
//   without one ("time_distributed/kernel:0"); MultiHeadAttention calls its projections
//   ("multi_head_attention/query/kernel:0"). Models add no scope ("dense/kernel:0").
// - multi-backend Keras <= 2.3: as tf.keras 2, but RNN.build opens no scope for the cell
//   ("lstm_1/kernel:0", "bidirectional_1/forward_lstm_1/kernel:0").
#include <set>

#include "strata/layers/recurrent/rnn.hpp"
#include "strata/models/saving/internal.hpp"
#include "strata/models/sequential.hpp"

namespace strata::models::detail {

namespace {

enum class Rule { keras3_path, keras3_name, tf_keras2, keras2_multi_backend };

// tf.keras declared "2.3.0-tf" from TF 2.2 (the first to scope cells) and "2.4.0" on from TF 2.3;
// multi-backend Keras ended at 2.3.1.
Rule rule_of(const std::string& version) {
  const keras_version::Version v = keras_version::parse(version);
  if (v.major >= 3) return v.minor >= 2 || v.major > 3 ? Rule::keras3_path : Rule::keras3_name;
  if (v.major == 2 && (v.minor >= 4 || (v.minor == 3 && v.tf_keras))) return Rule::tf_keras2;
  return Rule::keras2_multi_backend;
}

// The name a weight was given by add_weight ("kernel", "query/kernel"): the variable's name less
// the "<layer>/" it was made with.
std::string short_name(const Variable& v, const Layer& layer) {
  const std::string& n = v.name();
  if (n.starts_with(layer.name() + "/")) return n.substr(layer.name().size() + 1);
  const auto slash = n.find('/');
  return slash == std::string::npos || slash + 1 == n.size() ? (n.empty() ? std::string("weight") : n)
                                                             : n.substr(slash + 1);
}

// The name of weight `base` ("kernel") made in `scope` ("lstm/lstm_cell").
std::string make_name(const std::string& scope, const std::string& base, Rule rule) {
  switch (rule) {
    case Rule::keras3_path:
      return scope + "/" + base;
    case Rule::keras3_name:
      return base.substr(base.rfind('/') + 1);  // w.name: the last part
    default:
      return scope + "/" + base + ":0";
  }
}

// The cell's scope inside an LSTM / GRU / SimpleRNN: Keras makes the cell with a fixed name.
std::string cell_scope(const Layer& rnn, const Layer& cell) {
  const std::string cls = rnn.class_name();
  if (cls == "LSTM") return "lstm_cell";
  if (cls == "GRU") return "gru_cell";
  if (cls == "SimpleRNN") return "simple_rnn_cell";
  return cell.name();
}

void name_layer(const Layer& layer, const std::string& scope, Rule rule, std::map<std::uint64_t, std::string>& out);

// The layers of a model, each in the scope its weights were made in.
void name_model(const Layer& model, Rule rule, std::map<std::uint64_t, std::string>& out) {
  const bool sequential = dynamic_cast<const Sequential*>(&model) != nullptr;
  const std::string prefix = rule == Rule::keras3_path && sequential ? model.name() + "/" : "";
  const LayerList list = layer_list(model);
  for (const auto& l : list.layers) name_layer(*l, prefix + l->name(), rule, out);
  for (const auto& w : list.own)
    if (!out.count(w.id())) out[w.id()] = make_name(model.name(), short_name(w, model), rule);
}

void name_layer(const Layer& layer, const std::string& scope, Rule rule, std::map<std::uint64_t, std::string>& out) {
  const auto* model = dynamic_cast<const Model*>(&layer);
  if (model && (dynamic_cast<const Sequential*>(model) || model->is_functional()))
    return name_model(layer, rule, out);  // its layers were built when it was made, in no outer scope
  std::set<std::uint64_t> held;
  for (const auto& sub : layer.sublayers())
    for (const auto& w : sub->weights()) held.insert(w.id());
  for (const auto& w : layer.weights())
    if (!held.count(w.id()) && !out.count(w.id())) out[w.id()] = make_name(scope, short_name(w, layer), rule);
  const std::string cls = layer.class_name();
  const bool rnn = dynamic_cast<const layers::RNNLayer*>(&layer) != nullptr;
  for (const auto& sub : layer.sublayers()) {
    std::string child = scope + "/" + (rnn ? cell_scope(layer, *sub) : sub->name());
    if ((rule == Rule::tf_keras2 || rule == Rule::keras2_multi_backend) && cls == "TimeDistributed") child = scope;
    if (rule == Rule::keras2_multi_backend && rnn) child = scope;
    name_layer(*sub, child, rule, out);
  }
}

}  // namespace

std::map<std::uint64_t, std::string> legacy_weight_names(const Layer& owner, const Layer& layer,
                                                         const std::string& keras_version) {
  const Rule rule = rule_of(keras_version);
  const bool in_sequential = dynamic_cast<const Sequential*>(&owner) != nullptr && &owner != &layer;
  const std::string prefix = rule == Rule::keras3_path && in_sequential ? owner.name() + "/" : "";
  std::map<std::uint64_t, std::string> out;
  name_layer(layer, prefix + layer.name(), rule, out);
  return out;
}

}  // namespace strata::models::detail
