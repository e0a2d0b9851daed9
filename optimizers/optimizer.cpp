#include "strata/optimizers/optimizer.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/graph/function.hpp"
#include "strata/framework/graph/trace_hooks.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"
#include "strata/optimizers/detail/config_util.hpp"
#include "strata/optimizers/schedules.hpp"

namespace strata::optimizers {

namespace {

std::string optional_to_string(const std::optional<double>& v) { return v ? std::to_string(*v) : "None"; }

// The float32 learning-rate variable's value as the shortest decimal that reads back to the same
// float (so 0.001 stays 0.001 in configs rather than 0.0010000000474974513).
double float32_as_double(float value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  double out = value;
  std::from_chars(buffer, result.ptr, out);
  return out;
}

std::string slot_base_name(const std::string& variable_name) {
  std::string out = variable_name;
  for (char& c : out)
    if (c == '/' || c == ':') c = '_';
  return out;
}

}  // namespace

LearningRate::LearningRate(std::shared_ptr<LearningRateSchedule> schedule) : schedule_(std::move(schedule)) {
  if (!schedule_) throw ValueError("Argument `learning_rate` should be a float or a LearningRateSchedule; received null");
}

Optimizer::Optimizer(CommonOptions options)
    : name_(std::move(options.name)),
      weight_decay_(options.weight_decay),
      clipnorm_(options.clipnorm),
      clipvalue_(options.clipvalue),
      global_clipnorm_(options.global_clipnorm) {
  const int clip_args = int(clipnorm_.has_value()) + int(clipvalue_.has_value()) + int(global_clipnorm_.has_value());
  if (clip_args > 1)
    throw ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: clipnorm=" +
                     optional_to_string(clipnorm_) + ", clipvalue=" + optional_to_string(clipvalue_) +
                     ", global_clipnorm=" + optional_to_string(global_clipnorm_));
  iterations_ = Variable(Tensor(std::int64_t{0}), {.name = "iteration", .trainable = false});
  if (options.learning_rate.is_schedule())
    schedule_ = options.learning_rate.schedule();
  else
    set_learning_rate(options.learning_rate.value());
}

Optimizer::~Optimizer() = default;

// ------------------------------------------------------------------------------ state

double Optimizer::learning_rate() const {
  if (schedule_) return (*schedule_)(iterations());
  return float32_as_double(learning_rate_.item<float>());
}

void Optimizer::set_learning_rate(double value) {
  schedule_.reset();
  if (learning_rate_.defined())
    learning_rate_.assign(scalar(value, float32, learning_rate_.device()));
  else
    learning_rate_ = Variable(scalar(value, float32), {.name = "learning_rate", .trainable = false});
}

void Optimizer::set_learning_rate(std::shared_ptr<LearningRateSchedule> schedule) {
  if (!schedule) throw ValueError("set_learning_rate: the schedule is null");
  schedule_ = std::move(schedule);
  learning_rate_ = Variable();
}

std::int64_t Optimizer::iterations() const { return iterations_.item<std::int64_t>(); }

void Optimizer::set_iterations(std::int64_t value) { iterations_.assign(Tensor(value)); }

std::vector<Variable> Optimizer::variables() const {
  std::vector<Variable> out{iterations_};
  if (learning_rate_.defined()) out.push_back(learning_rate_);
  out.insert(out.end(), creation_order_.begin(), creation_order_.end());
  return out;
}

Variable& Optimizer::add_slot(const Variable& for_variable, const std::string& slot_name, double init) {
  auto key = std::make_pair(for_variable.id(), slot_name);
  auto it = slots_.find(key);
  if (it != slots_.end()) return it->second;
  Variable slot(full_like(for_variable, init),
                {.name = slot_base_name(for_variable.name()) + "_" + slot_name, .trainable = false});
  creation_order_.push_back(slot);
  return slots_.emplace(std::move(key), std::move(slot)).first->second;
}

Variable& Optimizer::add_variable(const std::string& name, const Tensor& initial_value) {
  auto it = own_variables_.find(name);
  if (it != own_variables_.end()) return it->second;
  Variable variable(initial_value, {.name = name, .trainable = false});
  creation_order_.push_back(variable);
  return own_variables_.emplace(name, std::move(variable)).first->second;
}

void Optimizer::exclude_from_weight_decay(const std::vector<Variable>& var_list,
                                          const std::vector<std::string>& var_names) {
  for (const auto& v : var_list) excluded_ids_.insert(v.id());
  excluded_patterns_.insert(excluded_patterns_.end(), var_names.begin(), var_names.end());
}

bool Optimizer::use_weight_decay(const Variable& variable) const {
  if (excluded_ids_.count(variable.id())) return false;
  for (const auto& pattern : excluded_patterns_)
    if (variable.name().find(pattern) != std::string::npos) return false;
  return true;
}

// ---------------------------------------------------------------------------- clipping

Tensor Optimizer::clip_gradient_by_norm(const Tensor& grad) const {
  // Keras: grad * clipnorm / max(||grad||, clipnorm), the factor computed on a 0-d tensor.
  const Tensor norm = strata::sqrt(sum(square(grad)));
  return grad * (*clipnorm_ / maximum(norm, *clipnorm_));
}

