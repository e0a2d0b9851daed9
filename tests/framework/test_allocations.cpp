#include <doctest/doctest.h>

#include "strata/backend/backend.hpp"
#include "strata/strata.hpp"

namespace st = strata;

TEST_CASE("caching allocator: a repeated training step allocates no new device memory once warm") {
  auto& cpu = st::backend::get_backend(st::Device("cpu"));
  st::Variable w(st::normal({64, 32}, {.seed = 1}));
  st::Variable b(st::zeros({32}));
  const st::Tensor x = st::normal({128, 64}, {.seed = 2});
  auto step = [&] {
    st::GradientTape tape;
    auto y = st::relu(st::matmul(x, w) + b);
    auto loss = st::mean(st::square(y));
    auto grads = tape.gradient(loss, std::vector<st::Variable>{w, b});
    w.assign_sub(grads[0] * 0.01f);
    b.assign_sub(grads[1] * 0.01f);
    return loss.item<float>();
  };
  step();
  step();
  const auto warm = cpu.memory_stats().system_allocations;
  float last = 0;
  for (int i = 0; i < 20; ++i) last = step();
  CHECK(cpu.memory_stats().system_allocations == warm);
  CHECK(cpu.memory_stats().cache_hits > 0);
  CHECK(last >= 0.0f);
}
