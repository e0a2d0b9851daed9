#pragma once
// The optimizer base class, as Keras 3's `keras.optimizers.Optimizer`.
//
// How optimizers are made: each built-in optimizer is a class (`AdamOptimizer`, `SGDOptimizer`, ...)
// and a factory function with Keras's name returning a shared handle, so user code reads like Keras:
//
//   model.compile({.optimizer = st::optimizers::Adam(1e-3), ...});
//   auto opt = st::optimizers::SGD({.learning_rate = 0.01, .momentum = 0.9, .nesterov = true});
//   auto opt = st::optimizers::get("rmsprop");          // by Keras name, case-insensitive
//
// The factories return std::shared_ptr<Optimizer>; `std::make_shared<AdamOptimizer>(AdamOptions{...})`
// gives the concrete type. An optimizer holds state (slots, iteration count), so it is shared, never
// copied.
//
// One step (`apply_gradients`) does what Keras's does: skips undefined gradients, clips (clipnorm,
// clipvalue or global_clipnorm), applies decoupled weight decay (`w -= w * weight_decay * lr`),
// runs the optimizer's rule on every variable, and increments `iterations()`. Nothing of it is
// recorded on a GradientTape.
//
// A new optimizer subclasses Optimizer, implements `update_step` with ops, and gets its state
// through `add_slot` (created on first sight of a variable, then returned again):
//
//   void update_step(const Tensor& grad, Variable& variable, double lr) override {
//     Variable& m = add_slot(variable, "momentum");
//     m.assign(m * 0.9 + grad);
//     variable.assign_sub(m * lr);
//   }
#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/tensor.hpp"
#include "strata/framework/variable.hpp"

namespace strata::optimizers {

namespace schedules {
class LearningRateSchedule;  // optimizers/schedules.hpp
}
using schedules::LearningRateSchedule;

// A learning rate: a number or a schedule evaluated at the optimizer's iteration count.
class LearningRate {
 public:
  LearningRate(double value) : value_(value) {}
  LearningRate(std::shared_ptr<LearningRateSchedule> schedule);
  template <class S>
    requires std::derived_from<S, LearningRateSchedule>
  LearningRate(std::shared_ptr<S> schedule) : LearningRate(std::shared_ptr<LearningRateSchedule>(std::move(schedule))) {}

  bool is_schedule() const { return schedule_ != nullptr; }
  double value() const { return value_; }
  const std::shared_ptr<LearningRateSchedule>& schedule() const { return schedule_; }

 private:
  double value_ = 0.0;
  std::shared_ptr<LearningRateSchedule> schedule_;
};

// The arguments every optimizer takes (each optimizer's options struct repeats them, with Keras's
// names, so designated initializers stay flat).
struct CommonOptions {
  LearningRate learning_rate = 0.001;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name;
};

// The common part of any options struct that has the common fields.
template <class Options>
CommonOptions common_options(const Options& o) {
  return {o.learning_rate, o.weight_decay, o.clipnorm, o.clipvalue, o.global_clipnorm, o.name};
}

class Optimizer {
 public:
  // Throws ValueError when more than one of clipnorm, clipvalue and global_clipnorm is set.
  explicit Optimizer(CommonOptions options);
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update step (Keras apply_gradients): grads[i] for variables[i]; an undefined grad is
  // skipped (all undefined: ValueError, as Keras). Applies clipnorm / clipvalue / global_clipnorm,
  // weight_decay (decoupled, Keras 3 style), then the rule; increments iterations(). Creates slot
  // variables lazily on first sight of a variable. Not recorded on any GradientTape.
  void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Variable>& variables);
  void apply_gradients(const std::vector<std::pair<Tensor, Variable>>& grads_and_vars);

  // The current learning rate (a schedule is evaluated at iterations()).
  double learning_rate() const;
  // Replaces the learning rate (a schedule by a constant too; Keras raises there instead).
  void set_learning_rate(double value);
  void set_learning_rate(std::shared_ptr<LearningRateSchedule> schedule);
  // The schedule, or null for a constant learning rate.
  std::shared_ptr<LearningRateSchedule> learning_rate_schedule() const { return schedule_; }

  std::int64_t iterations() const;
  void set_iterations(std::int64_t value);

  // Keras's order: iteration, learning_rate (when not a schedule), then the optimizer's own
  // variables (slots, Nadam's u_product) in creation order. Assigning to them restores a state.
  std::vector<Variable> variables() const;

  // Variables never decayed by weight_decay: these ones, and any whose name contains one of
  // `var_names` (Keras's exclude_from_weight_decay; Keras reads them as regular expressions, Strata
  // as plain substrings).
  void exclude_from_weight_decay(const std::vector<Variable>& var_list,
                                 const std::vector<std::string>& var_names = {});

  // Keras's layout: {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
  // "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
  // "gradient_accumulation_steps", ...the optimizer's own arguments}. A schedule is serialized as
  // Keras does ({"module", "class_name", "config", "registered_name"}).
  virtual Config get_config() const;
  // Keras's class name ("Adam", "SGD", ...), used by serialize().
  virtual std::string class_name() const = 0;
  const std::string& name() const { return name_; }

  std::optional<double> weight_decay() const { return weight_decay_; }
  std::optional<double> clipnorm() const { return clipnorm_; }
  std::optional<double> clipvalue() const { return clipvalue_; }
  std::optional<double> global_clipnorm() const { return global_clipnorm_; }

 protected:
  // Updates `variable` with its (clipped) gradient, cast to the variable's dtype.
  virtual void update_step(const Tensor& grad, Variable& variable, double learning_rate) = 0;
  // Runs once per apply_gradients before the update steps, with the variables about to be updated
  // (Nadam updates its u_product here).
  virtual void before_update_steps(const std::vector<Variable>& /*variables*/, double /*learning_rate*/) {}

  // The slot `slot_name` of `for_variable` (same shape, dtype and device, filled with `init`),
  // created on the first call and returned by later ones. Named "<variable name>_<slot_name>".
  Variable& add_slot(const Variable& for_variable, const std::string& slot_name, double init = 0.0);
  // An optimizer-level variable (e.g. Nadam's u_product), created once; later calls return it.
  Variable& add_variable(const std::string& name, const Tensor& initial_value);

  // The iteration count at the start of the current apply_gradients (Keras's `self.iterations`
  // inside update_step; the step number t of bias corrections is this + 1).
  std::int64_t current_iteration() const { return current_iteration_; }

  // The common arguments of get_config(), for subclasses that build their config from scratch.
  Config base_config() const;

 private:
  Tensor clip_gradient_by_norm(const Tensor& grad) const;
  void clip_by_global_norm(std::vector<Tensor>& grads) const;
  bool use_weight_decay(const Variable& variable) const;

  std::string name_;
  std::optional<double> weight_decay_, clipnorm_, clipvalue_, global_clipnorm_;
  std::shared_ptr<LearningRateSchedule> schedule_;
  Variable learning_rate_;  // float32 as Keras's; undefined while a schedule is in use
  Variable iterations_;     // int64
  std::int64_t current_iteration_ = 0;

  std::map<std::pair<std::uint64_t, std::string>, Variable> slots_;  // (variable id, slot name)
  std::map<std::string, Variable> own_variables_;
  std::vector<Variable> creation_order_;

  std::set<std::uint64_t> excluded_ids_;
  std::vector<std::string> excluded_patterns_;
};

}  // namespace strata::optimizers
