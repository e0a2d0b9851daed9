#include "strata/optimizers/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"
#include "strata/framework/registry.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers::schedules {

using detail::number_json;

LearningRateSchedule::~LearningRateSchedule() = default;

Config LearningRateSchedule::get_config() const {
  throw ValueError("Learning rate schedule '" + class_name() +
                   "' must override `get_config()` in order to be serializable.");
}

std::string LearningRateSchedule::class_name() const { return "LearningRateSchedule"; }

namespace {

void check_positive_steps(double steps, const char* argument) {
  if (!(steps > 0))
    throw ValueError(std::string("Argument `") + argument + "` must be > 0. Received: " + argument + "=" +
                     std::to_string(steps));
}

}  // namespace

// ------------------------------------------------------------------------ ExponentialDecay

ExponentialDecaySchedule::ExponentialDecaySchedule(ExponentialDecayOptions options) : options_(std::move(options)) {
  check_positive_steps(options_.decay_steps, "decay_steps");
}

double ExponentialDecaySchedule::operator()(std::int64_t step) const {
  double p = static_cast<double>(step) / options_.decay_steps;
  if (options_.staircase) p = std::floor(p);
  return options_.initial_learning_rate * std::pow(options_.decay_rate, p);
}

Config ExponentialDecaySchedule::get_config() const {
  return {{"initial_learning_rate", options_.initial_learning_rate},
          {"decay_steps", number_json(options_.decay_steps)},
          {"decay_rate", options_.decay_rate},
          {"staircase", options_.staircase},
          {"name", options_.name}};
}

// ------------------------------------------------------------------- PiecewiseConstantDecay

PiecewiseConstantDecaySchedule::PiecewiseConstantDecaySchedule(PiecewiseConstantDecayOptions options)
    : options_(std::move(options)) {
  if (options_.boundaries.size() + 1 != options_.values.size())
    throw ValueError("The length of boundaries should be 1 less than the length of values. Received: boundaries of "
                     "length " + std::to_string(options_.boundaries.size()) + ", and values of length " +
                     std::to_string(options_.values.size()) + ".");
}

double PiecewiseConstantDecaySchedule::operator()(std::int64_t step) const {
  const auto& b = options_.boundaries;
  // The first boundary at or above step picks the value; past the last one, the last value.
  const auto it = std::lower_bound(b.begin(), b.end(), step);
  return options_.values[static_cast<std::size_t>(it - b.begin())];
}

Config PiecewiseConstantDecaySchedule::get_config() const {
  return {{"boundaries", options_.boundaries}, {"values", options_.values}, {"name", options_.name}};
}

// -------------------------------------------------------------------------- PolynomialDecay

PolynomialDecaySchedule::PolynomialDecaySchedule(PolynomialDecayOptions options) : options_(std::move(options)) {
  check_positive_steps(options_.decay_steps, "decay_steps");
}

double PolynomialDecaySchedule::operator()(std::int64_t step_count) const {
  double step = static_cast<double>(step_count);
  double decay_steps = options_.decay_steps;
  if (options_.cycle) {
    const double multiplier = step == 0 ? 1.0 : std::ceil(step / options_.decay_steps);
    decay_steps *= multiplier;
  } else {
    step = std::min(step, decay_steps);
  }
  const double p = step / decay_steps;
  return (options_.initial_learning_rate - options_.end_learning_rate) * std::pow(1 - p, options_.power) +
         options_.end_learning_rate;
}

Config PolynomialDecaySchedule::get_config() const {
  return {{"initial_learning_rate", options_.initial_learning_rate},
          {"decay_steps", number_json(options_.decay_steps)},
          {"end_learning_rate", options_.end_learning_rate},
          {"power", options_.power},
          {"cycle", options_.cycle},
          {"name", options_.name}};
}

// ------------------------------------------------------------------------- InverseTimeDecay

InverseTimeDecaySchedule::InverseTimeDecaySchedule(InverseTimeDecayOptions options) : options_(std::move(options)) {
  check_positive_steps(options_.decay_steps, "decay_steps");
}

double InverseTimeDecaySchedule::operator()(std::int64_t step) const {
  double p = static_cast<double>(step) / options_.decay_steps;
  if (options_.staircase) p = std::floor(p);
  return options_.initial_learning_rate / (1.0 + options_.decay_rate * p);
}

Config InverseTimeDecaySchedule::get_config() const {
  return {{"initial_learning_rate", options_.initial_learning_rate},
          {"decay_steps", number_json(options_.decay_steps)},
          {"decay_rate", options_.decay_rate},
          {"staircase", options_.staircase},
          {"name", options_.name}};
}

