#include "strata/framework/ops/creation.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "strata/framework/ops/op_support.hpp"

namespace strata {

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype, default_device());
  if (t.size()) t.impl()->backend().fill(t.impl()->out(), value);
  return t;
}

Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor scalar(double value, DType dtype, const Device& device) {
  Tensor t = empty(Shape{}, dtype, device);
  t.impl()->backend().fill(t.impl()->out(), value);
  return t;
}

Tensor full_like(const Tensor& x, double value) {
  detail::check_defined("full_like", x);
  Tensor t = empty(x.shape(), x.dtype(), x.device());
  if (t.size()) t.impl()->backend().fill(t.impl()->out(), value);
  return t;
}
Tensor zeros_like(const Tensor& x) { return full_like(x, 0.0); }
Tensor ones_like(const Tensor& x) { return full_like(x, 1.0); }

Tensor arange(double start, double stop, double step, DType dtype) {
  if (step == 0) throw ValueError("arange: step must not be zero");
  const double count = std::ceil((stop - start) / step);
  const auto n = static_cast<std::size_t>(count > 0 ? count : 0);
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = start + static_cast<double>(i) * step;
  return Tensor::from_host(values.data(), float64, n, Shape{static_cast<std::int64_t>(n)}, dtype);
}

Tensor arange(std::int64_t stop, DType dtype) { return arange(0.0, static_cast<double>(stop), 1.0, dtype); }

Tensor linspace(double start, double stop, std::int64_t num, DType dtype) {
  if (num < 0) throw ValueError("linspace: num must be non-negative, got " + std::to_string(num));
  std::vector<double> values(static_cast<std::size_t>(num));
  const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  for (std::int64_t i = 0; i < num; ++i) values[static_cast<std::size_t>(i)] = start + static_cast<double>(i) * step;
  if (num > 1) values.back() = stop;
  return Tensor::from_host(values.data(), float64, values.size(), Shape{num}, dtype);
}

Tensor eye(std::int64_t n, std::int64_t m, DType dtype) {
  if (m < 0) m = n;
  if (n < 0) throw ValueError("eye: n must be non-negative, got " + std::to_string(n));
  std::vector<double> values(static_cast<std::size_t>(n * m), 0.0);
  for (std::int64_t i = 0; i < std::min(n, m); ++i) values[static_cast<std::size_t>(i * m + i)] = 1.0;
  return Tensor::from_host(values.data(), float64, values.size(), Shape{n, m}, dtype);
}

}  // namespace strata
