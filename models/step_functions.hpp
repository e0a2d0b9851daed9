#pragma once
// The traced steps behind fit / evaluate / predict (Keras's make_train_function): one st::function
// per step kind and batch layout, over the model's (overridable) train_step / test_step /
// predict_step. Internal to models/.
#include <map>
#include <string>
#include <vector>

#include "strata/framework/graph/function.hpp"
#include "strata/models/data_adapter.hpp"

namespace strata {
class Model;
}

namespace strata::models {

class StepFunctions {
 public:
  // `batches` run as one graph call (steps_per_execution); their train_step logs are read after it.
  void train(Model& model, const std::vector<Batch>& batches);
  void test(Model& model, const std::vector<Batch>& batches);
  // The outputs of predict_step (`one_to_one`: a model of one input and one output, predict_step's
  // override point) or of the forward pass.
  std::vector<Tensor> predict(Model& model, const std::vector<Tensor>& xs, bool one_to_one);
  void reset() { functions_.clear(); }
  // For tests and the benchmarks: how many signatures each step has traced.
  int trace_count(const std::string& kind) const;

 private:
  Function& function_for(const std::string& key, Function::Callable callable, const std::string& name);
  // One traced function per batch layout over `step` (train_step or test_step) of each batch.
  void run_steps(const char* kind, Model& model, const std::vector<Batch>& batches,
                 void (*step)(Model&, const Batch&));
  std::map<std::string, Function> functions_;
};

}  // namespace strata::models
