#pragma once
// Internal to layers/: a layer's options as one list (a field table) that both its from_config
// factory and its get_config use, so the two cannot drift apart:
//
//   const ConfigFields<ELUOptions>& elu_fields() {
//     static const ConfigFields<ELUOptions> fields = {field("alpha", &ELUOptions::alpha)};
//     return fields;
//   }
//   get_config:   write_fields(elu_fields(), options_, config);
//   from_config:  read_fields(elu_fields(), in, options);   // absent keys keep the default
//
// Arguments outside the options struct (Dense's units), and keys written in a special way, stay
// hand-written beside the table.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/builtin.hpp"

namespace strata::layers::detail {

template <class T>
struct FieldCodec;

template <>
struct FieldCodec<double> {
  static void read(const LayerConfigReader& in, const std::string& key, double& v) { v = in.number(key, v); }
  static Config write(double v) { return Config(v); }
};
template <>
struct FieldCodec<bool> {
  static void read(const LayerConfigReader& in, const std::string& key, bool& v) { v = in.boolean(key, v); }
  static Config write(bool v) { return Config(v); }
};
template <>
struct FieldCodec<int> {
  static void read(const LayerConfigReader& in, const std::string& key, int& v) {
    v = static_cast<int>(in.integer(key, v));
  }
  static Config write(int v) { return Config(v); }
};
template <>
struct FieldCodec<std::int64_t> {
  static void read(const LayerConfigReader& in, const std::string& key, std::int64_t& v) { v = in.integer(key, v); }
  static Config write(std::int64_t v) { return Config(v); }
};
template <>
struct FieldCodec<std::string> {
  static void read(const LayerConfigReader& in, const std::string& key, std::string& v) { v = in.string(key, v); }
  static Config write(const std::string& v) { return Config(v); }
};
// None (null) is a value: "no upper clip".
template <>
struct FieldCodec<std::optional<double>> {
  static void read(const LayerConfigReader& in, const std::string& key, std::optional<double>& v) {
    v = in.optional_number(key, v);
  }
  static Config write(const std::optional<double>& v) { return v ? Config(*v) : Config(nullptr); }
};
template <>
struct FieldCodec<std::optional<std::uint64_t>> {  // a seed
  static void read(const LayerConfigReader& in, const std::string& key, std::optional<std::uint64_t>& v) {
    if (in.has(key)) v = in.seed(key);
  }
  static Config write(const std::optional<std::uint64_t>& v) { return v ? Config(*v) : Config(nullptr); }
};
// A shape (noise_shape): a list of sizes, None entries as -1; empty is None.
template <>
struct FieldCodec<std::vector<std::int64_t>> {
  static void read(const LayerConfigReader& in, const std::string& key, std::vector<std::int64_t>& v) {
    const Config* list = in.find(key);
    if (!list) return;
    if (!list->is_array()) in.type_error(key, "a list of sizes");
    v.clear();
    for (const auto& d : *list) v.push_back(d.is_null() ? -1 : in.as_integer(key, d));
  }
  static Config write(const std::vector<std::int64_t>& v) { return v.empty() ? Config(nullptr) : Config(v); }
};
template <>
struct FieldCodec<initializers::InitializerRef> {
  static void read(const LayerConfigReader& in, const std::string& key, initializers::InitializerRef& v) {
    if (in.has(key)) v = in.initializer(key, "zeros");
  }
  static Config write(const initializers::InitializerRef& v) { return initializers::serialize(*v.get()); }
};
template <>
struct FieldCodec<regularizers::RegularizerPtr> {
  static void read(const LayerConfigReader& in, const std::string& key, regularizers::RegularizerPtr& v) {
    if (in.has(key)) v = in.regularizer(key);
  }
  static Config write(const regularizers::RegularizerPtr& v) { return v ? regularizers::serialize(*v) : Config(nullptr); }
};
template <>
struct FieldCodec<constraints::ConstraintPtr> {
  static void read(const LayerConfigReader& in, const std::string& key, constraints::ConstraintPtr& v) {
    if (in.has(key)) v = in.constraint(key);
  }
  static Config write(const constraints::ConstraintPtr& v) { return v ? constraints::serialize(*v) : Config(nullptr); }
};

template <class Options>
struct ConfigField {
  std::string key;
  std::function<void(const LayerConfigReader&, const std::string&, Options&)> read;
  std::function<Config(const Options&)> write;
};

template <class Options>
using ConfigFields = std::vector<ConfigField<Options>>;

template <class Options, class T>
ConfigField<Options> field(const char* key, T Options::*member) {
  return {key,
          [member](const LayerConfigReader& in, const std::string& k, Options& o) { FieldCodec<T>::read(in, k, o.*member); },
          [member](const Options& o) { return FieldCodec<T>::write(o.*member); }};
}

template <class Options>
void read_fields(const ConfigFields<Options>& fields, const LayerConfigReader& in, Options& options) {
  for (const auto& f : fields) f.read(in, f.key, options);
}

template <class Options>
void write_fields(const ConfigFields<Options>& fields, const Options& options, Config& config) {
  for (const auto& f : fields) config[f.key] = f.write(options);
}

}  // namespace strata::layers::detail
