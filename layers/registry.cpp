#include "strata/layers/registry.hpp"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

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
  auto layer = rank == 1 ? Conv1D(filters->get<std::int64_t>(), ints(*kernel), std::move(o))
                         : Conv2D(filters->get<std::int64_t>(), ints(*kernel), std::move(o));
  return layer.ptr();
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
  add("Lambda", [](const Config& c) -> LayerPtr {
    throw ValueError("Layer '" + cfg::name(c) +
                     "' (Lambda) holds Python code, which Strata cannot load. Rewrite it as a Layer subclass and "
                     "register it with STRATA_REGISTER_LAYER, then rebuild the model.");
  });
}

}  // namespace

}  // namespace strata
