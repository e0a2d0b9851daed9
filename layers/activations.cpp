#include "strata/layers/activations.hpp"

#include <map>

#include "strata/framework/errors.hpp"
#include "strata/framework/ops/activations.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::activations {

namespace {
const std::map<std::string, ActivationFn>& table() {
  static const std::map<std::string, ActivationFn> functions = {
      {"linear", nullptr},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"relu6", [](const Tensor& x) { return relu6(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"elu", [](const Tensor& x) { return elu(x); }},
      {"selu", [](const Tensor& x) { return selu(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x, false); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"hard_sigmoid", [](const Tensor& x) { return hard_sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"softplus", [](const Tensor& x) { return softplus(x); }},
      {"softsign", [](const Tensor& x) { return softsign(x); }},
      {"swish", [](const Tensor& x) { return swish(x); }},
      {"silu", [](const Tensor& x) { return swish(x); }},
      {"softmax", [](const Tensor& x) { return softmax(x, -1); }},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x, -1); }},
      {"exponential", [](const Tensor& x) { return exp(x); }},
  };
  return functions;
}
}  // namespace

Activation get(const std::string& name) {
  const std::string key = name.empty() || name == "None" ? "linear" : name;
  auto it = table().find(key);
  if (it == table().end()) {
    std::string known;
    for (const auto& [n, f] : table()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError("Unknown activation: '" + name + "'. Known activations: " + known);
  }
  return Activation{key, it->second};
}

}  // namespace strata::activations
