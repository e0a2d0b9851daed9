// The layer config reader of the built-in factories, and registry.hpp's layers::config helpers.
#include "strata/layers/builtin.hpp"

namespace strata::layers::detail {

std::string LayerConfigReader::name() const {
  const Config* v = find("name");
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

DType LayerConfigReader::dtype() const {
  const Config* v = find("dtype");
  if (!v) return float32;
  if (v->is_string()) return dtype_from_name(v->get<std::string>());
  // Keras 3: {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}
  if (v->is_object() && v->contains("config") && (*v)["config"].is_object() && (*v)["config"].contains("name") &&
      (*v)["config"]["name"].is_string())
    return dtype_from_name((*v)["config"]["name"].get<std::string>());
  type_error("dtype", "a dtype name or a DTypePolicy");
}

initializers::InitializerRef LayerConfigReader::initializer(const ConfigKeys& keys, const char* fallback) const {
  const Config* v = find(keys);
  if (!v) return fallback;
  return initializers::deserialize(*v);
}

regularizers::RegularizerPtr LayerConfigReader::regularizer(const ConfigKeys& keys) const {
  const Config* v = find(keys);
  return v ? regularizers::deserialize(*v) : nullptr;
}

constraints::ConstraintPtr LayerConfigReader::constraint(const ConfigKeys& keys) const {
  const Config* v = find(keys);
  return v ? constraints::deserialize(*v) : nullptr;
}

std::string LayerConfigReader::activation(const ConfigKeys& keys, const char* fallback) const {
  const Config* v = find(keys);
  if (!v) return fallback;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object() && v->contains("config") && (*v)["config"].is_string()) return (*v)["config"].get<std::string>();
  type_error(keys.first(), "an activation name");
}

std::vector<int> LayerConfigReader::axes(const ConfigKeys& keys) const {
  std::vector<int> out;
  for (auto a : integers(keys)) out.push_back(static_cast<int>(a));
  return out;
}

void LayerConfigReader::not_implemented(const std::string& message) const {
  throw NotImplementedError(what() + ": " + message);
}

}  // namespace strata::layers::detail

namespace strata {

// The public helpers of registry.hpp, for user from_config code (on the same reader).
namespace layers::config {

const Config* find(const Config& config, std::initializer_list<const char*> keys) {
  if (!config.is_object()) return nullptr;
  return ConfigReader(config, "Layer config").find(ConfigKeys(keys));  // points into `config`
}

// (A Keras 1 Sequential config is a list: these give the defaults for anything but an object.)
std::string name(const Config& config) {
  return config.is_object() ? layers::detail::LayerConfigReader(config, "Layer").name() : std::string();
}

DType dtype(const Config& config) {
  return config.is_object() ? layers::detail::LayerConfigReader(config, "Layer").dtype() : float32;
}

bool trainable(const Config& config) {
  return !config.is_object() || ConfigReader::for_layer(config, "Layer").boolean("trainable", true);
}

std::optional<Shape> batch_input_shape(const Config& config) {
  if (!config.is_object()) return std::nullopt;
  const ConfigReader in = ConfigReader::for_layer(config, "Layer");
  auto dims_of = [&](const char* key, const Config& list, bool with_batch) {
    if (!list.is_array()) in.type_error(key, "a list of sizes");
    std::vector<std::int64_t> dims;
    if (!with_batch) dims.push_back(-1);
    for (const auto& d : list) dims.push_back(d.is_null() ? -1 : in.as_integer(key, d));
    return Shape(dims);
  };
  if (const Config* v = in.find({"batch_shape", "batch_input_shape"}))
    return dims_of(config.contains("batch_shape") && !config["batch_shape"].is_null() ? "batch_shape" : "batch_input_shape",
                   *v, true);
  if (const Config* v = in.find("input_shape")) return dims_of("input_shape", *v, false);
  if (const Config* v = in.find("input_dim"))
    if (v->is_number_integer()) return Shape{-1, v->get<std::int64_t>()};
  return std::nullopt;
}

LayerPtr finish(LayerPtr layer, const Config& config) {
  if (!trainable(config)) layer->set_trainable(false);
  return layer;
}

}  // namespace layers::config

}  // namespace strata
