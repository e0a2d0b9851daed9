#include "strata/layers/registry.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "strata/framework/ops/math.hpp"
#include "strata/layers/layers.hpp"

namespace strata {

namespace {

struct LayerRegistry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

void register_builtins(LayerRegistry& registry);

LayerRegistry& registry() {
  static LayerRegistry* instance = [] {
    auto* r = new LayerRegistry();  // never destroyed: factories may be looked up during exit
    register_builtins(*r);
    return r;
  }();
  return *instance;
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
  if (class_name.empty()) throw ValueError("register_layer: the class name is empty");
  if (!factory) throw ValueError("register_layer: the factory for '" + class_name + "' is empty");
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[class_name] = std::move(factory);
}

bool is_layer_registered(const std::string& class_name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.count(class_name) != 0;
}

std::vector<std::string> registered_layers() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

LayerPtr layer_from_config(const Config& entry) {
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
    throw ValueError("Cannot deserialize a layer from " + entry.dump().substr(0, 200) +
                     ": expected {\"class_name\": ..., \"config\": {...}}");
  const std::string class_name = entry["class_name"].get<std::string>();
  LayerFactory factory;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.factories.find(class_name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory)
    throw ValueError("Unknown layer: '" + class_name + "'. Register it with STRATA_REGISTER_LAYER(" + class_name +
                     ") or strata::register_layer(...)");
  const Config config = entry.contains("config") && !entry["config"].is_null() ? entry["config"] : Config::object();
  if (!config.is_object() && !config.is_array())
    throw ValueError("Cannot deserialize layer '" + class_name + "': its config must be an object, got " +
                     config.dump().substr(0, 200));
  try {
    return factory(config);
  } catch (const NotImplementedError&) {
    throw;
  } catch (const Error& e) {
    std::string layer_name = config.is_object() && config.contains("name") && config["name"].is_string()
                                 ? config["name"].get<std::string>()
                                 : std::string("?");
    throw ValueError("Cannot create layer '" + layer_name + "' (" + class_name + ") from its config: " + e.what());
  } catch (const nlohmann::json::exception& e) {
    std::string layer_name = config.is_object() && config.contains("name") && config["name"].is_string()
                                 ? config["name"].get<std::string>()
                                 : std::string("?");
    throw ValueError("Cannot create layer '" + layer_name + "' (" + class_name + ") from its config: " + e.what());
  }
}

Config serialize_layer(const Layer& layer) {
  return Config{{"module", "keras.layers"},
                {"class_name", layer.class_name()},
                {"config", layer.get_config()},
                {"registered_name", nullptr}};
}

namespace layers::config {

const Config* find(const Config& config, std::initializer_list<const char*> keys) {
  if (!config.is_object()) return nullptr;
  for (const char* key : keys) {
    auto it = config.find(key);
    if (it != config.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string name(const Config& config) {
  const Config* v = find(config, {"name"});
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

DType dtype(const Config& config) {
  const Config* v = find(config, {"dtype"});
  if (!v) return float32;
  if (v->is_string()) return dtype_from_name(v->get<std::string>());
  // Keras 3: {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}
  if (v->is_object() && v->contains("config") && (*v)["config"].is_object() && (*v)["config"].contains("name"))
    return dtype_from_name((*v)["config"]["name"].get<std::string>());
  throw ValueError("dtype must be a name or a DTypePolicy, got " + v->dump());
}

bool trainable(const Config& config) {
  const Config* v = find(config, {"trainable"});
  return v ? v->get<bool>() : true;
}

std::optional<Shape> batch_input_shape(const Config& config) {
  auto dims_of = [](const Config& list, bool with_batch) {
    if (!list.is_array()) throw ValueError("an input shape must be a list, got " + list.dump());
    std::vector<std::int64_t> dims;
    if (!with_batch) dims.push_back(-1);
    for (const auto& d : list) dims.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
    return Shape(dims);
  };
  if (const Config* v = find(config, {"batch_shape", "batch_input_shape"})) return dims_of(*v, true);
  if (const Config* v = find(config, {"input_shape"})) return dims_of(*v, false);
  if (const Config* v = find(config, {"input_dim"}))
    if (v->is_number_integer()) return Shape{-1, v->get<std::int64_t>()};
  return std::nullopt;
}

LayerPtr finish(LayerPtr layer, const Config& config) {
  if (!trainable(config)) layer->set_trainable(false);
  return layer;
}

}  // namespace layers::config

namespace {

using namespace layers;
namespace cfg = layers::config;

double number(const Config& c, std::initializer_list<const char*> keys, double fallback) {
  const Config* v = cfg::find(c, keys);
  return v ? v->get<double>() : fallback;
}

std::optional<std::uint64_t> seed_of(const Config& c) {
  const Config* v = cfg::find(c, {"seed"});
  if (!v) return std::nullopt;
  return v->get<std::uint64_t>();
}

initializers::InitializerRef initializer(const Config& c, std::initializer_list<const char*> keys, const char* fallback) {
  const Config* v = cfg::find(c, keys);
  if (!v) return fallback;
  return initializers::deserialize(*v);
}

regularizers::RegularizerPtr regularizer(const Config& c, std::initializer_list<const char*> keys) {
  const Config* v = cfg::find(c, keys);
  return v ? regularizers::deserialize(*v) : nullptr;
}

constraints::ConstraintPtr constraint(const Config& c, std::initializer_list<const char*> keys) {
  const Config* v = cfg::find(c, keys);
  return v ? constraints::deserialize(*v) : nullptr;
}

std::string activation_name(const Config& c) {
  const Config* v = cfg::find(c, {"activation"});
  if (!v) return "linear";
  if (v->is_string()) return v->get<std::string>();
  // Keras 3 may write {"module": "keras.activations", "class_name": "function", "config": "relu"}
  if (v->is_object() && v->contains("config") && (*v)["config"].is_string()) return (*v)["config"].get<std::string>();
  throw ValueError("activation must be a name, got " + v->dump());
}

LayerPtr dense(const Config& c) {
  DenseOptions o;
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  o.activation = activation_name(c);
  if (const Config* v = cfg::find(c, {"use_bias", "bias"})) o.use_bias = v->get<bool>();
  o.kernel_initializer = initializer(c, {"kernel_initializer", "init"}, "glorot_uniform");
  o.bias_initializer = initializer(c, {"bias_initializer"}, "zeros");
  o.kernel_regularizer = regularizer(c, {"kernel_regularizer", "W_regularizer"});
  o.bias_regularizer = regularizer(c, {"bias_regularizer", "b_regularizer"});
  o.activity_regularizer = regularizer(c, {"activity_regularizer"});
  o.kernel_constraint = constraint(c, {"kernel_constraint", "W_constraint"});
  o.bias_constraint = constraint(c, {"bias_constraint", "b_constraint"});
  const Config* units = cfg::find(c, {"units", "output_dim"});  // output_dim: Keras 1
  if (!units) throw ValueError("Dense needs 'units'");
  return make_layer<DenseLayer>(units->get<std::int64_t>(), std::move(o)).ptr();
}

LayerPtr input_layer(const Config& c) {
  auto shape = cfg::batch_input_shape(c);
  if (!shape) throw ValueError("InputLayer needs 'batch_shape' (Keras 3) or 'batch_input_shape' (Keras 2)");
  if (shape->rank() < 1) throw ValueError("InputLayer: the batch shape must include the batch axis");
  InputOptions o;
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  if ((*shape)[0] >= 0) o.batch_size = (*shape)[0];
  if (const Config* sparse = cfg::find(c, {"sparse"}); sparse && sparse->get<bool>())
    throw NotImplementedError("InputLayer '" + o.name + "': sparse inputs are not supported");
  std::vector<std::int64_t> dims(shape->begin() + 1, shape->end());
  return std::make_shared<InputLayer>(Shape(dims), o);
}

std::vector<std::int64_t> ints(const Config& v) {
  if (v.is_array()) return v.get<std::vector<std::int64_t>>();
  return {v.get<std::int64_t>()};
}

std::string text(const Config& c, const char* key, const char* fallback) {
  const Config* v = cfg::find(c, {key});
  return v ? v->get<std::string>() : fallback;
}

LayerPtr conv(const Config& c, int rank) {
  const Config* filters = cfg::find(c, {"filters"});
  const Config* kernel = cfg::find(c, {"kernel_size"});
  if (!filters || !kernel) throw ValueError("Conv" + std::to_string(rank) + "D '" + cfg::name(c) + "' needs 'filters' and 'kernel_size'");
  ConvOptions o;
  if (const Config* v = cfg::find(c, {"strides"})) o.strides = ints(*v);
  if (const Config* v = cfg::find(c, {"dilation_rate"})) o.dilation_rate = ints(*v);
  o.padding = text(c, "padding", "valid");
  o.data_format = text(c, "data_format", "channels_last");
  if (const Config* v = cfg::find(c, {"groups"})) o.groups = v->get<std::int64_t>();
  o.activation = activation_name(c);
  if (const Config* v = cfg::find(c, {"use_bias"})) o.use_bias = v->get<bool>();
  o.kernel_initializer = initializer(c, {"kernel_initializer"}, "glorot_uniform");
  o.bias_initializer = initializer(c, {"bias_initializer"}, "zeros");
  o.kernel_regularizer = regularizer(c, {"kernel_regularizer"});
  o.bias_regularizer = regularizer(c, {"bias_regularizer"});
  o.activity_regularizer = regularizer(c, {"activity_regularizer"});
  o.kernel_constraint = constraint(c, {"kernel_constraint"});
  o.bias_constraint = constraint(c, {"bias_constraint"});
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return make_layer<ConvLayer>(rank, filters->get<std::int64_t>(), ints(*kernel), std::move(o)).ptr();
}

LayerPtr pooling(const Config& c, LayerHandle<PoolingLayer> (*make)(const IntTuple&, PoolingOptions)) {
  PoolingOptions o;
  if (const Config* v = cfg::find(c, {"strides"})) o.strides = ints(*v);
  o.padding = text(c, "padding", "valid");
  o.data_format = text(c, "data_format", "channels_last");
  o.name = cfg::name(c);
  const Config* size = cfg::find(c, {"pool_size"});
  return make(size ? IntTuple(ints(*size)) : IntTuple(2), std::move(o)).ptr();
}

LayerPtr global_pooling(const Config& c, LayerHandle<GlobalPoolingLayer> (*make)(GlobalPoolingOptions)) {
  GlobalPoolingOptions o;
  o.data_format = text(c, "data_format", "channels_last");
  if (const Config* v = cfg::find(c, {"keepdims"})) o.keepdims = v->get<bool>();
  o.name = cfg::name(c);
  return make(std::move(o)).ptr();
}

// What BatchNormalization and LayerNormalization read alike: epsilon, center / scale and the beta /
// gamma initializers, regularizers and constraints, name and dtype.
template <class Options>
Options normalization_options(const Config& c, Options o) {
  o.epsilon = number(c, {"epsilon"}, 1e-3);
  if (const Config* v = cfg::find(c, {"center"})) o.center = v->get<bool>();
  if (const Config* v = cfg::find(c, {"scale"})) o.scale = v->get<bool>();
  o.beta_initializer = initializer(c, {"beta_initializer"}, "zeros");
  o.gamma_initializer = initializer(c, {"gamma_initializer"}, "ones");
  o.beta_regularizer = regularizer(c, {"beta_regularizer"});
  o.gamma_regularizer = regularizer(c, {"gamma_regularizer"});
  o.beta_constraint = constraint(c, {"beta_constraint"});
  o.gamma_constraint = constraint(c, {"gamma_constraint"});
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return o;
}

LayerPtr batch_normalization(const Config& c) {
  BatchNormalizationOptions o;
  if (const Config* v = cfg::find(c, {"axis"})) {
    const auto axes = ints(*v);
    if (axes.size() != 1)
      throw NotImplementedError("BatchNormalization '" + cfg::name(c) + "': only one axis is supported, got " + v->dump());
    o.axis = static_cast<int>(axes[0]);
  }
  o.momentum = number(c, {"momentum"}, 0.99);
  o.moving_mean_initializer = initializer(c, {"moving_mean_initializer"}, "zeros");
  o.moving_variance_initializer = initializer(c, {"moving_variance_initializer"}, "ones");
  return BatchNormalization(normalization_options(c, std::move(o))).ptr();
}

LayerPtr layer_normalization(const Config& c) {
  LayerNormalizationOptions o;
  if (const Config* v = cfg::find(c, {"axis"})) {
    o.axis.clear();
    for (auto a : ints(*v)) o.axis.push_back(static_cast<int>(a));
  }
  return LayerNormalization(normalization_options(c, std::move(o))).ptr();
}

// --- Embedding, Masking, recurrent layers and wrappers ---

LayerPtr embedding(const Config& c) {
  const Config* input_dim = cfg::find(c, {"input_dim"});
  const Config* output_dim = cfg::find(c, {"output_dim"});
  if (!input_dim || !output_dim) throw ValueError("Embedding '" + cfg::name(c) + "' needs 'input_dim' and 'output_dim'");
  EmbeddingOptions o;
  o.embeddings_initializer = initializer(c, {"embeddings_initializer", "init"}, "uniform");  // init: Keras 1
  o.embeddings_regularizer = regularizer(c, {"embeddings_regularizer", "W_regularizer"});
  o.activity_regularizer = regularizer(c, {"activity_regularizer"});
  o.embeddings_constraint = constraint(c, {"embeddings_constraint", "W_constraint"});
  if (const Config* v = cfg::find(c, {"mask_zero"})) o.mask_zero = v->get<bool>();
  if (const Config* v = cfg::find(c, {"input_length"}); v && v->is_number_integer()) o.input_length = v->get<std::int64_t>();
  if (const Config* v = cfg::find(c, {"sparse"}); v && v->get<bool>())
    throw NotImplementedError("Embedding '" + cfg::name(c) + "': sparse outputs are not supported");
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return Embedding(input_dim->get<std::int64_t>(), output_dim->get<std::int64_t>(), std::move(o)).ptr();
}

bool flag(const Config& c, std::initializer_list<const char*> keys, bool fallback) {
  const Config* v = cfg::find(c, keys);
  return v ? v->get<bool>() : fallback;
}

// The arguments of SimpleRNN / LSTM / GRU and their cells, in Keras 1, 2 and 3 spellings
// (Keras 1: output_dim, init, inner_init, inner_activation, W/U/b_regularizer, dropout_W/U).
RecurrentOptions recurrent_options(const Config& c, const char* kind, std::int64_t& units) {
  const Config* u = cfg::find(c, {"units", "output_dim"});
  if (!u) throw ValueError(std::string(kind) + " '" + cfg::name(c) + "' needs 'units'");
  units = u->get<std::int64_t>();
  if (const Config* v = cfg::find(c, {"time_major"}); v && v->get<bool>())
    throw NotImplementedError(std::string(kind) + " '" + cfg::name(c) + "': time_major inputs are not supported");
  RecurrentOptions o;
  o.activation = activation_name(c);
  if (cfg::find(c, {"activation"}) == nullptr) o.activation = "tanh";
  if (const Config* v = cfg::find(c, {"recurrent_activation", "inner_activation"}))
    o.recurrent_activation = v->is_string() ? v->get<std::string>() : activation_name(Config{{"activation", *v}});
  // Keras 1/2 (and tf.keras 2)'s hard_sigmoid is clip(0.2 x + 0.5, 0, 1), Keras 3's (the
  // registry's) relu6(x + 3) / 6. Keras 3 writes "seed" in every recurrent config; Keras 1/2 never do.
  if (!c.contains("seed")) {
    const activations::Activation keras2_hard_sigmoid{
        "hard_sigmoid", [](const Tensor& x) { return clip(x * 0.2 + 0.5, 0.0, 1.0); }};
    if (o.activation.name == "hard_sigmoid") o.activation = keras2_hard_sigmoid;
    if (o.recurrent_activation.name == "hard_sigmoid") o.recurrent_activation = keras2_hard_sigmoid;
  }
  o.use_bias = flag(c, {"use_bias", "bias"}, true);
  o.kernel_initializer = initializer(c, {"kernel_initializer", "init"}, "glorot_uniform");
  o.recurrent_initializer = initializer(c, {"recurrent_initializer", "inner_init"}, "orthogonal");
  o.bias_initializer = initializer(c, {"bias_initializer"}, "zeros");
  if (const Config* v = cfg::find(c, {"unit_forget_bias"})) o.unit_forget_bias = v->get<bool>();
  else if (const Config* k1 = cfg::find(c, {"forget_bias_init"})) o.unit_forget_bias = k1->is_string() && k1->get<std::string>() == "one";
  // Keras 1 and Keras 2 before 2.1.4 have no reset_after: their GRU is the original formulation.
  o.reset_after = flag(c, {"reset_after"}, false);
  o.kernel_regularizer = regularizer(c, {"kernel_regularizer", "W_regularizer"});
  o.recurrent_regularizer = regularizer(c, {"recurrent_regularizer", "U_regularizer"});
  o.bias_regularizer = regularizer(c, {"bias_regularizer", "b_regularizer"});
  o.activity_regularizer = regularizer(c, {"activity_regularizer"});
  o.kernel_constraint = constraint(c, {"kernel_constraint", "W_constraint"});
  o.recurrent_constraint = constraint(c, {"recurrent_constraint", "U_constraint"});
  o.bias_constraint = constraint(c, {"bias_constraint", "b_constraint"});
  o.dropout = number(c, {"dropout", "dropout_W"}, 0.0);
  o.recurrent_dropout = number(c, {"recurrent_dropout", "dropout_U"}, 0.0);
  o.seed = seed_of(c);
  o.return_sequences = flag(c, {"return_sequences"}, false);
  o.return_state = flag(c, {"return_state"}, false);
  o.go_backwards = flag(c, {"go_backwards"}, false);
  o.stateful = flag(c, {"stateful"}, false);
  o.unroll = flag(c, {"unroll"}, false);
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return o;
}

template <class Make>
LayerFactory recurrent(const char* kind, Make make) {
  return [kind, make](const Config& c) -> LayerPtr {
    std::int64_t units = 0;
    auto o = recurrent_options(c, kind, units);
    return make(units, std::move(o)).ptr();
  };
}

LayerPtr generic_rnn(const Config& c) {
  const Config* cell = cfg::find(c, {"cell"});
  if (!cell) throw ValueError("RNN '" + cfg::name(c) + "' needs 'cell'");
  if (cell->is_array() || (cell->is_object() && cell->value("class_name", "") == "StackedRNNCells"))
    throw NotImplementedError("RNN '" + cfg::name(c) + "': stacked cells (a list of cells) are not supported");
  auto made = std::dynamic_pointer_cast<RNNCell>(layer_from_config(*cell));
  if (!made) throw ValueError("RNN '" + cfg::name(c) + "': the cell " + cell->dump().substr(0, 120) + " is not an RNN cell");
  RNNOptions o;
  o.return_sequences = flag(c, {"return_sequences"}, false);
  o.return_state = flag(c, {"return_state"}, false);
  o.go_backwards = flag(c, {"go_backwards"}, false);
  o.stateful = flag(c, {"stateful"}, false);
  o.unroll = flag(c, {"unroll"}, false);
  o.zero_output_for_mask = flag(c, {"zero_output_for_mask"}, false);
  o.activity_regularizer = regularizer(c, {"activity_regularizer"});
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return RNN(made, std::move(o)).ptr();
}

LayerPtr bidirectional(const Config& c) {
  const Config* inner = cfg::find(c, {"layer"});
  if (!inner) throw ValueError("Bidirectional '" + cfg::name(c) + "' needs 'layer'");
  auto layer = std::dynamic_pointer_cast<RNNLayer>(layer_from_config(*inner));
  if (!layer) throw ValueError("Bidirectional '" + cfg::name(c) + "': the wrapped layer is not a recurrent layer");
  BidirectionalOptions o;
  const Config* mode = cfg::find(c, {"merge_mode"});
  o.merge_mode = mode ? mode->get<std::string>() : std::string();  // null: None
  if (!c.contains("merge_mode")) o.merge_mode = "concat";
  if (const Config* b = cfg::find(c, {"backward_layer"})) {
    o.backward_layer = std::dynamic_pointer_cast<RNNLayer>(layer_from_config(*b));
    if (!o.backward_layer) throw ValueError("Bidirectional '" + cfg::name(c) + "': backward_layer is not a recurrent layer");
  }
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return Bidirectional(layer, std::move(o)).ptr();
}

// --- convolution variants, 3-D pooling, reshaping, normalization and regularization (issue 6) ---

template <class Options>
void read_conv_common(const Config& c, Options& o) {
  if (const Config* v = cfg::find(c, {"strides"})) o.strides = ints(*v);
  if (const Config* v = cfg::find(c, {"dilation_rate"})) o.dilation_rate = ints(*v);
  o.padding = text(c, "padding", "valid");
  o.data_format = text(c, "data_format", "channels_last");
  o.activation = activation_name(c);
  if (const Config* v = cfg::find(c, {"use_bias"})) o.use_bias = v->get<bool>();
  o.bias_initializer = initializer(c, {"bias_initializer"}, "zeros");
  o.bias_regularizer = regularizer(c, {"bias_regularizer"});
  o.activity_regularizer = regularizer(c, {"activity_regularizer"});
  o.bias_constraint = constraint(c, {"bias_constraint"});
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
}

LayerPtr conv_transpose(const Config& c, int rank) {
  const Config* filters = cfg::find(c, {"filters"});
  const Config* kernel = cfg::find(c, {"kernel_size"});
  if (!filters || !kernel)
    throw ValueError("Conv" + std::to_string(rank) + "DTranspose '" + cfg::name(c) + "' needs 'filters' and 'kernel_size'");
  ConvTransposeOptions o;
  read_conv_common(c, o);
  if (const Config* v = cfg::find(c, {"output_padding"})) o.output_padding = ints(*v);
  o.kernel_initializer = initializer(c, {"kernel_initializer"}, "glorot_uniform");
  o.kernel_regularizer = regularizer(c, {"kernel_regularizer"});
  o.kernel_constraint = constraint(c, {"kernel_constraint"});
  auto layer = rank == 1 ? Conv1DTranspose(filters->get<std::int64_t>(), ints(*kernel), std::move(o))
                         : Conv2DTranspose(filters->get<std::int64_t>(), ints(*kernel), std::move(o));
  return layer.ptr();
}

LayerPtr depthwise_conv(const Config& c) {
  const Config* kernel = cfg::find(c, {"kernel_size"});
  if (!kernel) throw ValueError("DepthwiseConv2D '" + cfg::name(c) + "' needs 'kernel_size'");
  DepthwiseConvOptions o;
  read_conv_common(c, o);
  if (const Config* v = cfg::find(c, {"depth_multiplier"})) o.depth_multiplier = v->get<std::int64_t>();
  o.depthwise_initializer = initializer(c, {"depthwise_initializer"}, "glorot_uniform");
  o.depthwise_regularizer = regularizer(c, {"depthwise_regularizer"});
  o.depthwise_constraint = constraint(c, {"depthwise_constraint"});
  return DepthwiseConv2D(ints(*kernel), std::move(o)).ptr();
}

LayerPtr separable_conv(const Config& c) {
  const Config* filters = cfg::find(c, {"filters"});
  const Config* kernel = cfg::find(c, {"kernel_size"});
  if (!filters || !kernel) throw ValueError("SeparableConv2D '" + cfg::name(c) + "' needs 'filters' and 'kernel_size'");
  SeparableConvOptions o;
  read_conv_common(c, o);
  if (const Config* v = cfg::find(c, {"depth_multiplier"})) o.depth_multiplier = v->get<std::int64_t>();
  o.depthwise_initializer = initializer(c, {"depthwise_initializer"}, "glorot_uniform");
  o.pointwise_initializer = initializer(c, {"pointwise_initializer"}, "glorot_uniform");
  o.depthwise_regularizer = regularizer(c, {"depthwise_regularizer"});
  o.pointwise_regularizer = regularizer(c, {"pointwise_regularizer"});
  o.depthwise_constraint = constraint(c, {"depthwise_constraint"});
  o.pointwise_constraint = constraint(c, {"pointwise_constraint"});
  return SeparableConv2D(filters->get<std::int64_t>(), ints(*kernel), std::move(o)).ptr();
}

// ZeroPadding / Cropping: `padding` / `cropping` as an int, ints or pairs (the default when absent).
template <class Options, class Handle>
LayerPtr sides_layer(const Config& c, const char* key, const Sides& fallback, Handle (*make)(const Sides&, Options)) {
  Options o;
  o.data_format = text(c, "data_format", "channels_last");
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  const Config* v = cfg::find(c, {key});
  return make(v ? Sides::from_config(*v) : fallback, std::move(o)).ptr();
}

LayerPtr up_sampling(const Config& c, LayerHandle<UpSamplingLayer> (*make)(const IntTuple&, UpSamplingOptions)) {
  UpSamplingOptions o;
  o.data_format = text(c, "data_format", "channels_last");
  o.interpolation = text(c, "interpolation", "nearest");
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  const Config* size = cfg::find(c, {"size", "length"});  // length: Keras 1's UpSampling1D
  return make(size ? IntTuple(ints(*size)) : IntTuple(2), std::move(o)).ptr();
}

LayerPtr group_normalization(const Config& c) {
  GroupNormalizationOptions o;
  if (const Config* v = cfg::find(c, {"groups"})) o.groups = v->get<std::int64_t>();
  if (const Config* v = cfg::find(c, {"axis"})) {
    const auto axes = ints(*v);
    if (axes.size() != 1)
      throw NotImplementedError("GroupNormalization '" + cfg::name(c) + "': only one axis is supported, got " + v->dump());
    o.axis = static_cast<int>(axes[0]);
  }
  return GroupNormalization(normalization_options(c, std::move(o))).ptr();
}

LayerPtr spatial_dropout(const Config& c, LayerHandle<SpatialDropoutLayer> (*make)(double, SpatialDropoutOptions)) {
  SpatialDropoutOptions o;
  o.data_format = text(c, "data_format", "channels_last");
  o.seed = seed_of(c);
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return make(number(c, {"rate", "p"}, 0.5), std::move(o)).ptr();
}

LayerPtr attention(const Config& c, bool additive) {
  AttentionOptions o;
  if (const Config* v = cfg::find(c, {"use_scale"})) o.use_scale = v->get<bool>();
  o.score_mode = text(c, "score_mode", "dot");
  o.dropout = number(c, {"dropout"}, 0.0);
  o.seed = seed_of(c);
  if (const Config* v = cfg::find(c, {"causal"}); v && v->get<bool>())
    throw NotImplementedError(std::string(additive ? "AdditiveAttention" : "Attention") + " '" + cfg::name(c) +
                              "': the Keras 2 'causal' argument is not supported; pass use_causal_mask to attend()");
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return make_layer<AttentionLayer>(additive, std::move(o)).ptr();
}

LayerPtr multi_head_attention(const Config& c) {
  const Config* heads = cfg::find(c, {"num_heads"});
  const Config* key_dim = cfg::find(c, {"key_dim"});
  if (!heads || !key_dim) throw ValueError("MultiHeadAttention '" + cfg::name(c) + "' needs 'num_heads' and 'key_dim'");
  MultiHeadAttentionOptions o;
  if (const Config* v = cfg::find(c, {"value_dim"})) o.value_dim = v->get<std::int64_t>();
  o.dropout = number(c, {"dropout"}, 0.0);
  if (const Config* v = cfg::find(c, {"use_bias"})) o.use_bias = v->get<bool>();
  if (const Config* v = cfg::find(c, {"output_shape"})) {
    const auto dims = ints(*v);
    if (dims.size() != 1)
      throw NotImplementedError("MultiHeadAttention '" + cfg::name(c) + "': only a 1-D output_shape is supported, got " +
                                v->dump());
    o.output_shape = dims[0];
  }
  if (const Config* v = cfg::find(c, {"attention_axes"}); v && ints(*v) != std::vector<std::int64_t>{1})
    throw NotImplementedError("MultiHeadAttention '" + cfg::name(c) + "': only attention over axis 1 is supported, got "
                              "attention_axes " + v->dump());
  o.kernel_initializer = initializer(c, {"kernel_initializer"}, "glorot_uniform");
  o.bias_initializer = initializer(c, {"bias_initializer"}, "zeros");
  o.kernel_regularizer = regularizer(c, {"kernel_regularizer"});
  o.bias_regularizer = regularizer(c, {"bias_regularizer"});
  o.kernel_constraint = constraint(c, {"kernel_constraint"});
  o.bias_constraint = constraint(c, {"bias_constraint"});
  o.seed = seed_of(c);
  o.name = cfg::name(c);
  o.dtype = cfg::dtype(c);
  return MultiHeadAttention(heads->get<std::int64_t>(), key_dim->get<std::int64_t>(), std::move(o)).ptr();
}

void register_issue6_layers(const std::function<void(const char*, LayerFactory)>& add) {
  add("Conv3D", [](const Config& c) { return conv(c, 3); });
  add("Conv1DTranspose", [](const Config& c) { return conv_transpose(c, 1); });
  add("Conv2DTranspose", [](const Config& c) { return conv_transpose(c, 2); });
  add("DepthwiseConv2D", depthwise_conv);
  add("SeparableConv2D", separable_conv);
  add("MaxPooling3D", [](const Config& c) { return pooling(c, MaxPooling3D); });
  add("AveragePooling3D", [](const Config& c) { return pooling(c, AveragePooling3D); });
  add("GlobalMaxPooling3D", [](const Config& c) { return global_pooling(c, GlobalMaxPooling3D); });
  add("GlobalAveragePooling3D", [](const Config& c) { return global_pooling(c, GlobalAveragePooling3D); });
  add("ZeroPadding1D", [](const Config& c) { return sides_layer<ZeroPaddingOptions>(c, "padding", 1, ZeroPadding1D); });
  add("ZeroPadding2D", [](const Config& c) { return sides_layer<ZeroPaddingOptions>(c, "padding", 1, ZeroPadding2D); });
  add("ZeroPadding3D", [](const Config& c) { return sides_layer<ZeroPaddingOptions>(c, "padding", 1, ZeroPadding3D); });
  add("Cropping1D", [](const Config& c) { return sides_layer<CroppingOptions>(c, "cropping", 1, Cropping1D); });
  add("Cropping2D", [](const Config& c) { return sides_layer<CroppingOptions>(c, "cropping", 0, Cropping2D); });
  add("Cropping3D", [](const Config& c) { return sides_layer<CroppingOptions>(c, "cropping", 1, Cropping3D); });
  add("UpSampling1D", [](const Config& c) { return up_sampling(c, UpSampling1D); });
  add("UpSampling2D", [](const Config& c) { return up_sampling(c, UpSampling2D); });
  add("UpSampling3D", [](const Config& c) { return up_sampling(c, UpSampling3D); });
  add("GroupNormalization", group_normalization);
  add("UnitNormalization", [](const Config& c) -> LayerPtr {
    UnitNormalizationOptions o;
    if (const Config* v = cfg::find(c, {"axis"})) {
      o.axis.clear();
      for (auto a : ints(*v)) o.axis.push_back(static_cast<int>(a));
    }
    o.name = cfg::name(c);
    o.dtype = cfg::dtype(c);
    return UnitNormalization(std::move(o)).ptr();
  });
  add("SpatialDropout1D", [](const Config& c) { return spatial_dropout(c, SpatialDropout1D); });
  add("SpatialDropout2D", [](const Config& c) { return spatial_dropout(c, SpatialDropout2D); });
  add("SpatialDropout3D", [](const Config& c) { return spatial_dropout(c, SpatialDropout3D); });
  add("Attention", [](const Config& c) { return attention(c, false); });
  add("AdditiveAttention", [](const Config& c) { return attention(c, true); });
  add("MultiHeadAttention", multi_head_attention);
  add("AlphaDropout", [](const Config& c) -> LayerPtr {
    AlphaDropoutOptions o;
    o.seed = seed_of(c);
    if (const Config* ns = cfg::find(c, {"noise_shape"}))
      for (const auto& d : *ns) o.noise_shape.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
    o.name = cfg::name(c);
    o.dtype = cfg::dtype(c);
    return AlphaDropout(number(c, {"rate", "p"}, 0.5), std::move(o)).ptr();
  });
}

void register_builtins(LayerRegistry& r) {
  auto add = [&](const char* name, LayerFactory f) {
    r.factories[name] = [f](const Config& c) { return cfg::finish(f(c), c); };
  };
  add("Dense", dense);
  add("InputLayer", input_layer);
  add("Activation", [](const Config& c) -> LayerPtr {
    return make_layer<ActivationLayer>(activation_name(c), ActivationOptions{cfg::name(c)}).ptr();
  });
  add("Dropout", [](const Config& c) -> LayerPtr {
    DropoutOptions o;
    o.name = cfg::name(c);
    o.seed = seed_of(c);
    if (const Config* ns = cfg::find(c, {"noise_shape"}))
      for (const auto& d : *ns) o.noise_shape.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
    return make_layer<DropoutLayer>(number(c, {"rate", "p"}, 0.5), std::move(o)).ptr();
  });
  add("Flatten", [](const Config& c) -> LayerPtr {
    if (const Config* f = cfg::find(c, {"data_format"}); f && f->get<std::string>() != "channels_last")
      throw NotImplementedError("Flatten '" + cfg::name(c) + "': data_format '" + f->get<std::string>() +
                                "' is not supported (only channels_last)");
    return make_layer<FlattenLayer>(FlattenOptions{cfg::name(c)}).ptr();
  });
  add("Reshape", [](const Config& c) -> LayerPtr {
    const Config* t = cfg::find(c, {"target_shape"});
    if (!t) throw ValueError("Reshape needs 'target_shape'");
    return make_layer<ReshapeLayer>(t->get<std::vector<std::int64_t>>(), ReshapeOptions{cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("Permute", [](const Config& c) -> LayerPtr {
    const Config* d = cfg::find(c, {"dims"});
    if (!d) throw ValueError("Permute needs 'dims'");
    return make_layer<PermuteLayer>(d->get<std::vector<int>>(), PermuteOptions{cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("RepeatVector", [](const Config& c) -> LayerPtr {
    const Config* n = cfg::find(c, {"n"});
    if (!n) throw ValueError("RepeatVector needs 'n'");
    return make_layer<RepeatVectorLayer>(n->get<std::int64_t>(), RepeatVectorOptions{cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("ActivityRegularization", [](const Config& c) -> LayerPtr {
    return make_layer<ActivityRegularizationLayer>(ActivityRegularizationOptions{
                                                       number(c, {"l1"}, 0.0), number(c, {"l2"}, 0.0), cfg::name(c), cfg::dtype(c)})
        .ptr();
  });
  add("GaussianNoise", [](const Config& c) -> LayerPtr {
    return make_layer<GaussianNoiseLayer>(number(c, {"stddev", "sigma"}, 0.0),
                                          GaussianNoiseOptions{seed_of(c), cfg::name(c), cfg::dtype(c)})
        .ptr();
  });
  add("GaussianDropout", [](const Config& c) -> LayerPtr {
    return make_layer<GaussianDropoutLayer>(number(c, {"rate", "p"}, 0.0),
                                            GaussianDropoutOptions{seed_of(c), cfg::name(c), cfg::dtype(c)})
        .ptr();
  });
  add("ReLU", [](const Config& c) -> LayerPtr {
    ReLUOptions o;
    if (const Config* m = cfg::find(c, {"max_value"})) o.max_value = m->get<double>();
    o.negative_slope = number(c, {"negative_slope"}, 0.0);
    o.threshold = number(c, {"threshold"}, 0.0);
    o.name = cfg::name(c);
    o.dtype = cfg::dtype(c);
    return make_layer<ReLULayer>(std::move(o)).ptr();
  });
  add("LeakyReLU", [](const Config& c) -> LayerPtr {
    // Keras 3: negative_slope; Keras 2: alpha.
    return make_layer<LeakyReLULayer>(
               LeakyReLUOptions{number(c, {"negative_slope", "alpha"}, 0.3), cfg::name(c), cfg::dtype(c)})
        .ptr();
  });
  add("ELU", [](const Config& c) -> LayerPtr {
    return make_layer<ELULayer>(ELUOptions{number(c, {"alpha"}, 1.0), cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("ThresholdedReLU", [](const Config& c) -> LayerPtr {
    const Config* theta = cfg::find(c, {"theta"});
    if (theta && theta->is_null())
      throw ValueError("ThresholdedReLU '" + cfg::name(c) + "': theta cannot be None, requires a float");
    return make_layer<ThresholdedReLULayer>(
               ThresholdedReLUOptions{theta ? theta->get<double>() : 1.0, cfg::name(c), cfg::dtype(c)})
        .ptr();
  });
  add("Softmax", [](const Config& c) -> LayerPtr {
    const Config* axis = cfg::find(c, {"axis"});
    if (axis && axis->is_array()) {
      if (axis->size() != 1) throw NotImplementedError("Softmax '" + cfg::name(c) + "': several axes are not supported");
      axis = &(*axis)[0];
    }
    return make_layer<SoftmaxLayer>(SoftmaxOptions{axis ? axis->get<int>() : -1, cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("PReLU", [](const Config& c) -> LayerPtr {
    PReLUOptions o;
    o.alpha_initializer = initializer(c, {"alpha_initializer"}, "zeros");
    o.alpha_regularizer = regularizer(c, {"alpha_regularizer"});
    o.alpha_constraint = constraint(c, {"alpha_constraint"});
    if (const Config* s = cfg::find(c, {"shared_axes"})) {
      if (s->is_array())
        o.shared_axes = s->get<std::vector<int>>();
      else
        o.shared_axes = {s->get<int>()};
    }
    o.name = cfg::name(c);
    o.dtype = cfg::dtype(c);
    return make_layer<PReLULayer>(std::move(o)).ptr();
  });
  // Convolution, pooling, normalization.
  add("Conv1D", [](const Config& c) { return conv(c, 1); });
  add("Conv2D", [](const Config& c) { return conv(c, 2); });
  add("MaxPooling1D", [](const Config& c) { return pooling(c, MaxPooling1D); });
  add("MaxPooling2D", [](const Config& c) { return pooling(c, MaxPooling2D); });
  add("AveragePooling1D", [](const Config& c) { return pooling(c, AveragePooling1D); });
  add("AveragePooling2D", [](const Config& c) { return pooling(c, AveragePooling2D); });
  add("GlobalMaxPooling1D", [](const Config& c) { return global_pooling(c, GlobalMaxPooling1D); });
  add("GlobalMaxPooling2D", [](const Config& c) { return global_pooling(c, GlobalMaxPooling2D); });
  add("GlobalAveragePooling1D", [](const Config& c) { return global_pooling(c, GlobalAveragePooling1D); });
  add("GlobalAveragePooling2D", [](const Config& c) { return global_pooling(c, GlobalAveragePooling2D); });
  add("BatchNormalization", batch_normalization);
  add("LayerNormalization", layer_normalization);
  register_issue6_layers(add);
  // Merge layers.
  const std::pair<const char*, MergeMode> merges[] = {{"Add", MergeMode::add},         {"Subtract", MergeMode::subtract},
                                                      {"Multiply", MergeMode::multiply}, {"Average", MergeMode::average},
                                                      {"Maximum", MergeMode::maximum},   {"Minimum", MergeMode::minimum}};
  for (const auto& merge : merges)  // (clang 14 cannot capture a structured binding)
    add(merge.first, [mode = merge.second](const Config& c) -> LayerPtr {
      return make_layer<MergeLayer>(mode, MergeOptions{cfg::name(c), cfg::dtype(c)}).ptr();
    });
  add("Concatenate", [](const Config& c) -> LayerPtr {
    const Config* axis = cfg::find(c, {"axis"});
    return make_layer<ConcatenateLayer>(ConcatenateOptions{axis ? axis->get<int>() : -1, cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("Dot", [](const Config& c) -> LayerPtr {
    const Config* axes = cfg::find(c, {"axes"});
    if (!axes) throw ValueError("Dot '" + cfg::name(c) + "' needs 'axes'");
    const std::array<int, 2> both = axes->is_array() ? std::array<int, 2>{(*axes)[0].get<int>(), (*axes)[1].get<int>()}
                                                     : std::array<int, 2>{axes->get<int>(), axes->get<int>()};
    const Config* normalize = cfg::find(c, {"normalize"});
    return make_layer<DotLayer>(both, DotOptions{normalize && normalize->get<bool>(), cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("Embedding", embedding);
  add("Masking", [](const Config& c) -> LayerPtr {
    return Masking(number(c, {"mask_value"}, 0.0), MaskingOptions{cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("SimpleRNN", recurrent("SimpleRNN", [](std::int64_t u, RecurrentOptions o) { return SimpleRNN(u, std::move(o)); }));
  add("LSTM", recurrent("LSTM", [](std::int64_t u, RecurrentOptions o) { return LSTM(u, std::move(o)); }));
  add("GRU", recurrent("GRU", [](std::int64_t u, RecurrentOptions o) { return GRU(u, std::move(o)); }));
  add("SimpleRNNCell", recurrent("SimpleRNNCell", [](std::int64_t u, RecurrentOptions o) { return SimpleRNNCell(u, std::move(o)); }));
  add("LSTMCell", recurrent("LSTMCell", [](std::int64_t u, RecurrentOptions o) { return LSTMCell(u, std::move(o)); }));
  add("GRUCell", recurrent("GRUCell", [](std::int64_t u, RecurrentOptions o) { return GRUCell(u, std::move(o)); }));
  add("RNN", generic_rnn);
  add("Bidirectional", bidirectional);
  add("TimeDistributed", [](const Config& c) -> LayerPtr {
    const Config* inner = cfg::find(c, {"layer"});
    if (!inner) throw ValueError("TimeDistributed '" + cfg::name(c) + "' needs 'layer'");
    return TimeDistributed(layer_from_config(*inner), TimeDistributedOptions{cfg::name(c), cfg::dtype(c)}).ptr();
  });
  add("Lambda", [](const Config& c) -> LayerPtr {
    throw ValueError("Layer '" + cfg::name(c) +
                     "' (Lambda) holds Python code, which Strata cannot load. Rewrite it as a Layer subclass and "
                     "register it with STRATA_REGISTER_LAYER, then rebuild the model.");
  });
}

}  // namespace

}  // namespace strata
