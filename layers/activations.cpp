#include "strata/layers/activations.hpp"

#include <map>

#include "strata/framework/errors.hpp"
#include "strata/framework/ops/activations.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::activations {

namespace {

// Keras 1/2 and tf.keras 2's hard_sigmoid (Keras 3's is relu6(x + 3) / 6, the op hard_sigmoid).
Tensor keras2_hard_sigmoid(const Tensor& x) { return clip(x * 0.2 + 0.5, 0.0, 1.0); }

// The formulas below are those of Keras 3's keras/src/backend/numpy/nn.py, written with
// differentiable ops.
Tensor celu(const Tensor& x) { return maximum(x, 0.0) + expm1(minimum(x, 0.0)); }  // alpha = 1

Tensor glu(const Tensor& x) {
  const std::int64_t n = x.rank() > 0 ? x.shape()[x.rank() - 1] : 0;
  if (x.rank() == 0 || n % 2 != 0)
    throw ValueError("glu: axis size must be divisible by 2. Received: x.shape=" + x.shape().to_string() + " with axis=-1");
  return slice(x, -1, 0, n / 2) * sigmoid(slice(x, -1, n / 2, n));
}

Tensor hard_shrink(const Tensor& x) { return where(abs(x) > 0.5, x, zeros_like(x)); }

Tensor soft_shrink(const Tensor& x) {
  return where(x > 0.5, x - 0.5, where(x < -0.5, x + 0.5, zeros_like(x)));
}

Tensor sparse_plus(const Tensor& x) {
  return where(x <= -1.0, zeros_like(x), where(x < 1.0, square(x + 1.0) * 0.25, x));
}

Tensor sparse_sigmoid(const Tensor& x) {
  return where(x <= -1.0, zeros_like(x), where(x >= 1.0, full_like(x, 1.0), (x + 1.0) * 0.5));
}

Tensor squareplus(const Tensor& x) { return (x + sqrt(square(x) + 4.0)) * 0.5; }  // b = 4

// Over the last axis, as keras.activations.sparsemax(x, axis=-1): max(x - tau, 0), tau from the
// support {i : 1 + k_i x_i > sum of the x_j >= x_i} with k_i = #{j : x_j >= x_i} (the sorted form
// of Martins & Astudillo's algorithm, written with pairwise comparisons instead of a sort).
Tensor sparsemax(const Tensor& x) {
  if (x.rank() == 0) throw ValueError("sparsemax: expected an input of rank >= 1, got a scalar");
  const Tensor xi = expand_dims(x, -1), xj = expand_dims(x, -2);
  const Tensor above = cast(xj >= xi, x.dtype());  // [..., i, j]: x_j >= x_i
  const Tensor k = sum(above, {-1});
  const Tensor s = sum(above * xj, {-1});
  const Tensor support = cast(k * x + 1.0 > s, x.dtype());
  const Tensor tau = (sum(support * x, {-1}, true) - 1.0) / sum(support, {-1}, true);
  return maximum(x - tau, 0.0);
}

const std::map<std::string, ActivationFn>& table() {
  static const std::map<std::string, ActivationFn> functions = {
      {"linear", nullptr},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"relu6", [](const Tensor& x) { return relu6(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"elu", [](const Tensor& x) { return elu(x); }},
      {"selu", [](const Tensor& x) { return selu(x); }},
      {"celu", celu},
      {"gelu", [](const Tensor& x) { return gelu(x, false); }},
      {"glu", glu},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"hard_sigmoid", [](const Tensor& x) { return hard_sigmoid(x); }},
      {"sparse_sigmoid", sparse_sigmoid},
      {"log_sigmoid", [](const Tensor& x) { return -softplus(-x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"hard_tanh", [](const Tensor& x) { return clip(x, -1.0, 1.0); }},
      {"tanh_shrink", [](const Tensor& x) { return x - tanh(x); }},
      {"hard_shrink", hard_shrink},
      {"soft_shrink", soft_shrink},
      {"softplus", [](const Tensor& x) { return softplus(x); }},
      {"sparse_plus", sparse_plus},
      {"squareplus", squareplus},
      {"softsign", [](const Tensor& x) { return softsign(x); }},
      {"swish", [](const Tensor& x) { return swish(x); }},
      {"silu", [](const Tensor& x) { return swish(x); }},
      {"hard_silu", [](const Tensor& x) { return x * hard_sigmoid(x); }},
      {"hard_swish", [](const Tensor& x) { return x * hard_sigmoid(x); }},
      {"mish", [](const Tensor& x) { return x * tanh(softplus(x)); }},
      {"softmax", [](const Tensor& x) { return softmax(x, -1); }},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x, -1); }},
      {"sparsemax", sparsemax},
      {"exponential", [](const Tensor& x) { return exp(x); }},
  };
  return functions;
}
}  // namespace

Activation get(const std::string& name) { return get(name, keras_version::current()); }

Activation get(const std::string& name, const keras_version::Version& version) {
  const std::string key = name.empty() || name == "None" ? "linear" : name;
  if (key == "hard_sigmoid" && keras_version::keras2_hard_sigmoid(version))
    return Activation{key, keras2_hard_sigmoid, version.text};
  auto it = table().find(key);
  if (it == table().end()) {
    std::string known;
    for (const auto& [n, f] : table()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError("Unknown activation: '" + name + "'. Known activations: " + known);
  }
  return Activation{key, it->second, ""};
}

std::string serialize(const Activation& activation) {
  if (activation.name == "hard_sigmoid")
    keras_version::note("hard_sigmoid", keras_version::keras2_hard_sigmoid, !activation.keras_version.empty(),
                        activation.keras_version);
  return activation.name;
}

}  // namespace strata::activations
