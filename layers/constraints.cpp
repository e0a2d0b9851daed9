#include "strata/layers/constraints.hpp"

#include "strata/framework/config_reader.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"
#include "strata/framework/registry.hpp"

namespace strata::constraints {

namespace {

constexpr double kEpsilon = 1e-7;  // keras.config.epsilon()

Config axis_config(const std::vector<int>& axis) { return axis.size() == 1 ? Config(axis[0]) : Config(axis); }

ConfigReader reader(const Config& config) { return ConfigReader(config, "Constraint config"); }

std::vector<int> axis_from(const Config& config) {
  const ConfigReader in = reader(config);
  if (!in.has("axis")) return {0};
  std::vector<int> out;
  for (auto a : in.integers("axis")) out.push_back(static_cast<int>(a));
  return out;
}

Tensor norms(const Tensor& w, const std::vector<int>& axis) { return sqrt(sum(square(w), Axes(axis), true)); }

// MaxNorm and MinMaxNorm: w * desired / (epsilon + norms), with
// desired = rate * clip(norms, min_value, max_value) + (1 - rate) * norms.
class NormConstraint : public Constraint {
 public:
  NormConstraint(double min_value, double max_value, double rate, std::vector<int> axis, bool min_max)
      : min_value_(min_value), max_value_(max_value), rate_(rate), axis_(std::move(axis)), min_max_(min_max) {
    if (axis_.empty()) throw ValueError(class_name() + ": axis must name at least one axis");
  }
  Tensor operator()(const Tensor& w) const override {
    const Tensor n = norms(w, axis_);
    Tensor desired = clip(n, min_value_, max_value_);
    if (min_max_ && rate_ != 1.0) desired = desired * rate_ + n * (1.0 - rate_);
    return w * (desired / (n + kEpsilon));
  }
  std::string class_name() const override { return min_max_ ? "MinMaxNorm" : "MaxNorm"; }
  Config get_config() const override {
    if (!min_max_) return Config{{"max_value", max_value_}, {"axis", axis_config(axis_)}};
    return Config{{"min_value", min_value_}, {"max_value", max_value_}, {"rate", rate_}, {"axis", axis_config(axis_)}};
  }

 private:
  double min_value_, max_value_, rate_;
  std::vector<int> axis_;
  bool min_max_;
};

class NonNegConstraint : public Constraint {
 public:
  Tensor operator()(const Tensor& w) const override { return w * cast(w >= 0.0, w.dtype()); }
  std::string class_name() const override { return "NonNeg"; }
  Config get_config() const override { return Config::object(); }
};

class UnitNormConstraint : public Constraint {
 public:
  explicit UnitNormConstraint(std::vector<int> axis) : axis_(std::move(axis)) {
    if (axis_.empty()) throw ValueError("UnitNorm: axis must name at least one axis");
  }
  Tensor operator()(const Tensor& w) const override { return w / (norms(w, axis_) + kEpsilon); }
  std::string class_name() const override { return "UnitNorm"; }
  Config get_config() const override { return Config{{"axis", axis_config(axis_)}}; }

 private:
  std::vector<int> axis_;
};

Registry<Constraint>& registry() {
  static Registry<Constraint>* instance = [] {
    auto* r = new Registry<Constraint>("constraint");
    Registry<Constraint>::Factory max_norm = [](const Config& c) {
      return MaxNorm(reader(c).number("max_value", 2.0), axis_from(c));
    };
    Registry<Constraint>::Factory min_max_norm = [](const Config& c) {
      return MinMaxNorm(reader(c).number("min_value", 0.0), reader(c).number("max_value", 1.0),
                        reader(c).number("rate", 1.0), axis_from(c));
    };
    Registry<Constraint>::Factory non_neg = [](const Config&) { return NonNeg(); };
    Registry<Constraint>::Factory unit_norm = [](const Config& c) { return UnitNorm(axis_from(c)); };
    r->add("MaxNorm", max_norm);
    r->add("max_norm", max_norm);
    r->add("MinMaxNorm", min_max_norm);
    r->add("min_max_norm", min_max_norm);
    r->add("NonNeg", non_neg);
    r->add("non_neg", non_neg);
    r->add("UnitNorm", unit_norm);
    r->add("unit_norm", unit_norm);
    return r;
  }();
  return *instance;
}

}  // namespace

ConstraintPtr MaxNorm(double max_value, std::vector<int> axis) {
  return std::make_shared<NormConstraint>(0.0, max_value, 1.0, std::move(axis), false);
}
ConstraintPtr MinMaxNorm(double min_value, double max_value, double rate, std::vector<int> axis) {
  return std::make_shared<NormConstraint>(min_value, max_value, rate, std::move(axis), true);
}
ConstraintPtr NonNeg() { return std::make_shared<NonNegConstraint>(); }
ConstraintPtr UnitNorm(std::vector<int> axis) { return std::make_shared<UnitNormConstraint>(std::move(axis)); }

ConstraintPtr get(const std::string& name) { return registry().create(name, Config::object()); }

ConstraintPtr deserialize(const Config& config) {
  if (config.is_null()) return nullptr;
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ValueError("Cannot deserialize a constraint from " + config.dump() +
                     ": expected {\"class_name\": ..., \"config\": {...}}");
  const Config args = config.contains("config") && !config["config"].is_null() ? config["config"] : Config::object();
  return registry().create(config["class_name"].get<std::string>(), args);
}

Config serialize(const Constraint& constraint) {
  return Config{{"module", "keras.constraints"},
                {"class_name", constraint.class_name()},
                {"config", constraint.get_config()},
                {"registered_name", nullptr}};
}

}  // namespace strata::constraints
