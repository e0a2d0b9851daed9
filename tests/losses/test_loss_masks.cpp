// A loss called with the mask of y_pred (Keras's y_pred._keras_mask): reference numbers from
// tests/data/masked_training/make_reference.py (PyTorch, Keras's reduce_weighted_values written out).
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

TEST_CASE("losses: the output mask weights each reduction as Keras's apply_mask, alone and with sample_weight") {
  const auto& ref = direct_reference();
  const st::Tensor logits = reference_tensor(ref["logits"]);
  const st::Tensor labels = reference_tensor(ref["labels"], st::int64);
  const st::Tensor mask = reference_tensor(ref["mask"], st::bool_);
  const st::Tensor weight = reference_tensor(ref["sample_weight"]);  // (batch, 1)
  for (const std::string reduction : {"sum_over_batch_size", "sum", "mean_with_sample_weight"}) {
    INFO(reduction);
    auto loss = st::losses::SparseCategoricalCrossentropy(
        {.from_logits = true, .reduction = st::losses::reduction_from_name(reduction)});
    CHECK((*loss)(labels, logits, {}, mask).item<double>() ==
          doctest::Approx(ref[reduction].get<double>()).epsilon(1e-12));
    CHECK((*loss)(labels, logits, weight, mask).item<double>() ==
          doctest::Approx(ref[reduction + "_weighted"].get<double>()).epsilon(1e-12));
  }
  // reduction "none": the per-step values times the mask (no rescaling).
  auto none = st::losses::SparseCategoricalCrossentropy({.from_logits = true, .reduction = st::losses::Reduction::none});
  const auto plain = (*none)(labels, logits).to_vector<double>();
  const auto masked = (*none)(labels, logits, {}, mask).to_vector<double>();
  const auto m = st::cast(mask, st::float64).to_vector<double>();
  REQUIRE(masked.size() == plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) CHECK(masked[i] == plain[i] * m[i]);
  // Everything masked: the loss is 0, not NaN (divide_no_nan).
  auto mean = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  CHECK((*mean)(labels, logits, {}, st::zeros_like(mask)).item<double>() == 0.0);
}

TEST_CASE("losses: ignore_class and the output mask combine (logical and)") {
  const auto& ref = direct_reference();
  auto loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true, .ignore_class = 2});
  const double value = (*loss)(reference_tensor(ref["labels"], st::int64), reference_tensor(ref["logits"]), {},
                               reference_tensor(ref["mask"], st::bool_))
                           .item<double>();
  CHECK(value == doctest::Approx(ref["ignore_class_2"].get<double>()).epsilon(1e-12));
}

TEST_CASE("losses: a sample_weight that does not fit the output mask is a ShapeError naming both shapes") {
  const auto& ref = direct_reference();
  auto loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  const st::Tensor weight = st::ones({3}, st::float64);  // batch is 2
  std::string message;
  try {
    (void)(*loss)(reference_tensor(ref["labels"], st::int64), reference_tensor(ref["logits"]), weight,
                  reference_tensor(ref["mask"], st::bool_));
  } catch (const st::ShapeError& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("sparse_categorical_crossentropy") != std::string::npos);
  CHECK(message.find("sample_weight of shape (3,)") != std::string::npos);
  CHECK(message.find("output mask of shape (2, 4)") != std::string::npos);
}
