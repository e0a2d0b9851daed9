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

std::vector<std::int64_t> LayerConfigReader::noise_shape() const {
  std::vector<std::int64_t> out;
  const Config* v = find("noise_shape");
  if (!v) return out;
  if (!v->is_array()) type_error("noise_shape", "a list of sizes");
  for (const auto& d : *v) out.push_back(d.is_null() ? -1 : as_integer("noise_shape", d));
  return out;
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
