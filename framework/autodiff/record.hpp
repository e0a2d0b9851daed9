#pragma once
// How ops put themselves on the active tapes. Internal to the framework: an op checks whether any
// tape watches one of its inputs, and if so records a backward function written with ops.
#include <functional>
#include <initializer_list>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata::autodiff {

using Grads = std::vector<Tensor>;
// needs[i] says whether the gradient of input i is wanted, so a backward rule can skip work.
using Needs = std::vector<bool>;
// Maps the gradients of an op's outputs (one per output, never undefined) to the gradients of its
// inputs (one per input; undefined where the input gets none or needs[i] is false).
using BackwardFn = std::function<Grads(const Grads& output_grads, const Needs& needs)>;

// True when some tape of this thread is recording (cheap; no tape means no recording).
bool is_recording();

// True when some recording tape of this thread watches one of `inputs` (cheap when no tape exists).
bool is_watched(std::initializer_list<const Tensor*> inputs);
bool is_watched(const std::vector<Tensor>& inputs);

// Records an op on every recording tape that watches one of its inputs.
void record(const char* op_name, std::vector<Tensor> inputs, std::vector<Tensor> outputs,
            BackwardFn backward);

// Suspends recording on every tape of this thread (while a tape computes gradients, or inside
// custom_gradient).
class NoRecordScope {
 public:
  NoRecordScope();
  ~NoRecordScope();
  NoRecordScope(const NoRecordScope&) = delete;
  NoRecordScope& operator=(const NoRecordScope&) = delete;
};

}  // namespace strata::autodiff
