#include "support/gradient_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

namespace strata::testing {
namespace {

std::vector<double> uniform_values(std::size_t count, double low, double high, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> dist(low, high);
  std::vector<double> values(count);
  for (auto& v : values) v = dist(engine);
  return values;
}

std::size_t element_count(const Shape& shape) { return static_cast<std::size_t>(shape.num_elements()); }

// sum(values * weights) on the host, in float64.
double weighted_sum(const Tensor& y, const std::vector<double>& weights) {
  const auto values = y.to_vector<double>();
  double total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) total += values[i] * weights[i];
  return total;
}

}  // namespace

Tensor f64(const std::vector<double>& values, const Shape& shape) {
  return Tensor::from_vector(values, shape, float64);
}

Tensor random_f64(const Shape& shape, double low, double high, std::uint64_t seed) {
  return f64(uniform_values(element_count(shape), low, high, seed), shape);
}

Tensor random_away_from_zero(const Shape& shape, double low, double high, std::uint64_t seed) {
  auto values = uniform_values(element_count(shape), low, high, seed);
  std::mt19937_64 engine(seed ^ 0x5eedULL);
  for (auto& v : values)
    if (engine() & 1U) v = -v;
  return f64(values, shape);
}

Tensor distinct_f64(const Shape& shape, double low, double high, std::uint64_t seed) {
  const std::size_t n = element_count(shape);
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i)
    values[i] = n == 1 ? low : low + (high - low) * static_cast<double>(i) / static_cast<double>(n - 1);
  std::mt19937_64 engine(seed);
  std::shuffle(values.begin(), values.end(), engine);
  return f64(values, shape);
}

void check_gradients(const TensorFunction& f, const std::vector<Tensor>& inputs,
                     const GradCheckOptions& options) {
  // The floating inputs are the ones we differentiate.
  std::vector<std::size_t> differentiated;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    REQUIRE_MESSAGE(inputs[i].defined(), "gradient check: input " << i << " is undefined");
    if (is_floating(inputs[i].dtype())) {
      REQUIRE_MESSAGE(inputs[i].dtype() == float64,
                      "gradient check: input " << i << " must be float64, is " << dtype_name(inputs[i].dtype()));
      differentiated.push_back(i);
    }
  }
  REQUIRE_MESSAGE(!differentiated.empty(), "gradient check: no floating input to differentiate");

  // The fixed weighting of the output elements.
  const Tensor probe = f(inputs);
  REQUIRE(probe.defined());
  REQUIRE_MESSAGE(probe.dtype() == float64,
                  "gradient check: output dtype is " << dtype_name(probe.dtype()) << ", expected float64");
  const auto weights = uniform_values(element_count(probe.shape()), 0.5, 1.5, options.weight_seed);
  const Tensor weight_tensor = f64(weights, probe.shape());

  // Analytic gradients.
  std::vector<Tensor> sources;
  for (auto i : differentiated) sources.push_back(inputs[i]);
  std::vector<Tensor> analytic;
  {
    GradientTape tape;
    tape.watch(sources);
    const Tensor y = f(inputs);
    REQUIRE_MESSAGE(y.defined(), "gradient check: f returned an undefined tensor under the tape");
    REQUIRE_MESSAGE(y.shape() == probe.shape(), "gradient check: f gave shape " << y.shape().to_string()
                                                  << " under the tape, " << probe.shape().to_string() << " without");
    const Tensor loss = sum(multiply(y, weight_tensor));
    analytic = tape.gradient(loss, sources);
  }
  REQUIRE(analytic.size() == sources.size());

  // Numeric gradients, element by element, and the comparison.
  for (std::size_t s = 0; s < differentiated.size(); ++s) {
    const std::size_t input_index = differentiated[s];
    const Tensor& x = inputs[input_index];
    const Tensor& grad = analytic[s];
    std::vector<double> analytic_values(element_count(x.shape()), 0.0);  // undefined = zero
    if (grad.defined()) {
      CHECK_MESSAGE(grad.shape() == x.shape(), "gradient check: gradient of input " << input_index << " has shape "
                                                  << grad.shape().to_string() << ", the input has "
                                                  << x.shape().to_string());
      CHECK_MESSAGE(grad.dtype() == x.dtype(), "gradient check: gradient of input " << input_index << " has dtype "
                                                  << dtype_name(grad.dtype()));
      if (grad.shape() != x.shape()) continue;
      analytic_values = grad.to_vector<double>();
    }

    const auto base = x.to_vector<double>();
    int reported = 0;
    int mismatches = 0;
    double worst = 0.0;
    for (std::size_t e = 0; e < base.size(); ++e) {
      auto evaluate = [&](double delta) {
        auto values = base;
        values[e] += delta;
        auto perturbed = inputs;
        perturbed[input_index] = f64(values, x.shape());
        return weighted_sum(f(perturbed), weights);
      };
      const double numeric = (evaluate(options.eps) - evaluate(-options.eps)) / (2.0 * options.eps);
      const double got = analytic_values[e];
      const double error = std::abs(got - numeric);
      const bool ok = std::isfinite(got) && error <= options.atol + options.rtol * std::abs(numeric);
      if (!ok) {
        ++mismatches;
        worst = std::max(worst, std::isfinite(error) ? error : HUGE_VAL);
        if (reported < options.max_reported) {
          ++reported;
          std::ostringstream msg;
          msg.precision(12);
          msg << "gradient check: input " << input_index << " (shape " << x.shape().to_string() << "), element "
              << e << ": analytic " << got << " vs numeric " << numeric
              << (grad.defined() ? "" : " (analytic gradient undefined, taken as 0)");
          FAIL_CHECK(msg.str());
        }
      }
    }
    if (mismatches > reported) {
      FAIL_CHECK("gradient check: input " << input_index << ": " << mismatches << " of " << base.size()
                                          << " elements mismatch, worst error " << worst);
    }
  }
}

}  // namespace strata::testing
