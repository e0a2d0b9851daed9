#pragma once
// Internal to optimizers/*.cpp (includes <nlohmann/json.hpp>): reading an optimizer's or a
// schedule's Keras config with defaults, type checks and Keras's "Argument(s) not recognized".
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

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

class ConfigReader {
 public:
  ConfigReader(const Config& config, std::string what);

  double number(const std::string& key, double fallback);
  std::optional<double> optional_number(const std::string& key, std::optional<double> fallback);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  std::vector<double> numbers(const std::string& key);
  LearningRate learning_rate(const LearningRate& fallback);

  // Reads the arguments every optimizer takes into `options` (its fields keep their defaults
  // where the config has no value), and checks the Keras ones Strata does not implement.
  template <class Options>
  void common(Options& options) {
    options.learning_rate = learning_rate(options.learning_rate);
    options.weight_decay = optional_number("weight_decay", options.weight_decay);
    options.clipnorm = optional_number("clipnorm", options.clipnorm);
    options.clipvalue = optional_number("clipvalue", options.clipvalue);
    options.global_clipnorm = optional_number("global_clipnorm", options.global_clipnorm);
    options.name = string("name", options.name);
    unsupported_keras_arguments();
  }

  // Throws ValueError naming the keys nobody read.
  void finish() const;

 private:
  const Config* find(const std::string& key);
  [[noreturn]] void type_error(const std::string& key, const char* expected) const;
  void unsupported_keras_arguments();

  const Config& config_;
  std::string what_;
  std::set<std::string> used_;
};

}  // namespace strata::optimizers::detail
