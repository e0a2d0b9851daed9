#pragma once
// Learning rate schedules, as Keras 3's `keras.optimizers.schedules`: a schedule maps the
// optimizer's iteration count (0 for the first step) to a learning rate.
//
//   auto lr = st::optimizers::schedules::ExponentialDecay(
//       {.initial_learning_rate = 0.1, .decay_steps = 1000, .decay_rate = 0.96, .staircase = true});
//   auto opt = st::optimizers::SGD({.learning_rate = lr, .momentum = 0.9});
//
// As with optimizers, each schedule is a class (`ExponentialDecaySchedule`, ...) and a factory with
// Keras's name returning std::shared_ptr<LearningRateSchedule>. A custom schedule subclasses
// LearningRateSchedule (operator() and, to be saved, get_config / class_name; register it with
// register_schedule to load it back). Values are computed in double precision (Keras computes them
// in the dtype of initial_learning_rate, float32 for a Python float).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"

namespace strata::optimizers::schedules {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule();
  // The learning rate at optimizer step `step` (the iteration count before the update).
  virtual double operator()(std::int64_t step) const = 0;
  // Keras's config of the schedule (the arguments of its constructor).
  virtual Config get_config() const;
  // Keras's class name ("ExponentialDecay", ...).
  virtual std::string class_name() const;
};

// initial_learning_rate * decay_rate ^ (step / decay_steps); the exponent floored when staircase.
struct ExponentialDecayOptions {
  double initial_learning_rate = 0.0;
  double decay_steps = 0.0;  // > 0
  double decay_rate = 0.0;
  bool staircase = false;
  std::string name = "ExponentialDecay";
};

// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
// values.back() after the last boundary.
struct PiecewiseConstantDecayOptions {
  std::vector<std::int64_t> boundaries = {};
  std::vector<double> values = {};  // boundaries.size() + 1 of them
  std::string name = "PiecewiseConstant";
};

// (initial - end) * (1 - min(step, decay_steps) / decay_steps) ^ power + end; with cycle, decay_steps
// grows to the first multiple of itself at or above step.
struct PolynomialDecayOptions {
  double initial_learning_rate = 0.0;
  double decay_steps = 0.0;  // > 0
  double end_learning_rate = 0.0001;
  double power = 1.0;
  bool cycle = false;
  std::string name = "PolynomialDecay";
};

// initial_learning_rate / (1 + decay_rate * step / decay_steps); the ratio floored when staircase.
struct InverseTimeDecayOptions {
  double initial_learning_rate = 0.0;
  double decay_steps = 0.0;  // > 0
  double decay_rate = 0.0;
  bool staircase = false;
  std::string name = "InverseTimeDecay";
};

// Optional linear warmup from initial_learning_rate to warmup_target over warmup_steps, then cosine
// decay from warmup_target (or initial_learning_rate without warmup) to alpha times it over
// decay_steps.
struct CosineDecayOptions {
  double initial_learning_rate = 0.0;
  double decay_steps = 0.0;  // > 0
  double alpha = 0.0;
  std::string name = "CosineDecay";
  std::optional<double> warmup_target = std::nullopt;
  double warmup_steps = 0.0;
};

// SGDR: cosine decay over first_decay_steps, then warm restarts, each period t_mul times longer and
// starting m_mul times lower.
struct CosineDecayRestartsOptions {
  double initial_learning_rate = 0.0;
  double first_decay_steps = 0.0;  // > 0
  double t_mul = 2.0;
  double m_mul = 1.0;
  double alpha = 0.0;
  std::string name = "SGDRDecay";
};

class ExponentialDecaySchedule : public LearningRateSchedule {
 public:
  explicit ExponentialDecaySchedule(ExponentialDecayOptions options);
  double operator()(std::int64_t step) const override;
  Config get_config() const override;
  std::string class_name() const override { return "ExponentialDecay"; }
  const ExponentialDecayOptions& options() const { return options_; }

 private:
  ExponentialDecayOptions options_;
};

class PiecewiseConstantDecaySchedule : public LearningRateSchedule {
 public:
  explicit PiecewiseConstantDecaySchedule(PiecewiseConstantDecayOptions options);
  double operator()(std::int64_t step) const override;
  Config get_config() const override;
  std::string class_name() const override { return "PiecewiseConstantDecay"; }
  const PiecewiseConstantDecayOptions& options() const { return options_; }

 private:
  PiecewiseConstantDecayOptions options_;
};

class PolynomialDecaySchedule : public LearningRateSchedule {
 public:
  explicit PolynomialDecaySchedule(PolynomialDecayOptions options);
  double operator()(std::int64_t step) const override;
  Config get_config() const override;
  std::string class_name() const override { return "PolynomialDecay"; }
  const PolynomialDecayOptions& options() const { return options_; }

 private:
  PolynomialDecayOptions options_;
};

class InverseTimeDecaySchedule : public LearningRateSchedule {
 public:
  explicit InverseTimeDecaySchedule(InverseTimeDecayOptions options);
  double operator()(std::int64_t step) const override;
  Config get_config() const override;
  std::string class_name() const override { return "InverseTimeDecay"; }
  const InverseTimeDecayOptions& options() const { return options_; }

 private:
  InverseTimeDecayOptions options_;
};

class CosineDecaySchedule : public LearningRateSchedule {
 public:
  explicit CosineDecaySchedule(CosineDecayOptions options);
  double operator()(std::int64_t step) const override;
  Config get_config() const override;
  std::string class_name() const override { return "CosineDecay"; }
  const CosineDecayOptions& options() const { return options_; }

 private:
  CosineDecayOptions options_;
};

class CosineDecayRestartsSchedule : public LearningRateSchedule {
 public:
  explicit CosineDecayRestartsSchedule(CosineDecayRestartsOptions options);
  double operator()(std::int64_t step) const override;
  Config get_config() const override;
  std::string class_name() const override { return "CosineDecayRestarts"; }
  const CosineDecayRestartsOptions& options() const { return options_; }

 private:
  CosineDecayRestartsOptions options_;
};

// Factories with Keras's names.
std::shared_ptr<LearningRateSchedule> ExponentialDecay(ExponentialDecayOptions options);
std::shared_ptr<LearningRateSchedule> PiecewiseConstantDecay(PiecewiseConstantDecayOptions options);
std::shared_ptr<LearningRateSchedule> PolynomialDecay(PolynomialDecayOptions options);
std::shared_ptr<LearningRateSchedule> InverseTimeDecay(InverseTimeDecayOptions options);
std::shared_ptr<LearningRateSchedule> CosineDecay(CosineDecayOptions options);
std::shared_ptr<LearningRateSchedule> CosineDecayRestarts(CosineDecayRestartsOptions options);

// Keras's serialized form: {"module": "keras.optimizers.schedules", "class_name": ...,
// "config": {...}, "registered_name": null}.
Config serialize(const LearningRateSchedule& schedule);
// From serialize()'s form (or any {"class_name", "config"}); ValueError for an unknown class name,
// listing the known ones.
std::shared_ptr<LearningRateSchedule> deserialize(const Config& config);

// Makes a custom schedule loadable by deserialize() under its class name.
void register_schedule(const std::string& class_name,
                       std::function<std::shared_ptr<LearningRateSchedule>(const Config&)> factory);

}  // namespace strata::optimizers::schedules
