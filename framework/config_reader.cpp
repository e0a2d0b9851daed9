#include "strata/framework/config_reader.hpp"

#include <cmath>

namespace strata {

namespace {

std::string shown(const Config& value) {
  std::string text = value.dump();
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

}  // namespace

ConfigReader::ConfigReader(const Config& config, std::string what) : config_(config), what_(std::move(what)) {
  if (!config_.is_object() && !config_.is_null())
    throw ValueError(what_ + ": a config must be a JSON object, got " + shown(config_));
}

ConfigReader ConfigReader::for_layer(const Config& config, const std::string& class_name) {
  std::string name = "?";
  if (config.is_object())
    if (auto it = config.find("name"); it != config.end() && it->is_string()) name = it->get<std::string>();
  return ConfigReader(config, "Layer '" + name + "' (" + class_name + ")");
}

ConfigReader ConfigReader::for_object(const Config& config, const std::string& kind) {
  std::string name = "?";
  if (config.is_object())
    if (auto it = config.find("name"); it != config.end() && it->is_string()) name = it->get<std::string>();
  return ConfigReader(config, kind + " '" + name + "'");
}

const Config* ConfigReader::find_raw(const ConfigKeys& keys) const {
  for (const auto& key : keys.keys()) read_.insert(key);
  if (!config_.is_object()) return nullptr;
  for (const auto& key : keys.keys()) {
    auto it = config_.find(key);
    if (it != config_.end()) {
      last_key_ = key;
      return &*it;
    }
  }
  return nullptr;
}

const Config* ConfigReader::find(const ConfigKeys& keys) const {
  for (const auto& key : keys.keys()) read_.insert(key);
  if (!config_.is_object()) return nullptr;
  for (const auto& key : keys.keys()) {
    auto it = config_.find(key);
    if (it != config_.end() && !it->is_null()) {
      last_key_ = key;
      return &*it;
    }
  }
  return nullptr;
}

const Config& ConfigReader::required(const ConfigKeys& keys) const {
  const Config* v = find(keys);
  if (!v) throw ValueError(what_ + " needs '" + keys.first() + "'");
  return *v;
}

void ConfigReader::type_error(const std::string& key, const std::string& expected) const {
  const Config* v = config_.is_object() && config_.contains(key) ? &config_.at(key) : nullptr;
  throw ValueError(what_ + ": '" + key + "' must be " + expected + ", got " + (v ? shown(*v) : std::string("nothing")));
}

double ConfigReader::as_number(const std::string& key, const Config& value) const {
  if (!value.is_number()) type_error(key, "a number");
  return value.get<double>();
}

std::int64_t ConfigReader::as_integer(const std::string& key, const Config& value) const {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) return static_cast<std::int64_t>(d);
  }
  type_error(key, "an integer");
}

bool ConfigReader::as_boolean(const std::string& key, const Config& value) const {
  if (!value.is_boolean()) type_error(key, "a boolean");
  return value.get<bool>();
}

std::string ConfigReader::as_string(const std::string& key, const Config& value) const {
  if (!value.is_string()) type_error(key, "a string");
  return value.get<std::string>();
}

std::vector<std::int64_t> ConfigReader::as_integers(const std::string& key, const Config& value) const {
  if (!value.is_array()) return {as_integer(key, value)};
  std::vector<std::int64_t> out;
  for (const auto& item : value) {
    if (!item.is_number()) type_error(key, "an integer or a list of integers");
    out.push_back(as_integer(key, item));
  }
  return out;
}

double ConfigReader::number(const ConfigKeys& keys, double fallback) const {
  const Config* v = find(keys);
  return v ? as_number(last_key_, *v) : fallback;
}

std::optional<double> ConfigReader::optional_number(const ConfigKeys& keys, std::optional<double> fallback) const {
  const Config* v = find_raw(keys);
  if (!v) return fallback;
  if (v->is_null()) return std::nullopt;
  if (!v->is_number()) type_error(last_key_, "a number or null");
  return v->get<double>();
}

std::int64_t ConfigReader::integer(const ConfigKeys& keys, std::int64_t fallback) const {
  const Config* v = find(keys);
  return v ? as_integer(last_key_, *v) : fallback;
}

std::int64_t ConfigReader::required_integer(const ConfigKeys& keys) const {
  const Config& v = required(keys);
  return as_integer(last_key_, v);
}

bool ConfigReader::boolean(const ConfigKeys& keys, bool fallback) const {
  const Config* v = find(keys);
  return v ? as_boolean(last_key_, *v) : fallback;
}

std::string ConfigReader::string(const ConfigKeys& keys, const std::string& fallback) const {
  const Config* v = find(keys);
  return v ? as_string(last_key_, *v) : fallback;
}

std::vector<std::int64_t> ConfigReader::integers(const ConfigKeys& keys) const {
  const Config* v = find(keys);
  return v ? as_integers(last_key_, *v) : std::vector<std::int64_t>{};
}

std::vector<double> ConfigReader::numbers(const ConfigKeys& keys) const {
  const Config& v = required(keys);
  const std::string key = last_key_;
  if (!v.is_array()) type_error(key, "a list of numbers");
  std::vector<double> out;
  for (const auto& item : v) {
    if (!item.is_number()) type_error(key, "a list of numbers");
    out.push_back(item.get<double>());
  }
  return out;
}

std::optional<std::uint64_t> ConfigReader::seed(const ConfigKeys& keys) const {
  const Config* v = find(keys);
  if (!v) return std::nullopt;
  const std::string key = last_key_;
  if (!v->is_number_integer() || (v->is_number_integer() && !v->is_number_unsigned() && v->get<std::int64_t>() < 0))
    type_error(key, "a non-negative integer or null");
  return v->get<std::uint64_t>();
}

void ConfigReader::reject_unread() const {
  if (!config_.is_object()) return;
  std::string unknown;
  for (const auto& [key, value] : config_.items())
    if (!read_.count(key)) unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  if (!unknown.empty()) throw ValueError(what_ + ": argument(s) not recognized: " + unknown);
}

}  // namespace strata
