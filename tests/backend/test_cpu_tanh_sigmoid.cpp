// The CPU's float32 tanh and sigmoid (backend/cpu/tanh_simd.hpp, eager and fused): within a few
// ulp of the exact functions over the whole float range, exact at their limits (0, -0, +-1, NaN),
// and the same value for an element wherever it sits in a buffer (a tail goes through batch code).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "backend/backend_test_util.hpp"
#include "strata/backend/kernel_checks.hpp"

using namespace backend_test;
using sb::UnaryOp;

namespace {

std::vector<float> cpu_unary(UnaryOp op, const std::vector<float>& x) {
  const auto n = static_cast<std::int64_t>(x.size());
  const std::size_t bytes = x.size() * sizeof(float);
  auto* in = static_cast<float*>(cpu().allocate(bytes));
  auto* out = static_cast<float*>(cpu().allocate(bytes));
  std::memcpy(in, x.data(), bytes);
  cpu().unary(op, {in, strata::Shape{n}, strata::DType::float32},
              {out, strata::Shape{n}, strata::DType::float32}, 0.0);
  std::vector<float> y(out, out + n);
  cpu().deallocate(in, bytes);
  cpu().deallocate(out, bytes);
  return y;
}

// |got - exact| in units of the float spacing at the exact value.
double ulp_error(float got, double exact) {
  const auto rounded = static_cast<float>(exact);
  if (got == rounded) return 0.0;
  const float mag = std::fabs(rounded);
  const float spacing = mag == 0.0f ? std::numeric_limits<float>::denorm_min() : std::nextafter(mag, 2.0f) - mag;
  return std::fabs(static_cast<double>(got) - exact) / spacing;
}

std::vector<float> cpu_tanh(const std::vector<float>& x) { return cpu_unary(UnaryOp::tanh, x); }

// Every magnitude from the smallest subnormal to the largest float, both signs.
std::vector<float> sweep() {
  std::vector<float> x;
  for (std::uint32_t bits = 1; bits < 0x7f800000u; bits += 997) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    x.push_back(f);
    x.push_back(-f);
  }
  for (float v = -12.0f; v <= 12.0f; v += 1.0f / 1024) x.push_back(v);  // where they bend, densely
  return x;
}

}  // namespace

TEST_CASE("cpu float32 tanh: within 3 ulp of the exact tanh from subnormals to overflow") {
  const auto x = sweep();
  const auto y = cpu_tanh(x);
  double worst = 0.0;
  float worst_at = 0.0f;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double error = ulp_error(y[i], std::tanh(static_cast<double>(x[i])));
    if (error > worst) worst = error, worst_at = x[i];
  }
  INFO("worst " << worst << " ulp at x = " << worst_at);
  CHECK(worst <= 3.0);
}

TEST_CASE("cpu float32 sigmoid: within 3 ulp of 1 / (1 + exp(-x)) down to the subnormal results") {
  const auto x = sweep();
  const auto y = cpu_unary(UnaryOp::sigmoid, x);
  double worst = 0.0;
  float worst_at = 0.0f;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    if (exact < std::numeric_limits<float>::min()) {
      // Below x = -87.3 the result is subnormal: 0 from x = -88.4 on, as 1 / (1 + exp(-x)) gives.
      CHECK(y[i] <= std::numeric_limits<float>::min());
      continue;
    }
    const double error = ulp_error(y[i], exact);
    if (error > worst) worst = error, worst_at = x[i];
  }
  INFO("worst " << worst << " ulp at x = " << worst_at);
  CHECK(worst <= 3.0);
  const float inf = std::numeric_limits<float>::infinity();
  const auto limits = cpu_unary(UnaryOp::sigmoid, {0.0f, -0.0f, 20.0f, 100.0f, -100.0f, inf, -inf, std::nanf("")});
  CHECK(limits[0] == 0.5f);
  CHECK(limits[1] == 0.5f);
  CHECK(limits[2] == 1.0f);
  CHECK(limits[3] == 1.0f);
  CHECK(limits[4] == 0.0f);
  CHECK(limits[5] == 1.0f);
  CHECK(limits[6] == 0.0f);
  CHECK(std::isnan(limits[7]));
}

TEST_CASE("cpu float32 tanh: signed zeros, saturation, infinities, NaN, tiny values") {
  const float inf = std::numeric_limits<float>::infinity(), tiny = std::numeric_limits<float>::denorm_min();
  const std::vector<float> x{0.0f, -0.0f, 9.5f, -9.5f, 50.0f, -1e30f, inf, -inf, std::nanf(""), tiny, -tiny, 1e-20f};
  const auto y = cpu_tanh(x);
  CHECK((y[0] == 0.0f && !std::signbit(y[0])));
  CHECK((y[1] == 0.0f && std::signbit(y[1])));
  CHECK(y[2] == 1.0f);
  CHECK(y[3] == -1.0f);
  CHECK(y[4] == 1.0f);
  CHECK(y[5] == -1.0f);
  CHECK(y[6] == 1.0f);
  CHECK(y[7] == -1.0f);
  CHECK(std::isnan(y[8]));
  CHECK(y[9] == tiny);
  CHECK(y[10] == -tiny);
  CHECK(y[11] == 1e-20f);
}

TEST_CASE("cpu float32 tanh, sigmoid: an element's value does not depend on its place or the buffer's length") {
  std::vector<float> x(37);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.173f * static_cast<float>(i) - 3.0f;
  for (UnaryOp op : {UnaryOp::tanh, UnaryOp::sigmoid}) {
    const auto whole = cpu_unary(op, x);
    for (std::size_t length = 1; length <= x.size(); ++length) {
      const auto part = cpu_unary(op, std::vector<float>(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(length)));
      for (std::size_t i = 0; i < length; ++i) {
        INFO(sb::unary_name(op) << " element " << i << " of " << length);
        CHECK(std::memcmp(&part[i], &whole[i], sizeof(float)) == 0);
      }
    }
  }
}
