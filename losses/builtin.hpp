#pragma once
// Internal to losses/: how each family registers its classes, and reading options from a Config.
// .cpp files only (includes <nlohmann/json.hpp>).
#include <nlohmann/json.hpp>

#include <string>

#include "strata/losses/loss.hpp"

namespace strata::losses::detail {

void register_regression_losses(Registry<Loss>& registry);
void register_probabilistic_losses(Registry<Loss>& registry);
void register_hinge_losses(Registry<Loss>& registry);

inline std::string config_name(const Config& c, const std::string& fallback) {
  if (c.is_object() && c.contains("name") && c["name"].is_string()) return c["name"].get<std::string>();
  return fallback;
}
inline Reduction config_reduction(const Config& c) {
  if (!c.is_object() || !c.contains("reduction")) return Reduction::sum_over_batch_size;
  if (c["reduction"].is_null()) return Reduction::none;
  return reduction_from_name(c["reduction"].get<std::string>());
}
template <class T>
T config_value(const Config& c, const char* key, T fallback) {
  if (c.is_object() && c.contains(key) && !c[key].is_null()) return c[key].get<T>();
  return fallback;
}
// The name an option struct gives, or the Keras default when empty.
inline std::string name_or(const std::string& name, const char* keras_default) {
  return name.empty() ? std::string(keras_default) : name;
}

}  // namespace strata::losses::detail
