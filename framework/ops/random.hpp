#pragma once
// Random tensors. Without a seed each call draws a fresh seed from the global generator, which
// set_random_seed resets (so a program is reproducible); with a seed the call always gives the
// same values. Values are the same on every backend.
#include <cstdint>
#include <functional>
#include <optional>

#include "strata/framework/tensor.hpp"

namespace strata {

void set_random_seed(std::uint64_t seed);
// The next seed of the global generator (what an unseeded random op uses).
std::uint64_t next_random_seed();

struct NormalOptions {
  double mean = 0.0;
  double stddev = 1.0;
  DType dtype = float32;
  std::optional<std::uint64_t> seed;
};
struct UniformOptions {
  double minval = 0.0;
  double maxval = 1.0;
  DType dtype = float32;
  std::optional<std::uint64_t> seed;
};

Tensor normal(const Shape& shape, const NormalOptions& options = {});
Tensor uniform(const Shape& shape, const UniformOptions& options = {});
// Normal values redrawn until within two standard deviations of the mean (as Keras's initializer).
Tensor truncated_normal(const Shape& shape, const NormalOptions& options = {});

namespace detail {
// Uniform values whose seed comes from `stream` at every call, and at every replay of a traced
// function (a seeded Dropout's per-call seeds).
Tensor uniform_from_stream(const Shape& shape, DType dtype, double minval, double maxval,
                           std::function<std::uint64_t()> stream);
}  // namespace detail

}  // namespace strata
