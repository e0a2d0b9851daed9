#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/framework/tensor_impl.hpp"
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

namespace {
const void* memory_of(const st::Tensor& t) { return t.impl()->data(); }
}  // namespace

TEST_CASE("arithmetic on a temporary writes into its memory when nothing else sees it") {
  const st::Tensor pixels = st::Tensor::from_vector(std::vector<std::uint8_t>{0, 51, 255, 102}, {2, 2});
  st::Tensor converted = st::cast(pixels, st::float32);
  const void* memory = memory_of(converted);
  const st::Tensor scaled = std::move(converted) / 255.0f;
  CHECK(memory_of(scaled) == memory);
  CHECK_FALSE(converted.defined());
  CHECK(scaled.to_vector<float>() == std::vector<float>{0.0f, 51.0f / 255.0f, 1.0f, 102.0f / 255.0f});

  // The idiom itself: one float copy is made, the division reuses it.
  auto& cpu = st::backend::get_backend(st::Device("cpu"));
  const auto before = cpu.memory_stats().requests;
  const st::Tensor x = st::cast(pixels, st::float32) / 255.0f;
  CHECK(cpu.memory_stats().requests - before == 2);  // the cast and the 0-d 255
  CHECK(x.to_vector<float>() == scaled.to_vector<float>());

  // Every operator, with a tensor or a number on the right.
  CHECK((st::Tensor({1.0f, 2.0f}) + st::Tensor({10.0f, 20.0f})).to_vector<float>() == std::vector<float>{11, 22});
  CHECK((st::Tensor({1.0f, 2.0f}) - 1).to_vector<float>() == std::vector<float>{0, 1});
  CHECK((st::Tensor({1.0f, 2.0f}) * st::Tensor(3.0f)).to_vector<float>() == std::vector<float>{3, 6});
  CHECK((st::Tensor({3, 7}, st::int32) / 2).to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 3});
}

TEST_CASE("arithmetic on a temporary leaves memory others can see untouched") {
  const st::Tensor base({1.0f, 2.0f, 3.0f, 4.0f});
  {  // another handle
    st::Tensor t = base * 1.0f;
    const st::Tensor copy = t;
    const st::Tensor y = std::move(t) + 1.0f;
    CHECK(copy.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
    CHECK(y.to_vector<float>() == std::vector<float>{2, 3, 4, 5});
  }
  {  // a view of the same memory
    st::Tensor t = base * 1.0f;
    const st::Tensor view = st::reshape(t, {2, 2});
    const st::Tensor y = std::move(t) * 2.0f;
    CHECK(view.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
    CHECK(y.to_vector<float>() == std::vector<float>{2, 4, 6, 8});
  }
  {  // a Variable
    st::Variable v(base);
    const st::Tensor y = st::Tensor(v) - 1.0f;
    CHECK(v.value().to_vector<float>() == std::vector<float>{1, 2, 3, 4});
    CHECK(y.to_vector<float>() == std::vector<float>{0, 1, 2, 3});
  }
  {  // b broadcasts the temporary to a larger shape: a new tensor
    const st::Tensor y = st::Tensor({1.0f, 2.0f}) + st::ones({2, 2});
    CHECK(y.shape() == st::Shape{2, 2});
    CHECK(y.to_vector<float>() == std::vector<float>{2, 3, 2, 3});
  }
  {  // under a tape the temporary's values may be needed by the gradient
    const st::Tensor x({2.0f, 3.0f});
    st::GradientTape tape;
    tape.watch(x);
    const st::Tensor y = st::sum((x * x) * x);  // the outer product's gradient reads x * x
    const auto dx = tape.gradient(y, x);
    CHECK(dx.to_vector<float>() == std::vector<float>{12, 27});
  }
  {  // errors are the plain op's
    CHECK_THROWS_AS(st::Tensor({1.0f, 2.0f}) + st::Tensor({1, 2}, st::int32), st::DTypeError);
    CHECK_THROWS_AS(st::Tensor({1.0f, 2.0f}) + st::ones({3}), st::ShapeError);
  }
}
