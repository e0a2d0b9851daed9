#pragma once
// predict's compiled forward pass. A Sequential or Functional model's layer calls are resolved once
// into steps over numbered slots, so that a predict call pays no per-layer dispatch (training
// scopes, build checks, op argument checks, tape lookups, graph maps, fresh output tensors).
// Dense, Flatten and Dropout (an identity at inference) run directly on the backend, Dense into an
// output buffer kept from call to call; every other layer runs through its own call, so any model
// works and is faster where the plan knows the layer. The kernels and their order are those of the
// normal path, so the results are the same bits.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {
class Model;
}

namespace strata::models {

class InferencePlan;

// `model`'s outputs on `inputs` at inference (training false, nothing recorded), through the plan
// kept in `plan` (made on first use, remade when a Sequential's layers change). std::nullopt when
// the model is not planned: a subclassed model or a class that overrides call, layers not built
// yet, inputs the model would cast or reject (the normal path then raises the usual error), or a
// plan in use by another thread. The caller then runs the model as usual.
std::optional<std::vector<Tensor>> run_inference_plan(Model& model, std::shared_ptr<InferencePlan>& plan,
                                                      const std::vector<Tensor>& inputs);
// One input, one output.
std::optional<Tensor> run_inference_plan(Model& model, std::shared_ptr<InferencePlan>& plan, const Tensor& x);

// How a plan runs each layer, for tests: "dense", "reshape", "identity" or "layer" (its own call).
std::vector<std::string> inference_plan_steps(const InferencePlan& plan);

}  // namespace strata::models
