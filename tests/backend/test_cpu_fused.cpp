// The CPU backend's fused elementwise programs: every op the program may hold, with full and
// broadcast operands, is bitwise equal to the same steps run one by one through unary / binary.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend_test_util.hpp"
#include "strata/backend/cpu_threads.hpp"
#include "strata/backend/kernel_checks.hpp"

using namespace backend_test;
using sb::BinaryOp;
using sb::UnaryOp;
using strata::Shape;

namespace {

// A buffer of the backend's own memory (64-byte aligned, as tensors get it): eager's kernels split
// their SIMD and scalar parts by the output's alignment, so the reference needs tensors' alignment.
template <class T>
struct Buffer {
  Shape shape;
  T* data;
  explicit Buffer(std::int64_t n)
      : shape{n}, data(static_cast<T*>(cpu().allocate(static_cast<std::size_t>(n) * sizeof(T)))) {}
  Buffer(const Buffer&) = delete;
  Buffer(Buffer&& other) noexcept : shape(other.shape), data(std::exchange(other.data, nullptr)) {}
  ~Buffer() {
    if (data) cpu().deallocate(data, static_cast<std::size_t>(shape.num_elements()) * sizeof(T));
  }
  sb::In in() const { return {data, shape, strata::dtype_of<T>()}; }
  sb::Out out() { return {data, shape, strata::dtype_of<T>()}; }
  T& operator[](std::size_t i) { return data[i]; }
  std::vector<T> values() const { return {data, data + shape.num_elements()}; }
};

// A program's inputs: x (mixed signs), y (positive), and two broadcast values, s and z.
template <class T>
struct Inputs {
  Buffer<T> x, y, s, z;
  explicit Inputs(std::int64_t n) : x(n), y(n), s(1), z(1) {
    s[0] = T(0.75);
    z[0] = T(-0.3);
    for (std::int64_t i = 0; i < n; ++i) {
      x[static_cast<std::size_t>(i)] = T(std::sin(0.37 * static_cast<double>(i)) * 3.0);
      y[static_cast<std::size_t>(i)] = T(0.05 + std::fabs(std::cos(0.11 * static_cast<double>(i))) * 2.0);
    }
  }
  const Buffer<T>& operator[](int i) const { return i == 0 ? x : i == 1 ? y : i == 2 ? s : z; }
};

// Runs the steps one by one with the backend's own kernels (eager's path), scalars as shape {1}.
template <class T>
std::vector<T> unfused(const Inputs<T>& in, const std::vector<sb::FusedStep>& steps, std::int64_t n) {
  std::vector<Buffer<T>> results;
  results.reserve(steps.size());
  auto operand = [&](int i) { return i >= 0 ? in[i].in() : results[static_cast<std::size_t>(-1 - i)].in(); };
  for (const auto& step : steps) {
    results.emplace_back(n);
    if (step.unary)
      cpu().unary(static_cast<UnaryOp>(step.op), operand(step.a), results.back().out(), step.alpha);
    else
      cpu().binary(static_cast<BinaryOp>(step.op), operand(step.a), operand(step.b), results.back().out());
  }
  return results.back().values();
}

template <class T>
std::vector<T> fused(const Inputs<T>& in, const std::vector<sb::FusedStep>& steps, std::int64_t n) {
  Buffer<T> out(n);
  sb::FusedElementwiseArgs args{strata::dtype_of<T>(), n, {}, {false, false, true, true}, steps, out.data};
  args.inputs = {in.x.data, in.y.data, in.s.data, in.z.data};
  cpu().fused_elementwise(args);
  return out.values();
}

// Same bits (NaN included) element by element.
template <class T>
void check_same_bits(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(what << " element " << i << " of " << got.size() << ": " << got[i] << " vs " << want[i]);
    REQUIRE(std::memcmp(&got[i], &want[i], sizeof(T)) == 0);
  }
}