// ------------------------------------------------------------------------------ CosineDecay

CosineDecaySchedule::CosineDecaySchedule(CosineDecayOptions options) : options_(std::move(options)) {
  check_positive_steps(options_.decay_steps, "decay_steps");
}

double CosineDecaySchedule::operator()(std::int64_t step_count) const {
  const double decay_steps = options_.decay_steps;
  auto decay = [&](double step, double from_lr) {
    const double cosine_decayed = 0.5 * (1.0 + std::cos(std::numbers::pi * (step / decay_steps)));
    return from_lr * ((1 - options_.alpha) * cosine_decayed + options_.alpha);
  };
  double step = static_cast<double>(step_count);
  if (!options_.warmup_target) return decay(std::min(step, decay_steps), options_.initial_learning_rate);
  const double target = *options_.warmup_target;
  const double warmup_steps = options_.warmup_steps;
  step = std::min(step, decay_steps + warmup_steps);
  if (step < warmup_steps)
    return (target - options_.initial_learning_rate) * (step / warmup_steps) + options_.initial_learning_rate;
  return decay(step - warmup_steps, target);
}

Config CosineDecaySchedule::get_config() const {
  return {{"initial_learning_rate", options_.initial_learning_rate},
          {"decay_steps", number_json(options_.decay_steps)},
          {"alpha", options_.alpha},
          {"name", options_.name},
          {"warmup_target", detail::optional_json(options_.warmup_target)},
          {"warmup_steps", number_json(options_.warmup_steps)}};
}

// ---------------------------------------------------------------------- CosineDecayRestarts

CosineDecayRestartsSchedule::CosineDecayRestartsSchedule(CosineDecayRestartsOptions options)
    : options_(std::move(options)) {
  check_positive_steps(options_.first_decay_steps, "first_decay_steps");
}

double CosineDecayRestartsSchedule::operator()(std::int64_t step) const {
  const double t_mul = options_.t_mul;
  double completed_fraction = static_cast<double>(step) / options_.first_decay_steps;
  double i_restart;
  if (t_mul == 1.0) {
    i_restart = std::floor(completed_fraction);
    completed_fraction -= i_restart;
  } else {
    i_restart = std::floor(std::log(1.0 - completed_fraction * (1.0 - t_mul)) / std::log(t_mul));
    const double sum_r = (1.0 - std::pow(t_mul, i_restart)) / (1.0 - t_mul);
    completed_fraction = (completed_fraction - sum_r) / std::pow(t_mul, i_restart);
  }
  const double m_fac = std::pow(options_.m_mul, i_restart);
  const double cosine_decayed = 0.5 * m_fac * (1.0 + std::cos(std::numbers::pi * completed_fraction));
  const double decayed = (1 - options_.alpha) * cosine_decayed + options_.alpha;
  return options_.initial_learning_rate * decayed;
}

Config CosineDecayRestartsSchedule::get_config() const {
  return {{"initial_learning_rate", options_.initial_learning_rate},
          {"first_decay_steps", number_json(options_.first_decay_steps)},
          {"t_mul", options_.t_mul},
          {"m_mul", options_.m_mul},
          {"alpha", options_.alpha},
          {"name", options_.name}};
}

// ---------------------------------------------------------------------------- factories

std::shared_ptr<LearningRateSchedule> ExponentialDecay(ExponentialDecayOptions options) {
  return std::make_shared<ExponentialDecaySchedule>(std::move(options));
}
std::shared_ptr<LearningRateSchedule> PiecewiseConstantDecay(PiecewiseConstantDecayOptions options) {
  return std::make_shared<PiecewiseConstantDecaySchedule>(std::move(options));
}
std::shared_ptr<LearningRateSchedule> PolynomialDecay(PolynomialDecayOptions options) {
  return std::make_shared<PolynomialDecaySchedule>(std::move(options));
}
std::shared_ptr<LearningRateSchedule> InverseTimeDecay(InverseTimeDecayOptions options) {
  return std::make_shared<InverseTimeDecaySchedule>(std::move(options));
}
std::shared_ptr<LearningRateSchedule> CosineDecay(CosineDecayOptions options) {
  return std::make_shared<CosineDecaySchedule>(std::move(options));
}
std::shared_ptr<LearningRateSchedule> CosineDecayRestarts(CosineDecayRestartsOptions options) {
  return std::make_shared<CosineDecayRestartsSchedule>(std::move(options));
}

// ------------------------------------------------------------------ serialization, registry

