#pragma once
// The one shared gradient check of the test suite: analytic gradients from a strata::GradientTape
// against central finite differences, in float64.
//
//   check_gradients([](const std::vector<Tensor>& in) { return st::exp(in[0]) * in[1]; },
//                   {random_f64({2, 3}), random_f64({3})});
//
// A non-scalar output is reduced as sum(f(x) * w) with a fixed random weighting w, so every output
// element matters. Only floating (float64) inputs are differentiated; integer and bool inputs
// (indices, conditions) are passed through unchanged.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strata/strata.hpp"

namespace strata::testing {

struct GradCheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-6;  // |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-5;
  std::uint64_t weight_seed = 20240601;  // the fixed output weighting
  int max_reported = 5;                  // mismatching elements reported per input
};

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

void check_gradients(const TensorFunction& f, const std::vector<Tensor>& inputs,
                     const GradCheckOptions& options = {});

// float64 tensors for the checks.
Tensor f64(const std::vector<double>& values, const Shape& shape);
// Uniform values in [low, high), deterministic in `seed`.
Tensor random_f64(const Shape& shape, double low = -1.0, double high = 1.0, std::uint64_t seed = 7);
// Uniform magnitudes in [low, high) with random signs: values kept away from 0 (kinks of relu/abs).
Tensor random_away_from_zero(const Shape& shape, double low = 0.2, double high = 1.5,
                             std::uint64_t seed = 11);
// A random permutation of evenly spaced values: distinct (no ties for max/min), in [low, high].
Tensor distinct_f64(const Shape& shape, double low = -1.0, double high = 1.0, std::uint64_t seed = 13);

}  // namespace strata::testing
