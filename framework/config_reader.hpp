#pragma once
// Reading a Keras config (a layer's, loss's, metric's, optimizer's or initializer's "config"
// object): one key of a given type with a default, the first of several spellings, and a
// ValueError naming the object, the key, what was expected and what was found:
//
//   ConfigReader in(config, "Layer 'dense_1' (Dense)");
//   const auto units = in.required_integer("units");   // 'units' must be an integer, got "ten"
//   const bool bias = in.boolean("use_bias", true);
//   const double rate = in.number({"rate", "p"}, 0.5);  // Keras 3 spelling first
//
// A key whose value is null counts as absent (Keras writes None for "not given"), except for
// optional_number, where null means "none".
//
// Unknown keys are ignored, as Keras's from_config ignores what a class does not read: a file
// written by another Keras version carries keys this one does not know. A class whose Keras
// constructor rejects unknown arguments (optimizers, learning-rate schedules) calls
// reject_unread() after reading, which names every key nobody asked for.
//
// .cpp files only: it includes <nlohmann/json.hpp>.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/framework/config.hpp"
#include "strata/framework/errors.hpp"

namespace strata {

// One key, or several spellings of one key (the first present and not null wins).
class ConfigKeys {
 public:
  ConfigKeys(const char* key) : keys_{key} {}
  ConfigKeys(const std::string& key) : keys_{key} {}
  ConfigKeys(std::initializer_list<const char*> keys) : keys_(keys.begin(), keys.end()) {}
  const std::vector<std::string>& keys() const { return keys_; }
  const std::string& first() const { return keys_.front(); }

 private:
  std::vector<std::string> keys_;
};

class ConfigReader {
 public:
  // `what` names the object in errors: "Layer 'dense_1' (Dense)", "Adam", "Initializer 'Constant'".
  // A config that is neither an object nor null is a ValueError.
  ConfigReader(const Config& config, std::string what);
  // Names a layer's config by its "name" and the class: "Layer 'dense_1' (Dense)".
  static ConfigReader for_layer(const Config& config, const std::string& class_name);
  // Names another object by its kind and the config's "name": "Loss 'huber_loss'".
  static ConfigReader for_object(const Config& config, const std::string& kind);

  const Config& config() const { return config_; }
  const std::string& what() const { return what_; }

  // The value of the first of `keys` present and not null, else nullptr. Marks them read.
  const Config* find(const ConfigKeys& keys) const;
  // The value of the first of `keys` present, null included, else nullptr. Marks them read.
  const Config* find_raw(const ConfigKeys& keys) const;
  bool has(const ConfigKeys& keys) const { return find(keys) != nullptr; }
  // The value of the first of `keys`; ValueError "needs 'key'" when absent.
  const Config& required(const ConfigKeys& keys) const;

  double number(const ConfigKeys& keys, double fallback) const;
  // Null: std::nullopt; absent: `fallback`.
  std::optional<double> optional_number(const ConfigKeys& keys, std::optional<double> fallback) const;
  // An integer (a number with an integral value).
  std::int64_t integer(const ConfigKeys& keys, std::int64_t fallback) const;
  std::int64_t required_integer(const ConfigKeys& keys) const;
  bool boolean(const ConfigKeys& keys, bool fallback) const;
  std::string string(const ConfigKeys& keys, const std::string& fallback) const;
  // An integer or a list of integers (kernel_size: 3 or [3, 3]); empty when absent.
  std::vector<std::int64_t> integers(const ConfigKeys& keys) const;
  // A list of numbers; ValueError when absent.
  std::vector<double> numbers(const ConfigKeys& keys) const;
  // A random seed (a non-negative integer), or none.
  std::optional<std::uint64_t> seed(const ConfigKeys& keys = "seed") const;

  // One of the above by the type of `fallback` (bool, an integer type, a floating type, std::string).
  template <class T>
  T value(const ConfigKeys& keys, const T& fallback) const {
    if constexpr (std::is_same_v<T, bool>) return boolean(keys, fallback);
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(integer(keys, fallback));
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(number(keys, fallback));
    else return string(keys, fallback);
  }

  // "<what>: 'key' must be <expected>, got <value>".
  [[noreturn]] void type_error(const std::string& key, const std::string& expected) const;
  // Throws ValueError naming every key of the config that nothing read.
  void reject_unread() const;

  // Conversions of one value, for callers that found it themselves.
  double as_number(const std::string& key, const Config& value) const;
  std::int64_t as_integer(const std::string& key, const Config& value) const;
  bool as_boolean(const std::string& key, const Config& value) const;
  std::string as_string(const std::string& key, const Config& value) const;
  std::vector<std::int64_t> as_integers(const std::string& key, const Config& value) const;

 private:
  const Config& config_;
  std::string what_;
  mutable std::set<std::string> read_;
  mutable std::string last_key_;  // the spelling find() found, for error messages
};

}  // namespace strata