void Optimizer::clip_by_global_norm(std::vector<Tensor>& grads) const {
  Tensor squared;  // float64, so that variables of several dtypes add up
  for (const auto& g : grads) {
    Tensor s = cast(sum(square(g)), float64);
    squared = squared.defined() ? squared + s : s;
  }
  const Tensor norm = strata::sqrt(squared);
  const double clip = *global_clipnorm_;
  // Keras: clip * min(1 / norm, 1 / clip), made NaN when the norm is not finite.
  const Tensor scale = clip * minimum(1.0 / norm, 1.0 / clip) + (norm - norm);
  for (auto& g : grads) g = g * (g.dtype() == float64 ? scale : cast(scale, g.dtype()));
}

// ------------------------------------------------------------------------ one step

void Optimizer::apply_gradients(const std::vector<std::pair<Tensor, Variable>>& grads_and_vars) {
  std::vector<Tensor> grads;
  std::vector<Variable> variables;
  for (const auto& [g, v] : grads_and_vars) {
    grads.push_back(g);
    variables.push_back(v);
  }
  apply_gradients(grads, variables);
}

void Optimizer::apply_gradients(const std::vector<Tensor>& all_grads, const std::vector<Variable>& all_variables) {
  if (is_tracing()) {
    // The learning rate, the schedule and the step count are host values: a traced step runs the
    // update as a host step, at every replay, with that replay's gradients.
    std::vector<Tensor> grads;
    std::vector<Variable> variables;
    for (std::size_t i = 0; i < all_grads.size() && i < all_variables.size(); ++i)
      if (all_grads[i].defined()) grads.push_back(all_grads[i]), variables.push_back(all_variables[i]);
    if (grads.empty() || all_grads.size() != all_variables.size()) {
      graph::detail::SuspendTrace eager;  // the eager path reports the error
      return apply_gradients(all_grads, all_variables);
    }
    host_step("apply_gradients." + name_, grads,
              [this, variables](const std::vector<Tensor>& g) { apply_gradients(g, variables); });
    return;
  }
  autodiff::NoRecordScope no_record;
  if (all_grads.size() != all_variables.size())
    throw ValueError("Optimizer '" + name_ + "': received " + std::to_string(all_grads.size()) + " gradients for " +
                     std::to_string(all_variables.size()) + " variables; they must match one to one");
  if (all_grads.empty()) return;

  std::vector<Tensor> grads;
  std::vector<Variable> variables;
  for (std::size_t i = 0; i < all_grads.size(); ++i) {
    const Variable& v = all_variables[i];
    if (!v.defined()) throw ValueError("Optimizer '" + name_ + "': variable " + std::to_string(i) + " is undefined");
    Tensor g = all_grads[i];
    if (!g.defined()) continue;
    if (!is_floating(v.dtype()))
      throw DTypeError("Optimizer '" + name_ + "': variable '" + v.name() + "' has dtype " +
                       std::string(dtype_name(v.dtype())) + "; only floating-point variables can be optimized");
    if (g.shape() != v.shape())
      throw ShapeError("Optimizer '" + name_ + "': the gradient for variable '" + v.name() + "' has shape " +
                       g.shape().to_string() + " but the variable has shape " + v.shape().to_string());
    if (g.dtype() != v.dtype()) g = cast(g, v.dtype());
    grads.push_back(std::move(g));
    variables.push_back(v);
  }
  if (grads.empty()) throw ValueError("No gradients provided for any variable.");

  current_iteration_ = iterations();
  const double lr = learning_rate();

  if (clipnorm_ && *clipnorm_ > 0) {
    for (auto& g : grads) g = clip_gradient_by_norm(g);
  } else if (global_clipnorm_ && *global_clipnorm_ > 0) {
    clip_by_global_norm(grads);
  } else if (clipvalue_ && *clipvalue_ > 0) {
    for (auto& g : grads) g = clip(g, -*clipvalue_, *clipvalue_);
  }

  if (weight_decay_ && *weight_decay_ != 0) {
    // Keras: variable - variable * weight_decay * lr, as one multiply.
    const double keep = 1.0 - *weight_decay_ * lr;
    for (auto& v : variables)
      if (use_weight_decay(v)) v.assign(v * keep);
  }

  before_update_steps(variables, lr);
  for (std::size_t i = 0; i < grads.size(); ++i) update_step(grads[i], variables[i], lr);
  iterations_.assign(Tensor(current_iteration_ + 1));
}

// --------------------------------------------------------------------------- config

Config Optimizer::base_config() const {
  Config lr;
  if (schedule_)
    lr = schedules::serialize(*schedule_);
  else
    lr = float32_as_double(learning_rate_.item<float>());
  return {{"name", name_},
          {"learning_rate", lr},
          {"weight_decay", detail::optional_json(weight_decay_)},
          {"clipnorm", detail::optional_json(clipnorm_)},
          {"global_clipnorm", detail::optional_json(global_clipnorm_)},
          {"clipvalue", detail::optional_json(clipvalue_)},
          {"use_ema", false},
          {"ema_momentum", 0.99},
          {"ema_overwrite_frequency", nullptr},
          {"loss_scale_factor", nullptr},
          {"gradient_accumulation_steps", nullptr}};
}

Config Optimizer::get_config() const { return base_config(); }

}  // namespace strata::optimizers
