#pragma once
// Internal to losses/: how each family registers its classes, and reading options from a Config.
// .cpp files only (includes <nlohmann/json.hpp>).
#include <nlohmann/json.hpp>

#include <string>

#include "strata/framework/config_reader.hpp"
#include "strata/losses/loss.hpp"

namespace strata::losses::detail {

void register_regression_losses(Registry<Loss>& registry);
void register_probabilistic_losses(Registry<Loss>& registry);
void register_hinge_losses(Registry<Loss>& registry);

// Options are read with the shared reader (framework/config_reader.hpp), which names the loss
// and the key on a wrong type; unknown keys are ignored.
inline std::string config_name(const Config& c, const std::string& fallback) {
  return ConfigReader::for_object(c, "Loss").string("name", fallback);
}
inline Reduction config_reduction(const Config& c) {
  const ConfigReader in = ConfigReader::for_object(c, "Loss");
  const Config* v = in.find_raw("reduction");
  if (!v) return Reduction::sum_over_batch_size;
  if (v->is_null()) return Reduction::none;
  return reduction_from_name(in.as_string("reduction", *v));
}
template <class T>
T config_value(const Config& c, const char* key, T fallback) {
  return ConfigReader::for_object(c, "Loss").value(key, fallback);
}
// y_true in y_pred's dtype, shapes checked: what every elementwise loss does first.
inline Tensor prepare_labels(const char* what, const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = labels_like(what, y_true, y_pred);
  check_same_shape(what, t, y_pred);
  return t;
}
// The name an option struct gives, or the Keras default when empty.
inline std::string name_or(const std::string& name, const char* keras_default) {
  return name.empty() ? std::string(keras_default) : name;
}

}  // namespace strata::losses::detail
