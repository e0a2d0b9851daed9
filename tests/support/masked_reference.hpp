#pragma once
// Reference data files of the tests, parsed once: the masked-training tests'
// tests/data/masked_training/reference.json (written by make_reference.py next to it: PyTorch, with
// Keras's formulas written out) and the losses' and metrics' tests/data/losses_metrics_reference.json.
#include <nlohmann/json.hpp>

#include "strata/framework/tensor.hpp"

namespace strata::testing {

// The whole file, parsed once.
const nlohmann::json& masked_reference();
const nlohmann::json& losses_metrics_reference();

// A tensor of j["data"] shaped j["shape"], cast to dtype.
Tensor reference_tensor(const nlohmann::json& j, DType dtype = float64);

}  // namespace strata::testing