namespace {

void add_builtins(Registry<LearningRateSchedule>& r) {
    r.add("ExponentialDecay", [](const Config& c) {
      detail::ConfigReader in(c, "ExponentialDecay");
      ExponentialDecayOptions o;
      o.initial_learning_rate = in.number("initial_learning_rate", o.initial_learning_rate);
      o.decay_steps = in.number("decay_steps", o.decay_steps);
      o.decay_rate = in.number("decay_rate", o.decay_rate);
      o.staircase = in.boolean("staircase", o.staircase);
      o.name = in.string("name", o.name);
      in.finish();
      return ExponentialDecay(o);
    });
    r.add("PiecewiseConstantDecay", [](const Config& c) {
      detail::ConfigReader in(c, "PiecewiseConstantDecay");
      PiecewiseConstantDecayOptions o;
      for (double b : in.numbers("boundaries")) o.boundaries.push_back(static_cast<std::int64_t>(b));
      o.values = in.numbers("values");
      o.name = in.string("name", o.name);
      in.finish();
      return PiecewiseConstantDecay(o);
    });
    r.add("PolynomialDecay", [](const Config& c) {
      detail::ConfigReader in(c, "PolynomialDecay");
      PolynomialDecayOptions o;
      o.initial_learning_rate = in.number("initial_learning_rate", o.initial_learning_rate);
      o.decay_steps = in.number("decay_steps", o.decay_steps);
      o.end_learning_rate = in.number("end_learning_rate", o.end_learning_rate);
      o.power = in.number("power", o.power);
      o.cycle = in.boolean("cycle", o.cycle);
      o.name = in.string("name", o.name);
      in.finish();
      return PolynomialDecay(o);
    });
    r.add("InverseTimeDecay", [](const Config& c) {
      detail::ConfigReader in(c, "InverseTimeDecay");
      InverseTimeDecayOptions o;
      o.initial_learning_rate = in.number("initial_learning_rate", o.initial_learning_rate);
      o.decay_steps = in.number("decay_steps", o.decay_steps);
      o.decay_rate = in.number("decay_rate", o.decay_rate);
      o.staircase = in.boolean("staircase", o.staircase);
      o.name = in.string("name", o.name);
      in.finish();
      return InverseTimeDecay(o);
    });
    r.add("CosineDecay", [](const Config& c) {
      detail::ConfigReader in(c, "CosineDecay");
      CosineDecayOptions o;
      o.initial_learning_rate = in.number("initial_learning_rate", o.initial_learning_rate);
      o.decay_steps = in.number("decay_steps", o.decay_steps);
      o.alpha = in.number("alpha", o.alpha);
      o.name = in.string("name", o.name);
      o.warmup_target = in.optional_number("warmup_target", o.warmup_target);
      o.warmup_steps = in.number("warmup_steps", o.warmup_steps);
      in.finish();
      return CosineDecay(o);
    });
    r.add("CosineDecayRestarts", [](const Config& c) {
      detail::ConfigReader in(c, "CosineDecayRestarts");
      CosineDecayRestartsOptions o;
      o.initial_learning_rate = in.number("initial_learning_rate", o.initial_learning_rate);
      o.first_decay_steps = in.number("first_decay_steps", o.first_decay_steps);
      o.t_mul = in.number("t_mul", o.t_mul);
      o.m_mul = in.number("m_mul", o.m_mul);
      o.alpha = in.number("alpha", o.alpha);
      o.name = in.string("name", o.name);
      in.finish();
      return CosineDecayRestarts(o);
    });
}

Registry<LearningRateSchedule>& registry() {
  static Registry<LearningRateSchedule> instance("learning rate schedule");
  static const bool builtins_added = (add_builtins(instance), true);
  (void)builtins_added;
  return instance;
}

}  // namespace

Config serialize(const LearningRateSchedule& schedule) {
  return {{"module", "keras.optimizers.schedules"},
          {"class_name", schedule.class_name()},
          {"config", schedule.get_config()},
          {"registered_name", nullptr}};
}

std::shared_ptr<LearningRateSchedule> deserialize(const Config& config) {
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ValueError("A serialized learning rate schedule must be an object with a string \"class_name\" and a "
                     "\"config\"; received: " + config.dump());
  const Config empty = Config::object();
  const Config& inner = config.contains("config") ? config["config"] : empty;
  if (!inner.is_object()) throw ValueError("The \"config\" of a learning rate schedule must be an object");
  return registry().create(config["class_name"].get<std::string>(), inner);
}

void register_schedule(const std::string& class_name,
                       std::function<std::shared_ptr<LearningRateSchedule>(const Config&)> factory) {
  registry().add(class_name, std::move(factory));
}

}  // namespace strata::optimizers::schedules
