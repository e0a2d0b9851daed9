// Metrics given the mask of y_pred (update_state_masked): mean-wrapper metrics weight by it, as
// Keras 3's MeanMetricWrapper; the others ignore it, as Keras 3's. Reference numbers from
// tests/data/masked_training/make_reference.py.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "strata/strata.hpp"
#include "support/masked_reference.hpp"

namespace st = strata;

namespace {

const nlohmann::json& direct_reference() { return st::testing::masked_reference()["direct"]; }
using st::testing::reference_tensor;

}  // namespace

TEST_CASE("metrics: mean-wrapper metrics multiply sample_weight by the output mask") {
  const auto& ref = direct_reference();
  const st::Tensor mask = reference_tensor(ref["mask"], st::bool_);
  auto accuracy = st::metrics::SparseCategoricalAccuracy();
  accuracy->update_state_masked(reference_tensor(ref["labels"], st::int64), reference_tensor(ref["logits"]),
                                reference_tensor(ref["sample_weight"]), mask);
  CHECK(accuracy->result() == doctest::Approx(ref["sparse_categorical_accuracy_weighted"].get<double>()).epsilon(1e-12));

  auto mae = st::metrics::MeanAbsoluteError();
  mae->update_state_masked(reference_tensor(ref["mae_true"]), reference_tensor(ref["mae_pred"]), {}, mask);
  CHECK(mae->result() == doctest::Approx(ref["mae"].get<double>()).epsilon(1e-12));
  // Without a mask, update_state_masked is update_state.
  auto a = st::metrics::MeanAbsoluteError(), b = st::metrics::MeanAbsoluteError();
  a->update_state(reference_tensor(ref["mae_true"]), reference_tensor(ref["mae_pred"]));
  b->update_state_masked(reference_tensor(ref["mae_true"]), reference_tensor(ref["mae_pred"]), {}, {});
  CHECK(a->result() == b->result());
  CHECK(a->result() != doctest::Approx(ref["mae"].get<double>()).epsilon(1e-6));
}

TEST_CASE("metrics: other metric kinds ignore the output mask, as in Keras 3") {
  const st::Tensor y_true = st::Tensor::from_vector(std::vector<float>{1, 0, 1, 1, 0, 1}, {2, 3});
  const st::Tensor y_pred = st::Tensor::from_vector(std::vector<float>{0.9f, 0.8f, 0.2f, 0.7f, 0.6f, 0.1f}, {2, 3});
  const st::Tensor mask = st::cast(st::Tensor::from_vector(std::vector<float>{1, 0, 1, 1, 1, 0}, {2, 3}), st::bool_);
  auto plain = st::metrics::Precision(), masked = st::metrics::Precision();
  plain->update_state(y_true, y_pred);
  masked->update_state_masked(y_true, y_pred, {}, mask);
  CHECK(masked->result() == plain->result());
  CHECK(plain->result() == doctest::Approx(2.0 / 4.0));  // 4 predicted positives, 2 of them true
}
