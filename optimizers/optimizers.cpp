#include "strata/optimizers/optimizers.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "strata/framework/registry.hpp"

namespace strata::optimizers {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void add_builtins(Registry<Optimizer>& r) {
  r.add("sgd", SGDOptimizer::from_config);
  r.add("adam", AdamOptimizer::from_config);
  r.add("adamw", AdamWOptimizer::from_config);
  r.add("rmsprop", RMSpropOptimizer::from_config);
  r.add("adagrad", AdagradOptimizer::from_config);
  r.add("adadelta", AdadeltaOptimizer::from_config);
  r.add("adamax", AdamaxOptimizer::from_config);
  r.add("nadam", NadamOptimizer::from_config);
  r.add("ftrl", FtrlOptimizer::from_config);
  r.add("lion", LionOptimizer::from_config);
}

Registry<Optimizer>& registry() {
  static Registry<Optimizer> instance("optimizer");
  static const bool builtins_added = (add_builtins(instance), true);
  (void)builtins_added;
  return instance;
}

}  // namespace

std::shared_ptr<Optimizer> get(const std::string& name) { return registry().create(lower(name), Config::object()); }

std::shared_ptr<Optimizer> get(const Config& config) {
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object())
    throw ValueError("Could not interpret optimizer identifier: " + config.dump());
  if (config.contains("class_name")) {
    if (!config["class_name"].is_string())
      throw ValueError("Could not interpret optimizer identifier: " + config.dump());
    const Config empty = Config::object();
    const Config& inner = config.contains("config") ? config["config"] : empty;
    return registry().create(lower(config["class_name"].get<std::string>()), inner);
  }
  if (config.contains("name") && config["name"].is_string())
    return registry().create(lower(config["name"].get<std::string>()), config);
  throw ValueError("Could not interpret optimizer identifier: " + config.dump() +
                   " (expected {\"class_name\": ..., \"config\": {...}} or a config with a \"name\")");
}

Config serialize(const Optimizer& optimizer) {
  return {{"module", "keras.optimizers"},
          {"class_name", optimizer.class_name()},
          {"config", optimizer.get_config()},
          {"registered_name", nullptr}};
}

void register_optimizer(const std::string& name, std::function<std::shared_ptr<Optimizer>(const Config&)> factory) {
  registry().add(lower(name), std::move(factory));
}

std::vector<std::string> registered_names() { return registry().names(); }

}  // namespace strata::optimizers
