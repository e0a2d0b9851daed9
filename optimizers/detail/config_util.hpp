#pragma once
// Internal to optimizers/*.cpp (includes <nlohmann/json.hpp>): reading an optimizer's or a
// schedule's Keras config with defaults, type checks and Keras's "Argument(s) not recognized".
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace strata::optimizers::detail
