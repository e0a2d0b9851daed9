#include "strata/framework/ops/activations.hpp"

#include <cmath>
#include <numbers>

#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/op_support.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata {

using namespace detail;
using backend::UnaryOp;

namespace {

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

Tensor mask(const Tensor& condition, const Tensor& like) { return cast(condition, like.dtype()); }

}  // namespace

Tensor relu(const Tensor& x) {
  return differentiable_unary(UnaryOp::relu, "relu", x, [](const Tensor& x, const Tensor&) { return mask(x > 0, x); });
}

Tensor relu6(const Tensor& x) {
  return differentiable_unary(UnaryOp::relu6, "relu6", x,
                    [](const Tensor& x, const Tensor&) { return mask(logical_and(x > 0, x < 6), x); });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return differentiable_unary(
      UnaryOp::leaky_relu, "leaky_relu", x,
      [negative_slope](const Tensor& x, const Tensor&) {
        return where(x > 0, ones_like(x), full_like(x, negative_slope));
      },
      negative_slope);
}

Tensor elu(const Tensor& x, double alpha) {
  return differentiable_unary(
      UnaryOp::elu, "elu", x,
      [alpha](const Tensor& x, const Tensor& y) { return where(x > 0, ones_like(x), y + alpha); }, alpha);
}

Tensor selu(const Tensor& x) {
  return differentiable_unary(UnaryOp::selu, "selu", x, [](const Tensor& x, const Tensor& y) {
    return where(x > 0, full_like(x, kSeluScale), y + kSeluScale * kSeluAlpha);
  });
}

Tensor gelu(const Tensor& x, bool approximate) {
  if (!approximate)
    return differentiable_unary(UnaryOp::gelu, "gelu", x, [](const Tensor& x, const Tensor&) {
      // Phi(x) + x * phi(x)
      const double inv_sqrt2 = 1.0 / std::numbers::sqrt2;
      const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * std::numbers::pi);
      return 0.5 * (1 + erf(x * inv_sqrt2)) + x * (inv_sqrt_2pi * exp(-0.5 * square(x)));
    });
  return differentiable_unary(UnaryOp::gelu_tanh, "gelu", x, [](const Tensor& x, const Tensor&) {
    const double c = std::sqrt(2.0 / std::numbers::pi);
    Tensor t = tanh(c * (x + 0.044715 * x * square(x)));
    return 0.5 * (1 + t) + 0.5 * x * (1 - square(t)) * (c * (1 + 3 * 0.044715 * square(x)));
  });
}

Tensor sigmoid(const Tensor& x) {
  return differentiable_unary(UnaryOp::sigmoid, "sigmoid", x, [](const Tensor&, const Tensor& y) { return y * (1 - y); });
}

Tensor hard_sigmoid(const Tensor& x) {
  return differentiable_unary(UnaryOp::hard_sigmoid, "hard_sigmoid", x, [](const Tensor& x, const Tensor&) {
    return mask(logical_and(x > -3, x < 3), x) / 6;
  });
}

Tensor tanh(const Tensor& x) {
  return differentiable_unary(UnaryOp::tanh, "tanh", x, [](const Tensor&, const Tensor& y) { return 1 - square(y); });
}

Tensor softplus(const Tensor& x) {
  return differentiable_unary(UnaryOp::softplus, "softplus", x, [](const Tensor& x, const Tensor&) { return sigmoid(x); });
}

Tensor softsign(const Tensor& x) {
  return differentiable_unary(UnaryOp::softsign, "softsign", x,
                    [](const Tensor& x, const Tensor&) { return reciprocal(square(1 + abs(x))); });
}

Tensor swish(const Tensor& x) {
  return differentiable_unary(UnaryOp::swish, "swish", x, [](const Tensor& x, const Tensor&) {
    Tensor s = sigmoid(x);
    return s * (1 + x * (1 - s));
  });
}

namespace {
Tensor softmax_kernel(const char* name, const Tensor& x, int axis, bool log) {
  check_floating(name, x);
  const int ax = normalize_axis(axis, x.rank(), name, x.shape());
  Tensor y = empty(x.shape(), x.dtype(), x.device());
  backend_of(x).softmax(x.impl()->in(), ax, log, y.impl()->out());
  record_if(name, {x}, y, [y, ax, log](const Grads& g, const Needs&) -> Grads {
    if (log) return {g[0] - exp(y) * sum(g[0], ax, true)};
    return {y * (g[0] - sum(g[0] * y, ax, true))};
  });
  return y;
}
}  // namespace

Tensor softmax(const Tensor& x, int axis) { return softmax_kernel("softmax", x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_kernel("log_softmax", x, axis, true); }

}  // namespace strata