sb::FusedStep unary(UnaryOp op, int a, double alpha = 0.0) { return {true, static_cast<int>(op), alpha, a, 0}; }
sb::FusedStep binary(BinaryOp op, int a, int b) { return {false, static_cast<int>(op), 0.0, a, b}; }

// Around every unary op: operands of every kind (full, broadcast on either side, earlier results
// read twice), so each kernel variant (the multiply folded into the unary step's kernel, too) and
// the scratch reuse are exercised.
std::vector<sb::FusedStep> program_around(UnaryOp op) {
  const bool positive_domain =
      op == UnaryOp::log || op == UnaryOp::log1p || op == UnaryOp::sqrt || op == UnaryOp::rsqrt;
  return {
      binary(BinaryOp::multiply, positive_domain ? 1 : 0, 2),  // -1: x * s (or y * s)
      unary(op, -1, 0.2),                                      // -2
      binary(BinaryOp::add, -2, 1),                            // -3: + y
      binary(BinaryOp::maximum, 3, -3),                        // -4: max(z, .)
      binary(BinaryOp::subtract, -4, -2),                      // -5: reads -2 again
      binary(BinaryOp::divide, -5, 1),                         // -6
      binary(BinaryOp::minimum, -6, 2),                        // -7: min(., s)
      binary(BinaryOp::pow, 1, -7),                            // -8: y ** .
      binary(BinaryOp::multiply, -8, -6),
  };
}

template <class T>
void check_every_op(std::int64_t n) {
  const Inputs<T> in(n);
  for (int op = 0; op < static_cast<int>(UnaryOp::logical_not); ++op) {
    const auto steps = program_around(static_cast<UnaryOp>(op));
    check_same_bits(fused(in, steps, n), unfused(in, steps, n), std::string("around ") + sb::unary_name(UnaryOp(op)));
  }
  // A long chain, as a traced model's activation and its gradient give.
  std::vector<sb::FusedStep> chain;
  for (int i = 0; i < 8; ++i) {
    const int last = -static_cast<int>(chain.size());
    chain.push_back(binary(BinaryOp::add, i ? last : 0, i % 2 ? 2 : 1));  // a broadcast or a full operand
    chain.push_back(unary(UnaryOp::tanh, -static_cast<int>(chain.size())));
    chain.push_back(binary(BinaryOp::subtract, -static_cast<int>(chain.size()), i % 2 ? 3 : 1));
    chain.push_back(unary(UnaryOp::sigmoid, -static_cast<int>(chain.size())));
    chain.push_back(binary(BinaryOp::maximum, -static_cast<int>(chain.size()), 0));
    chain.push_back(unary(UnaryOp::negative, -static_cast<int>(chain.size())));
  }
  check_same_bits(fused(in, chain, n), unfused(in, chain, n), "chain");
}

}  // namespace

TEST_CASE("fused elementwise: every op equals the unfused steps bit for bit (float32)") {
  for (std::int64_t n : {1, 7, 1000, 1003, 5000}) {  // 1003: a remainder past the last batch at every SIMD width
    INFO("n = " << n);
    check_every_op<float>(n);
  }
}

TEST_CASE("fused elementwise: every op equals the unfused steps bit for bit (float64)") {
  for (std::int64_t n : {1, 7, 1000, 1003, 5000}) {  // 1003: a remainder past the last batch at every SIMD width
    INFO("n = " << n);
    check_every_op<double>(n);
  }
}

TEST_CASE("fused elementwise: programs split across threads give the same bits") {
  const int before = sb::cpu_threads();
  sb::set_cpu_threads(2);
  const std::int64_t n = 100003;
  const Inputs<float> in(n);
  const auto steps = program_around(UnaryOp::gelu_tanh);
  check_same_bits(fused(in, steps, n), unfused(in, steps, n), "two threads");
  sb::set_cpu_threads(1);
  check_same_bits(fused(in, steps, n), unfused(in, steps, n), "one thread");
  sb::set_cpu_threads(before);
}
