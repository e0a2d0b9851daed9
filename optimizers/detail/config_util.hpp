#pragma once
// Internal to optimizers/*.cpp (includes <nlohmann/json.hpp>): reading an optimizer's or a
// schedule's Keras config with defaults, type checks and Keras's "Argument(s) not recognized".
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/framework/config_reader.hpp"
#include "strata/framework/errors.hpp"
#include "strata/optimizers/optimizer.hpp"

namespace strata::optimizers::detail {

// A number as Keras would write it: integral values as integers (decay_steps=1000, not 1000.0).
inline Config number_json(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.0e15)
    return Config(static_cast<std::int64_t>(value));
  return Config(value);
}

inline Config optional_json(const std::optional<double>& value) {
  return value ? Config(*value) : Config(nullptr);
}

// The shared config reader (framework/config_reader.hpp) plus what every optimizer reads. Unlike a
// layer's, an optimizer's config may hold no key it does not know: finish() rejects them, as
// Keras's Optimizer constructor does ("Argument(s) not recognized").
class ConfigReader : public strata::ConfigReader {
 public:
  using strata::ConfigReader::ConfigReader;

  LearningRate learning_rate(const LearningRate& fallback) const;

  // Reads the arguments every optimizer takes into `options` (its fields keep their defaults
  // where the config has no value), and checks the Keras ones Strata does not implement.
  template <class Options>
  void common(Options& options) const {
    options.learning_rate = learning_rate(options.learning_rate);
    options.weight_decay = optional_number("weight_decay", options.weight_decay);
    options.clipnorm = optional_number("clipnorm", options.clipnorm);
    options.clipvalue = optional_number("clipvalue", options.clipvalue);
    options.global_clipnorm = optional_number("global_clipnorm", options.global_clipnorm);
    options.name = string("name", options.name);
    unsupported_keras_arguments();
  }

  // Throws ValueError naming the keys nobody read.
  void finish() const { reject_unread(); }

 private:
  void unsupported_keras_arguments() const;
};

// One option of an optimizer or a schedule, as its key and how to read and write it. A class's
// from_config reads its options from one list of these (a field table) and its get_config writes
// the same list, so the two cannot drift apart. Absent keys keep the default of the options struct.
template <class Options>
struct OptionField {
  const char* key;
  std::function<void(const ConfigReader&, Options&)> read;
  std::function<Config(const Options&)> write;
};

template <class Options>
using OptionFields = std::vector<OptionField<Options>>;

// A member read by its type (double, bool, std::string, std::optional<double> with null as None)
// and written as it is.
template <class Options, class T>
OptionField<Options> field(const char* key, T Options::*member) {
  if constexpr (std::is_same_v<T, std::optional<double>>)
    return {key, [key, member](const ConfigReader& in, Options& o) { o.*member = in.optional_number(key, o.*member); },
            [member](const Options& o) { return optional_json(o.*member); }};
  else
    return {key, [key, member](const ConfigReader& in, Options& o) { o.*member = in.value(key, o.*member); },
            [member](const Options& o) { return Config(o.*member); }};
}

// A count held as a double (decay_steps): written as an integer when integral, as Keras does.
template <class Options>
OptionField<Options> count_field(const char* key, double Options::*member) {
  return {key, [key, member](const ConfigReader& in, Options& o) { o.*member = in.number(key, o.*member); },
          [member](const Options& o) { return number_json(o.*member); }};
}

template <class Options>
void read_fields(const OptionFields<Options>& fields, const ConfigReader& in, Options& options) {
  for (const auto& f : fields) f.read(in, options);
}

template <class Options>
void write_fields(const OptionFields<Options>& fields, const Options& options, Config& config) {
  for (const auto& f : fields) config[f.key] = f.write(options);
}

// A built-in optimizer's get_config: the common arguments (`config`), then its own fields.
template <class Options>
Config with_fields(Config config, const OptionFields<Options>& fields, const Options& options) {
  write_fields(fields, options, config);
  return config;
}

// A built-in optimizer's from_config: the common arguments, its own fields, no unknown key.
template <class Class, class Options>
std::shared_ptr<Optimizer> from_config_fields(const Config& config, const char* class_name,
                                              const OptionFields<Options>& fields) {
  ConfigReader in(config, class_name);
  Options options;
  in.common(options);
  read_fields(fields, in, options);
  in.finish();
  return std::make_shared<Class>(std::move(options));
}

// beta_1, beta_2 and epsilon: the options of Adam's family (Adamax and Nadam have just these).
template <class Options>
const OptionFields<Options>& beta_epsilon_fields() {
  static const OptionFields<Options> fields = {field("beta_1", &Options::beta_1), field("beta_2", &Options::beta_2),
                                               field("epsilon", &Options::epsilon)};
  return fields;
}

// The options Adam and AdamW share (AdamW is Adam with a required weight_decay): Adam's family's,
// and amsgrad.
template <class Options>
const OptionFields<Options>& adam_fields() {
  static const OptionFields<Options> fields = [] {
    OptionFields<Options> f = beta_epsilon_fields<Options>();
    f.push_back(field("amsgrad", &Options::amsgrad));
    return f;
  }();
  return fields;
}

}  // namespace strata::optimizers::detail
