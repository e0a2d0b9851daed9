#include "strata/optimizers/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"
#include "strata/framework/registry.hpp"
#include "strata/optimizers/detail/config_util.hpp"

namespace strata::optimizers::schedules {

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

using detail::count_field;
using detail::field;
using detail::OptionFields;

// Each schedule's options as one list, read by its factory in the registry and written by its
// get_config.
template <class Options>
const OptionFields<Options>& fields();

template <>
const OptionFields<ExponentialDecayOptions>& fields() {
  using O = ExponentialDecayOptions;
  static const OptionFields<O> f = {field("initial_learning_rate", &O::initial_learning_rate),
                                    count_field("decay_steps", &O::decay_steps), field("decay_rate", &O::decay_rate),
                                    field("staircase", &O::staircase), field("name", &O::name)};
  return f;
}

template <>
const OptionFields<PiecewiseConstantDecayOptions>& fields() {
  using O = PiecewiseConstantDecayOptions;
  static const OptionFields<O> f = {
      {"boundaries",
       [](const detail::ConfigReader& in, O& o) {
         o.boundaries.clear();
         for (double b : in.numbers("boundaries")) o.boundaries.push_back(static_cast<std::int64_t>(b));
       },
       [](const O& o) { return Config(o.boundaries); }},
      {"values", [](const detail::ConfigReader& in, O& o) { o.values = in.numbers("values"); },
       [](const O& o) { return Config(o.values); }},
      field("name", &O::name)};
  return f;
}

template <>
const OptionFields<PolynomialDecayOptions>& fields() {
  using O = PolynomialDecayOptions;
  static const OptionFields<O> f = {
      field("initial_learning_rate", &O::initial_learning_rate), count_field("decay_steps", &O::decay_steps),
      field("end_learning_rate", &O::end_learning_rate),         field("power", &O::power),
      field("cycle", &O::cycle),                                 field("name", &O::name)};
  return f;
}

template <>
const OptionFields<InverseTimeDecayOptions>& fields() {
  using O = InverseTimeDecayOptions;
  static const OptionFields<O> f = {field("initial_learning_rate", &O::initial_learning_rate),
                                    count_field("decay_steps", &O::decay_steps), field("decay_rate", &O::decay_rate),
                                    field("staircase", &O::staircase), field("name", &O::name)};
  return f;
}

template <>
const OptionFields<CosineDecayOptions>& fields() {
  using O = CosineDecayOptions;
  static const OptionFields<O> f = {
      field("initial_learning_rate", &O::initial_learning_rate), count_field("decay_steps", &O::decay_steps),
      field("alpha", &O::alpha),                                 field("name", &O::name),
      field("warmup_target", &O::warmup_target),                 count_field("warmup_steps", &O::warmup_steps)};
  return f;
}

template <>
const OptionFields<CosineDecayRestartsOptions>& fields() {
  using O = CosineDecayRestartsOptions;
  static const OptionFields<O> f = {field("initial_learning_rate", &O::initial_learning_rate),
                                    count_field("first_decay_steps", &O::first_decay_steps),
                                    field("t_mul", &O::t_mul),
                                    field("m_mul", &O::m_mul),
                                    field("alpha", &O::alpha),
                                    field("name", &O::name)};
  return f;
}

template <class Options>
Config config_of(const Options& options) {
  Config config = Config::object();
  detail::write_fields(fields<Options>(), options, config);
  return config;
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

Config ExponentialDecaySchedule::get_config() const { return config_of(options_); }

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

Config PiecewiseConstantDecaySchedule::get_config() const { return config_of(options_); }

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

Config PolynomialDecaySchedule::get_config() const { return config_of(options_); }

// ------------------------------------------------------------------------- InverseTimeDecay

InverseTimeDecaySchedule::InverseTimeDecaySchedule(InverseTimeDecayOptions options) : options_(std::move(options)) {
  check_positive_steps(options_.decay_steps, "decay_steps");
}

double InverseTimeDecaySchedule::operator()(std::int64_t step) const {
  double p = static_cast<double>(step) / options_.decay_steps;
  if (options_.staircase) p = std::floor(p);
  return options_.initial_learning_rate / (1.0 + options_.decay_rate * p);
}

Config InverseTimeDecaySchedule::get_config() const { return config_of(options_); }

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

Config CosineDecaySchedule::get_config() const { return config_of(options_); }

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

Config CosineDecayRestartsSchedule::get_config() const { return config_of(options_); }

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

// The factory of a built-in schedule: its options read from its field table, no unknown key.
template <class Options, class Schedule>
void add_builtin(Registry<LearningRateSchedule>& r, const char* class_name) {
  r.add(class_name, [class_name](const Config& c) -> std::shared_ptr<LearningRateSchedule> {
    detail::ConfigReader in(c, class_name);
    Options o;
    detail::read_fields(fields<Options>(), in, o);
    in.finish();
    return std::make_shared<Schedule>(std::move(o));
  });
}

void add_builtins(Registry<LearningRateSchedule>& r) {
  add_builtin<ExponentialDecayOptions, ExponentialDecaySchedule>(r, "ExponentialDecay");
  add_builtin<PiecewiseConstantDecayOptions, PiecewiseConstantDecaySchedule>(r, "PiecewiseConstantDecay");
  add_builtin<PolynomialDecayOptions, PolynomialDecaySchedule>(r, "PolynomialDecay");
  add_builtin<InverseTimeDecayOptions, InverseTimeDecaySchedule>(r, "InverseTimeDecay");
  add_builtin<CosineDecayOptions, CosineDecaySchedule>(r, "CosineDecay");
  add_builtin<CosineDecayRestartsOptions, CosineDecayRestartsSchedule>(r, "CosineDecayRestarts");
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
