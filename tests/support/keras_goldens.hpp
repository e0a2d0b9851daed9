#pragma once
// The keras-js goldens (../shared/fixtures/keras/kerasjs_layer_goldens_k2.0: Keras 2.0 outputs of
// single layers, small graphs and pipelines): a tensor from a case's {"data", "shape"} entry, and
// the one comparison with Keras's output that every golden test uses.
#include <string>

#include <nlohmann/json.hpp>

#include "strata/framework/tensor.hpp"

namespace strata::testing {

// A float32 tensor of j["data"] shaped j["shape"]; with_batch puts a batch axis of 1 in front
// (the goldens hold model.predict(np.array([input]))[0]).
Tensor json_tensor(const nlohmann::json& j, bool with_batch);

// Counts the cases compared and keeps the worst absolute error.
struct GoldenTally {
  int ran = 0, passed = 0;
  double worst = 0;
  std::string worst_case;
  // Same shape, and every element within max(1e-5, 1e-4 |expected|) (the goldens are rounded to 6
  // decimals); a failed check names the case and the first element out of tolerance.
  bool compare(const std::string& key, const Tensor& actual, const Tensor& expected);
};

}  // namespace strata::testing
