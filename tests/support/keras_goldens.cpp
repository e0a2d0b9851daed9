#include "support/keras_goldens.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace strata::testing {

Tensor json_tensor(const nlohmann::json& j, bool with_batch) {
  std::vector<std::int64_t> dims;
  if (with_batch) dims.push_back(1);
  for (const auto& d : j.at("shape")) dims.push_back(d.get<std::int64_t>());
  return Tensor::from_vector(j.at("data").get<std::vector<float>>(), Shape(dims));
}

bool GoldenTally::compare(const std::string& key, const Tensor& actual, const Tensor& expected) {
  ++ran;
  if (actual.shape() != expected.shape()) {
    FAIL_CHECK(key << ": shape " << actual.shape().to_string() << ", expected " << expected.shape().to_string());
    return false;
  }
  const auto a = actual.to_vector<float>(), e = expected.to_vector<float>();
  // Keras computed the goldens in float32, so an element carries rounding error on the scale of the
  // values it was summed from, not only of itself: a small output next to large ones may be off by
  // ~1e-6 of the tensor's largest value (graph_07: Keras's 0.127956 where float64 gives 0.127941,
  // beside outputs up to 23.8). Hence the third term.
  double scale = 0;
  for (float v : e) scale = std::max(scale, std::abs(double(v)));
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double err = std::abs(double(a[i]) - double(e[i]));
    if (err > worst) worst = err, worst_case = key;
    if (err > std::max({1e-5, 1e-4 * std::abs(double(e[i])), 1e-6 * scale})) {
      FAIL_CHECK(key << ": element " << i << " is " << a[i] << ", Keras gave " << e[i]);
      return false;
    }
  }
  ++passed;
  return true;
}

}  // namespace strata::testing
