#include "strata/models/step_functions.hpp"

#include "strata/framework/autodiff/record.hpp"
#include "strata/models/model.hpp"

namespace strata::models {

namespace {

// A batch as the flat list of tensors a traced function takes, and its layout as a key.
struct Layout {
  std::size_t xs = 0, ys = 0;
  bool weights = false;
  std::size_t batches = 1;
  std::string key(const char* kind) const {
    return std::string(kind) + ":" + std::to_string(xs) + "," + std::to_string(ys) + "," + (weights ? "w" : "-") + "x" +
           std::to_string(batches);
  }
};

Layout layout_of(const std::vector<Batch>& batches) {
  const Batch& b = batches.front();
  return {b.xs.size(), b.ys.size(), b.sample_weight.defined(), batches.size()};
}

std::vector<Tensor> flatten(const std::vector<Batch>& batches) {
  std::vector<Tensor> flat;
  for (const auto& b : batches) {
    flat.insert(flat.end(), b.xs.begin(), b.xs.end());
    flat.insert(flat.end(), b.ys.begin(), b.ys.end());
    if (b.sample_weight.defined()) flat.push_back(b.sample_weight);
  }
  return flat;
}

std::vector<Batch> unflatten(const std::vector<Tensor>& flat, const Layout& layout) {
  std::vector<Batch> batches;
  auto it = flat.begin();
  for (std::size_t i = 0; i < layout.batches; ++i) {
    std::vector<Tensor> xs(it, it + static_cast<std::ptrdiff_t>(layout.xs));
    it += static_cast<std::ptrdiff_t>(layout.xs);
    std::vector<Tensor> ys(it, it + static_cast<std::ptrdiff_t>(layout.ys));
    it += static_cast<std::ptrdiff_t>(layout.ys);
    Tensor weights = layout.weights ? *it++ : Tensor();
    batches.emplace_back(std::move(xs), std::move(ys), std::move(weights));
  }
  return batches;
}

}  // namespace

Function& StepFunctions::function_for(const std::string& key, Function::Callable callable, const std::string& name) {
  auto it = functions_.find(key);
  if (it == functions_.end()) it = functions_.emplace(key, Function(std::move(callable), {.name = name})).first;
  return it->second;
}

void StepFunctions::run_steps(const char* kind, Model& model, const std::vector<Batch>& batches,
                              void (*step)(Model&, const Batch&)) {
  const Layout layout = layout_of(batches);
  auto& f = function_for(
      layout.key(kind),
      [&model, layout, step](const std::vector<Tensor>& flat) {
        for (const auto& batch : unflatten(flat, layout)) step(model, batch);
        return std::vector<Tensor>{};
      },
      model.name() + "." + kind + "_step");
  f(flatten(batches));
}

void StepFunctions::train(Model& model, const std::vector<Batch>& batches) {
  run_steps("train", model, batches, [](Model& m, const Batch& b) { m.train_step(b); });
}

void StepFunctions::test(Model& model, const std::vector<Batch>& batches) {
  run_steps("test", model, batches, [](Model& m, const Batch& b) { m.test_step(b); });
}

std::vector<Tensor> StepFunctions::predict(Model& model, const std::vector<Tensor>& xs, bool one_to_one) {
  auto& f = function_for(
      "predict:" + std::to_string(xs.size()) + (one_to_one ? "" : "*"),
      [&model, one_to_one](const std::vector<Tensor>& in) -> std::vector<Tensor> {
        if (one_to_one) return {model.predict_step(in[0])};
        autodiff::NoRecordScope no_record;
        return model.apply(in, false);
      },
      model.name() + ".predict_step");
  return f(xs);
}

int StepFunctions::trace_count(const std::string& kind) const {
  int n = 0;
  for (const auto& [key, f] : functions_)
    if (key.rfind(kind + ":", 0) == 0) n += f.trace_count();
  return n;
}

}  // namespace strata::models
