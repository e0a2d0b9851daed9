#include "strata/framework/ops/random.hpp"

#include <mutex>
#include <random>

#include "strata/framework/ops/op_support.hpp"

namespace strata {

namespace {
std::mutex seed_mutex;
std::mt19937_64& global_generator() {
  static std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

// Per-call seeds are mixed so that seed=1 and the global generator's stream do not collide.
std::uint64_t op_seed(const std::optional<std::uint64_t>& seed) {
  if (!seed) return next_random_seed();
  std::uint64_t z = *seed + 0x9E3779B97F4A7C15ULL;  // splitmix64
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Tensor draw_from(const Shape& shape, DType dtype, backend::Distribution dist, double a, double b,
                 std::function<std::uint64_t()> seed_source, const char* name) {
  if (!is_floating(dtype))
    throw DTypeError(std::string(name) + ": dtype must be float32 or float64, got " + std::string(dtype_name(dtype)));
  Tensor t = empty(shape, dtype, default_device());
  // A traced function draws a new seed at every replay, from the same source as eagerly.
  const std::uint64_t s = graph::detail::random_seed(std::move(seed_source));
  if (t.size()) t.impl()->backend().random(dist, s, a, b, t.impl()->out());
  return t;
}

Tensor draw(const Shape& shape, DType dtype, backend::Distribution dist, double a, double b,
            const std::optional<std::uint64_t>& seed, const char* name) {
  if (!seed) return draw_from(shape, dtype, dist, a, b, next_random_seed, name);
  return draw_from(shape, dtype, dist, a, b, [v = op_seed(seed)] { return v; }, name);
}
}  // namespace

Tensor detail::uniform_from_stream(const Shape& shape, DType dtype, double minval, double maxval,
                                   std::function<std::uint64_t()> stream) {
  return draw_from(shape, dtype, backend::Distribution::uniform, minval, maxval,
                   [stream = std::move(stream)] { return op_seed(stream()); }, "uniform");
}

void set_random_seed(std::uint64_t seed) {
  std::lock_guard lock(seed_mutex);
  global_generator().seed(seed);
}

std::uint64_t next_random_seed() {
  std::lock_guard lock(seed_mutex);
  return global_generator()();
}

Tensor normal(const Shape& shape, const NormalOptions& o) {
  if (o.stddev < 0) throw ValueError("normal: stddev must be non-negative, got " + std::to_string(o.stddev));
  return draw(shape, o.dtype, backend::Distribution::normal, o.mean, o.stddev, o.seed, "normal");
}

Tensor uniform(const Shape& shape, const UniformOptions& o) {
  if (o.minval > o.maxval)
    throw ValueError("uniform: minval " + std::to_string(o.minval) + " is greater than maxval " + std::to_string(o.maxval));
  return draw(shape, o.dtype, backend::Distribution::uniform, o.minval, o.maxval, o.seed, "uniform");
}

Tensor truncated_normal(const Shape& shape, const NormalOptions& o) {
  if (o.stddev < 0) throw ValueError("truncated_normal: stddev must be non-negative, got " + std::to_string(o.stddev));
  return draw(shape, o.dtype, backend::Distribution::truncated_normal, o.mean, o.stddev, o.seed, "truncated_normal");
}

}  // namespace strata
