#pragma once
// The reference data of the masked-training tests: tests/data/masked_training/reference.json,
// written by make_reference.py next to it (PyTorch, with Keras's formulas written out).
#include <nlohmann/json.hpp>

#include "strata/framework/tensor.hpp"

namespace strata::testing {

// The whole file, parsed once.
const nlohmann::json& masked_reference();

// A tensor of j["data"] shaped j["shape"], cast to dtype.
Tensor reference_tensor(const nlohmann::json& j, DType dtype = float64);

}  // namespace strata::testing
