#include "strata/layers/regularizers.hpp"

#include "strata/framework/config_reader.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"
#include "strata/framework/registry.hpp"

namespace strata::regularizers {

namespace {

double validate(double value, const char* name) {
  if (!std::isfinite(value) || value < 0.0)
    throw ValueError(std::string("Invalid value for argument ") + name +
                     ": expected a non-negative float. Received: " + name + "=" + std::to_string(value));
  return value;
}

ConfigReader reader(const Config& config) { return ConfigReader(config, "Regularizer config"); }

// Keras's L1, L2 and L1L2: l1 * sum(|w|) + l2 * sum(w^2), each term only when its factor is set.
class L1L2Regularizer : public Regularizer {
 public:
  L1L2Regularizer(double l1, double l2, std::string name)
      : l1_(validate(l1, "l1")), l2_(validate(l2, "l2")), name_(std::move(name)) {}
  Tensor operator()(const Tensor& weights) const override {
    Tensor penalty = zeros(Shape{}, weights.dtype());
    if (l1_ != 0.0) penalty = penalty + sum(abs(weights)) * l1_;
    if (l2_ != 0.0) penalty = penalty + sum(square(weights)) * l2_;
    return penalty;
  }
  std::string class_name() const override { return name_; }
  Config get_config() const override {
    if (name_ == "L1") return Config{{"l1", l1_}};
    if (name_ == "L2") return Config{{"l2", l2_}};
    return Config{{"l1", l1_}, {"l2", l2_}};
  }

 private:
  double l1_, l2_;
  std::string name_;
};

Registry<Regularizer>& registry() {
  static Registry<Regularizer>* instance = [] {
    auto* r = new Registry<Regularizer>("regularizer");
    Registry<Regularizer>::Factory l1 = [](const Config& c) { return L1(reader(c).number("l1", 0.01)); };
    Registry<Regularizer>::Factory l2 = [](const Config& c) { return L2(reader(c).number("l2", 0.01)); };
    Registry<Regularizer>::Factory l1_l2 = [](const Config& c) {
      return L1L2(reader(c).number("l1", 0.0), reader(c).number("l2", 0.0));
    };
    r->add("L1", l1);
    r->add("l1", l1);
    r->add("L2", l2);
    r->add("l2", l2);
    r->add("L1L2", l1_l2);
    r->add("l1_l2", l1_l2);
    return r;
  }();
  return *instance;
}

}  // namespace

RegularizerPtr L1(double l1) { return std::make_shared<L1L2Regularizer>(l1, 0.0, "L1"); }
RegularizerPtr L2(double l2) { return std::make_shared<L1L2Regularizer>(0.0, l2, "L2"); }
RegularizerPtr L1L2(double l1, double l2) { return std::make_shared<L1L2Regularizer>(l1, l2, "L1L2"); }

RegularizerPtr get(const std::string& name) { return registry().create(name, Config::object()); }

RegularizerPtr deserialize(const Config& config) {
  if (config.is_null()) return nullptr;
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ValueError("Cannot deserialize a regularizer from " + config.dump() +
                     ": expected {\"class_name\": ..., \"config\": {...}}");
  const Config args = config.contains("config") && !config["config"].is_null() ? config["config"] : Config::object();
  return registry().create(config["class_name"].get<std::string>(), args);
}

Config serialize(const Regularizer& regularizer) {
  return Config{{"module", "keras.regularizers"},
                {"class_name", regularizer.class_name()},
                {"config", regularizer.get_config()},
                {"registered_name", nullptr}};
}

}  // namespace strata::regularizers
