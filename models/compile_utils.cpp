#include "strata/models/compile_utils.hpp"

#include <algorithm>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/losses/losses.hpp"
#include "strata/metrics/metrics.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata {

OptimizerRef::OptimizerRef(const char* name) : ptr(optimizers::get(std::string(name))) {}
OptimizerRef::OptimizerRef(const std::string& name) : ptr(optimizers::get(name)) {}
LossRef::LossRef(const char* name) : ptr(losses::get(std::string(name))) {}
LossRef::LossRef(const std::string& name) : ptr(losses::get(name)) {}
LossRef::LossRef(std::function<Tensor(const Tensor&, const Tensor&)> fn) : ptr(losses::from_function(std::move(fn))) {}

namespace models {
namespace {

// Output i's mask, or none (a model without masks gives an empty list).
Tensor mask_of(const std::vector<Tensor>& masks, std::size_t i) { return i < masks.size() ? masks[i] : Tensor(); }

bool is_output(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

OutputHeads::OutputHeads(const CompileOptions& options, const std::vector<std::string>& names, bool per_output_logs,
                         const std::string& model_name)
    : metric_specs_(options.metrics), per_output_logs_(per_output_logs) {
  const std::string who = "compile: model '" + model_name + "'";
  const auto& spec = options.loss;
  if ((spec.list.size() > 1 || !spec.named.empty()) && names.size() < 2)
    throw ValueError("compile: a loss per output was given, but the model '" + model_name + "' has one output");
  if (spec.list.size() > 1 && spec.list.size() != names.size())
    throw ValueError(who + " has " + std::to_string(names.size()) + " outputs but " + std::to_string(spec.list.size()) +
                     " losses were given");
  for (const auto& [output, loss] : spec.named)
    if (!is_output(names, output))
      throw ValueError(who + ": a loss was given for '" + output + "', which is not one of its outputs");
  for (const auto& [output, list] : options.output_metrics)
    if (!is_output(names, output))
      throw ValueError(who + ": metrics were given for '" + output + "', which is not one of its outputs");
  if (!options.loss_weights.empty() && options.loss_weights.size() != names.size())
    throw ValueError(who + " has " + std::to_string(names.size()) + " outputs but " +
                     std::to_string(options.loss_weights.size()) + " loss_weights were given");
  loss_ = spec.list.empty() ? nullptr : spec.list[0].ptr;
  for (std::size_t i = 0; i < names.size(); ++i) {
    Head head;
    head.name = names[i];
    if (!spec.named.empty()) {
      if (auto it = spec.named.find(names[i]); it != spec.named.end()) head.loss = it->second.ptr;
    } else if (!spec.list.empty()) {
      head.loss = spec.list[spec.list.size() == 1 ? 0 : i].ptr;
    }
    head.weight = options.loss_weights.empty() ? 1.0 : options.loss_weights[i];
    head.metric_specs = options.metrics;
    if (auto it = options.output_metrics.find(names[i]); it != options.output_metrics.end())
      head.metric_specs.insert(head.metric_specs.end(), it->second.begin(), it->second.end());
    if (!loss_) loss_ = head.loss;
    heads_.push_back(std::move(head));
  }
}

std::vector<std::shared_ptr<metrics::Metric>> OutputHeads::metrics() const {
  std::vector<std::shared_ptr<metrics::Metric>> all;
  for (const auto& head : heads_) all.insert(all.end(), head.metrics.begin(), head.metrics.end());
  return all;
}

Tensor OutputHeads::compute_loss(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds,
                                 const Tensor& sample_weight, const std::vector<Tensor>& masks) {
  Tensor total;
  for (std::size_t i = 0; i < heads_.size(); ++i) {
    auto& head = heads_[i];
    head.last_loss = Tensor();
    if (!head.loss) continue;
    if (i >= ys.size() || i >= y_preds.size())
      throw ValueError("the loss of output '" + head.name + "' needs a target and a prediction; got " +
                       std::to_string(ys.size()) + " target(s) and " + std::to_string(y_preds.size()) + " prediction(s)");
    head.last_loss = (*head.loss)(ys[i], y_preds[i], sample_weight, mask_of(masks, i));
    Tensor weighted = head.weight == 1.0 ? head.last_loss : head.last_loss * head.weight;
    total = total.defined() ? total + weighted : weighted;
  }
  return total;
}

void OutputHeads::build(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds) {
  if (built_) return;
  for (std::size_t i = 0; i < heads_.size() && i < ys.size() && i < y_preds.size(); ++i) {
    auto& head = heads_[i];
    for (const auto& spec : head.metric_specs)
      head.metrics.push_back(spec.ptr ? spec.ptr
                                      : metrics::resolve(spec.name, head.loss ? head.loss->name() : "", ys[i].shape(),
                                                         y_preds[i].shape()));
  }
  built_ = true;
}

void OutputHeads::update(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds, const Tensor& sample_weight,
                         const std::vector<Tensor>& masks, const Tensor& loss, double samples) {
  autodiff::NoRecordScope no_record;
  build(ys, y_preds);
  auto tracker = [](Variable& v, const std::string& name) -> Variable& {
    if (!v.defined()) v = Variable(scalar(0.0, float64), {.name = name, .trainable = false});
    return v;
  };
  tracker(loss_sum_, "loss_sum").assign_add(cast(loss, float64) * samples);
  tracker(loss_count_, "loss_count").assign_add(scalar(samples, float64));
  for (std::size_t i = 0; i < heads_.size() && i < ys.size() && i < y_preds.size(); ++i) {
    auto& head = heads_[i];
    if (head.last_loss.defined()) tracker(head.loss_sum, head.name + "_loss_sum").assign_add(cast(head.last_loss, float64) * samples);
    head.last_loss = Tensor();
    for (auto& m : head.metrics) m->update_state_masked(ys[i], y_preds[i], sample_weight, mask_of(masks, i));
  }
}

callbacks::Logs OutputHeads::results() const {
  callbacks::Logs logs;
  const double count = loss_count_.defined() ? loss_count_.item<double>() : 0.0;
  if (count > 0) logs["loss"] = loss_sum_.item<double>() / count;
  for (const auto& head : heads_) {
    const std::string prefix = per_output_logs_ ? head.name + "_" : "";
    if (per_output_logs_ && count > 0) logs[prefix + "loss"] = (head.loss_sum.defined() ? head.loss_sum.item<double>() : 0.0) / count;
    for (const auto& m : head.metrics) logs[prefix + m->name()] = m->result();
  }
  return logs;
}

void OutputHeads::reset() {
  for (Variable* v : {&loss_sum_, &loss_count_})
    if (v->defined()) v->assign(scalar(0.0, float64));
  for (auto& head : heads_) {
    if (head.loss_sum.defined()) head.loss_sum.assign(scalar(0.0, float64));
    for (auto& m : head.metrics) m->reset_state();
  }
}

void OutputHeads::check_labels(const char* what, const std::vector<Tensor>& ys,
                               const std::function<std::int64_t(std::size_t)>& classes_of) const {
  for (std::size_t i = 0; i < heads_.size() && i < ys.size(); ++i) {
    const auto& head = heads_[i];
    if (!head.loss || head.loss->name() != "sparse_categorical_crossentropy" || !ys[i].defined() || ys[i].size() == 0)
      continue;
    const std::int64_t classes = classes_of(i);
    if (classes <= 0) continue;
    const std::string output = per_output_logs_ ? " of output '" + head.name + "'" : "";
    auto labels = cast(ys[i], int64).to_vector<std::int64_t>();
    for (std::size_t j = 0; j < labels.size(); ++j)
      if (labels[j] < 0 || labels[j] >= classes)
        throw ValueError(std::string(what) + ": label " + std::to_string(labels[j]) + " at index " + std::to_string(j) +
                         output + " is out of range for sparse_categorical_crossentropy with " +
                         std::to_string(classes) + " output classes (expected 0 to " + std::to_string(classes - 1) + ")");
  }
}

}  // namespace models
}  // namespace strata
