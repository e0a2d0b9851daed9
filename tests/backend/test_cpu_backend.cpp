// The CPU backend through the Backend interface: registry, allocator, and the elementwise kernels.
#include <doctest/doctest.h>

#include <cmath>
#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <limits>
#include <set>
#include <string>

#include "backend/backend_test_util.hpp"
#include "strata/backend/caching_allocator.hpp"
#include "strata/backend/cpu_threads.hpp"
#include "strata/framework/errors.hpp"

using namespace backend_test;
using strata::Shape;
using sb::BinaryOp;
using sb::UnaryOp;

namespace {

template <class Exception, class Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const Exception& e) {
    return e.what();
  }
  FAIL("no exception");
  return {};
}

}  // namespace

TEST_CASE("registry: cpu is registered, has one device, and unknown devices are errors") {
  CHECK(sb::is_registered("cpu"));
  auto& a = sb::get_backend(strata::Device("cpu"));
  auto& b = sb::get_backend(strata::Device("cpu", 0));
  CHECK(&a == &b);
  CHECK(a.device() == strata::Device("cpu", 0));
  bool has_cpu = false;
  for (const auto& d : sb::list_devices()) has_cpu |= d == strata::Device("cpu", 0);
  CHECK(has_cpu);
  const auto unknown = message_of<strata::DeviceError>([] { sb::get_backend(strata::Device("nosuchdevice", 0)); });
  CHECK(unknown.find("nosuchdevice") != std::string::npos);
  CHECK(unknown.find("\"cpu\"") != std::string::npos);
  const auto index = message_of<strata::DeviceError>([] { sb::get_backend(strata::Device("cpu", 1)); });
  CHECK(index.find("1 cpu device") != std::string::npos);
}

TEST_CASE("registry: a third-party backend registers by name") {
  int created = 0;
  sb::register_backend("test_empty_device", {[] { return 0; },
                                             [&](int) -> std::unique_ptr<sb::Backend> {
                                               ++created;
                                               return nullptr;
                                             }});
  CHECK(sb::is_registered("test_empty_device"));
  const auto msg = message_of<strata::DeviceError>([] { sb::get_backend(strata::Device("test_empty_device", 0)); });
  CHECK(msg.find("0 test_empty_device devices") != std::string::npos);
  CHECK(created == 0);
}

TEST_CASE("caching allocator: a repeated pattern allocates nothing new after the first pass") {
  int system_allocations = 0, system_frees = 0;
  sb::CachingAllocator allocator(
      [&](std::size_t bytes) {
        ++system_allocations;
        return std::malloc(bytes);
      },
      [&](void* p, std::size_t) {
        ++system_frees;
        std::free(p);
      });
  const std::size_t sizes[] = {0, 1, 100, 4096, 5000, 1 << 20, (1 << 20) + 7, 3 << 22};
  for (int pass = 0; pass < 5; ++pass) {
    std::vector<void*> blocks;
    for (auto s : sizes) blocks.push_back(allocator.allocate(s));
    std::set<void*> unique(blocks.begin(), blocks.end());
    CHECK(unique.size() == blocks.size());  // zero-byte blocks are distinct too
    for (std::size_t i = 0; i < blocks.size(); ++i) allocator.deallocate(blocks[i], sizes[i]);
    CHECK(allocator.stats().system_allocations == std::size(sizes));
  }
  auto stats = allocator.stats();
  CHECK(stats.requests == 5 * std::size(sizes));
  CHECK(stats.cache_hits == 4 * std::size(sizes));
  CHECK(stats.bytes_in_use == 0);
  CHECK(stats.bytes_cached > 0);
  allocator.empty_cache();
  CHECK(allocator.stats().bytes_cached == 0);
  CHECK(system_frees == system_allocations);
}

TEST_CASE("caching allocator: a block left idle gives its memory back, a loop's blocks stay") {
  std::set<void*> live;
  int system_allocations = 0;
  sb::CachingAllocator allocator(
      [&](std::size_t bytes) {
        ++system_allocations;
        void* p = std::malloc(bytes);
        live.insert(p);
        return p;
      },
      [&](void* p, std::size_t) {
        live.erase(p);
        std::free(p);
      },
      /*release_idle_after=*/64);
  // A one-off large block (a dataset converted once), then a loop of small requests.
  void* once = allocator.allocate(std::size_t{3} << 22);
  allocator.deallocate(once, std::size_t{3} << 22);
  CHECK(allocator.stats().bytes_cached == sb::CachingAllocator::size_class(std::size_t{3} << 22));
  for (int step = 0; step < 200; ++step) {
    void* a = allocator.allocate(1000);
    void* b = allocator.allocate(5000);
    allocator.deallocate(a, 1000);
    allocator.deallocate(b, 5000);
  }
  CHECK(live.count(once) == 0);
  CHECK(live.size() == 2);
  CHECK(system_allocations == 3);  // the loop's two blocks were never given back
  CHECK(allocator.stats().bytes_cached == sb::CachingAllocator::size_class(1000) + sb::CachingAllocator::size_class(5000));
  CHECK(allocator.stats().bytes_in_use == 0);
}

TEST_CASE("caching allocator: without an idle limit every block stays until empty_cache") {
  int system_frees = 0;
  sb::CachingAllocator allocator([](std::size_t bytes) { return std::malloc(bytes); },
                                 [&](void* p, std::size_t) {
                                   ++system_frees;
                                   std::free(p);
                                 });
  allocator.deallocate(allocator.allocate(1 << 20), 1 << 20);
  for (int i = 0; i < 100000; ++i) allocator.deallocate(allocator.allocate(64), 64);
  CHECK(system_frees == 0);
  allocator.empty_cache();
  CHECK(system_frees == 2);
}

TEST_CASE("caching allocator: size classes round up, by at most a quarter for large blocks") {
  using A = sb::CachingAllocator;
  CHECK(A::size_class(0) == 512);
  CHECK(A::size_class(512) == 512);
  CHECK(A::size_class(513) == 1024);
  for (std::size_t bytes : {std::size_t{3} << 20, (std::size_t{5} << 20) + 1, std::size_t{123456789}}) {
    CHECK(A::size_class(bytes) >= bytes);
    CHECK(A::size_class(bytes) <= bytes + bytes / 4);
  }
}

TEST_CASE("cpu backend: memory is 64-byte aligned and reused once warm") {
  auto& be = cpu();
  for (int pass = 0; pass < 3; ++pass) {
    void* p = be.allocate(1000);
    void* q = be.allocate(0);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
    CHECK(p != q);
    be.deallocate(p, 1000);
    be.deallocate(q, 0);
  }
  const auto before = be.memory_stats().system_allocations;
  for (int pass = 0; pass < 10; ++pass) {
    void* p = be.allocate(1000);
    void* q = be.allocate(0);
    be.deallocate(q, 0);
    be.deallocate(p, 1000);
  }
  CHECK(be.memory_stats().system_allocations == before);
}

TEST_CASE("cpu backend: copies, fill and cast") {
  auto& be = cpu();
  Host<float> src({4}, {1.5f, -2.5f, 0.0f, NAN});
  Host<float> dst({4});
  be.copy(src.values.data(), dst.values.data(), 16);
  CHECK(dst[1] == -2.5f);
  Host<std::int32_t> ints({4});
  be.cast(src.in(), ints.out());
  CHECK(ints.values == std::vector<std::int32_t>{1, -2, 0, 0});  // truncation; NaN -> 0
  Host<bool> flags({4});
  be.cast(src.in(), flags.out());
  CHECK(flags.values == std::vector<std::uint8_t>{1, 1, 0, 1});
  Host<double> back({4});
  be.cast(flags.in(), back.out());
  CHECK(back.values == std::vector<double>{1, 1, 0, 1});
  Host<std::uint8_t> bytes({3});
  be.fill(bytes.out(), 7.9);
  CHECK(bytes.values == std::vector<std::uint8_t>{7, 7, 7});
  Host<std::int64_t> big({2});
  be.fill(big.out(), -3.0);
  CHECK(big.values == std::vector<std::int64_t>{-3, -3});
}

TEST_CASE("cast: a long bool mask to float32, float64 and int64") {
  // Long enough to split across threads, with a tail that is not a multiple of the vector width.
  const std::int64_t n = 70001;
  Host<bool> mask({n});
  for (std::int64_t i = 0; i < n; ++i) mask[static_cast<std::size_t>(i)] = (i * 7919) % 3 == 0;
  Host<float> f({n});
  Host<double> d({n});
  Host<std::int64_t> l({n});
  cpu().cast(mask.in(), f.out());
  cpu().cast(mask.in(), d.out());
  cpu().cast(mask.in(), l.out());
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const bool on = (i * 7919) % 3 == 0;
    REQUIRE(f[k] == (on ? 1.0f : 0.0f));
    REQUIRE(d[k] == (on ? 1.0 : 0.0));
    REQUIRE(l[k] == (on ? 1 : 0));
  }
}

TEST_CASE("adam_update: a mid-size variable split across threads equals the update slice by slice") {
  const std::int64_t n = 40000, slice = 1000;  // slices stay on the calling thread
  Host<float> w({n}), g({n}), m({n}), v({n});
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    w[k] = static_cast<float>(std::sin(double(i)));
    g[k] = static_cast<float>(std::cos(0.3 * double(i)));
    m[k] = 0.01f * static_cast<float>(i % 7);
    v[k] = 0.001f * static_cast<float>(i % 5);
  }
  Host<float> w2 = w, m2 = m, v2 = v;
  auto args = [&](Host<float>& ww, Host<float>& mm, Host<float>& vv, std::int64_t begin, std::int64_t size) {
    const auto b = static_cast<std::size_t>(begin);
    return sb::AdamUpdateArgs{&ww[b], &g[b], &mm[b], &vv[b], nullptr, size, strata::DType::float32, 1e-3, 0.9, 0.999, 1e-7};
  };
  cpu().adam_update(args(w, m, v, 0, n));
  for (std::int64_t b = 0; b < n; b += slice) cpu().adam_update(args(w2, m2, v2, b, slice));
  CHECK(w.values == w2.values);
  CHECK(m.values == m2.values);
  CHECK(v.values == v2.values);
}

TEST_CASE("unary: float ops against their formulas") {
  auto& be = cpu();
  const std::vector<double> xs{-3.0, -1.25, -0.5, 0.0, 0.3, 1.0, 2.5, 7.0};
  const double selu_scale = 1.0507009873554804934193349852946, selu_alpha = 1.6732632423543772848170429916717;
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  struct Case {
    UnaryOp op;
    double (*f)(double, double);
    bool positive_only;
  };
  const double alpha = 0.2;
  const std::vector<std::pair<UnaryOp, std::function<double(double)>>> cases = {
      {UnaryOp::negative, [](double v) { return -v; }},
      {UnaryOp::abs, [](double v) { return std::abs(v); }},
      {UnaryOp::sign, [](double v) { return double((v > 0) - (v < 0)); }},
      {UnaryOp::square, [](double v) { return v * v; }},
      {UnaryOp::exp, [](double v) { return std::exp(v); }},
      {UnaryOp::expm1, [](double v) { return std::expm1(v); }},
      {UnaryOp::sin, [](double v) { return std::sin(v); }},
      {UnaryOp::cos, [](double v) { return std::cos(v); }},
      {UnaryOp::tanh, [](double v) { return std::tanh(v); }},
      {UnaryOp::sigmoid, sigmoid},
      {UnaryOp::erf, [](double v) { return std::erf(v); }},
      {UnaryOp::floor, [](double v) { return std::floor(v); }},
      {UnaryOp::ceil, [](double v) { return std::ceil(v); }},
      {UnaryOp::round, [](double v) { return std::nearbyint(v); }},
      {UnaryOp::relu, [](double v) { return v > 0 ? v : 0; }},
      {UnaryOp::relu6, [](double v) { return std::min(std::max(v, 0.0), 6.0); }},
      {UnaryOp::leaky_relu, [&](double v) { return v >= 0 ? v : alpha * v; }},
      {UnaryOp::elu, [&](double v) { return v > 0 ? v : alpha * std::expm1(v); }},
      {UnaryOp::selu, [&](double v) { return selu_scale * (v > 0 ? v : selu_alpha * std::expm1(v)); }},
      {UnaryOp::softplus, [](double v) { return std::log1p(std::exp(v)); }},
      {UnaryOp::softsign, [](double v) { return v / (1 + std::abs(v)); }},
      {UnaryOp::gelu, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }},
      {UnaryOp::gelu_tanh,
       [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); }},
      {UnaryOp::hard_sigmoid, [](double v) { return std::min(std::max(v + 3, 0.0), 6.0) / 6; }},
      {UnaryOp::swish, [&](double v) { return v * sigmoid(v); }},
  };
  Shape shape{static_cast<std::int64_t>(xs.size())};
  Host<double> x(shape, xs), y(shape);
  Host<float> xf(shape), yf(shape);
  for (std::size_t i = 0; i < xs.size(); ++i) xf[i] = static_cast<float>(xs[i]);
  for (const auto& [op, f] : cases) {
    be.unary(op, x.in(), y.out(), alpha);
    be.unary(op, xf.in(), yf.out(), alpha);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CAPTURE(static_cast<int>(op));
      CAPTURE(xs[i]);
      CHECK(y[i] == doctest::Approx(f(xs[i])).epsilon(1e-12));
      CHECK(yf[i] == doctest::Approx(f(static_cast<float>(xs[i]))).epsilon(2e-6));
    }
  }
  const std::vector<double> pos{0.25, 1.0, 4.0, 9.0};
  Shape ps{4};
  Host<double> p(ps, pos), q(ps);
  const std::vector<std::pair<UnaryOp, std::function<double(double)>>> positive = {
      {UnaryOp::sqrt, [](double v) { return std::sqrt(v); }},
      {UnaryOp::rsqrt, [](double v) { return 1 / std::sqrt(v); }},
      {UnaryOp::reciprocal, [](double v) { return 1 / v; }},
      {UnaryOp::log, [](double v) { return std::log(v); }},
      {UnaryOp::log1p, [](double v) { return std::log1p(v); }},
  };
  for (const auto& [op, f] : positive) {
    be.unary(op, p.in(), q.out());
    for (std::size_t i = 0; i < pos.size(); ++i) CHECK(q[i] == doctest::Approx(f(pos[i])).epsilon(1e-12));
  }
}

TEST_CASE("unary: rounding is half to even, sign(0) is 0, and large inputs stay finite") {
  auto& be = cpu();
  Shape s{6};
  Host<float> x(s, {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 0.0f}), y(s);
  be.unary(UnaryOp::round, x.in(), y.out());
  CHECK(y.values == std::vector<float>{0, 2, 2, -0.0f, -2, 0});
  be.unary(UnaryOp::sign, x.in(), y.out());
  CHECK(y.values == std::vector<float>{1, 1, 1, -1, -1, 0});
  Shape big_shape{4};
  Host<float> big(big_shape, {1000.0f, -1000.0f, 90.0f, -90.0f}), out(big_shape);
  for (UnaryOp op : {UnaryOp::sigmoid, UnaryOp::softplus, UnaryOp::swish, UnaryOp::gelu, UnaryOp::selu}) {
    be.unary(op, big.in(), out.out());
    for (float v : out.values) CHECK(std::isfinite(v));
  }
  be.unary(UnaryOp::sigmoid, big.in(), out.out());
  CHECK(out[0] == 1.0f);
  CHECK(out[1] == 0.0f);
  be.unary(UnaryOp::softplus, big.in(), out.out());
  CHECK(out[0] == 1000.0f);
  CHECK(out[1] == 0.0f);
}

TEST_CASE("unary: integers support negative/abs/sign/square; math ops raise DTypeError") {
  auto& be = cpu();
  Shape s{4};
  Host<std::int32_t> x(s, {-3, 0, 5, std::numeric_limits<std::int32_t>::min()}), y(s);
  be.unary(UnaryOp::negative, x.in(), y.out());
  CHECK(y.values == std::vector<std::int32_t>{3, 0, -5, std::numeric_limits<std::int32_t>::min()});
  be.unary(UnaryOp::abs, x.in(), y.out());
  CHECK(y[0] == 3);
  CHECK(y[2] == 5);
  be.unary(UnaryOp::sign, x.in(), y.out());
  CHECK(y.values == std::vector<std::int32_t>{-1, 0, 1, -1});
  be.unary(UnaryOp::square, x.in(), y.out());
  CHECK(y[0] == 9);
  CHECK(y[2] == 25);
  Host<std::int64_t> l(s, {-2, 3, 0, 7}), m(s);
  be.unary(UnaryOp::square, l.in(), m.out());
  CHECK(m.values == std::vector<std::int64_t>{4, 9, 0, 49});
  Host<std::uint8_t> u(s, {0, 1, 2, 255}), v(s);
  be.unary(UnaryOp::abs, u.in(), v.out());
  CHECK(v.values == std::vector<std::uint8_t>{0, 1, 2, 255});
  const auto msg = message_of<strata::DTypeError>([&] { be.unary(UnaryOp::exp, x.in(), y.out()); });
  CHECK(msg.find("exp") != std::string::npos);
  CHECK(msg.find("int32") != std::string::npos);
  Host<bool> b(s, {1, 0, 1, 0}), nb(s);
  be.unary(UnaryOp::logical_not, b.in(), nb.out());
  CHECK(nb.values == std::vector<std::uint8_t>{0, 1, 0, 1});
  CHECK_THROWS_AS(be.unary(UnaryOp::negative, b.in(), nb.out()), strata::DTypeError);
}

namespace {

// The reference of a broadcast binary op, element by element.
template <class T, class R, class F>
void check_broadcast(BinaryOp op, const Shape& sa, const Shape& sb_, const Shape& so, F f) {
  Host<T> a(sa), b(sb_);
  for (std::size_t i = 0; i < a.values.size(); ++i) a[i] = static_cast<T>(static_cast<int>(i % 7) - 3);
  for (std::size_t i = 0; i < b.values.size(); ++i) b[i] = static_cast<T>(static_cast<int>(i % 5) + 1);
  Host<R> out(so);
  cpu().binary(op, a.in(), b.in(), out.out());
  for (std::int64_t i = 0; i < so.num_elements(); ++i) {
    const auto index = unravel(i, so);
    const T va = a[static_cast<std::size_t>(broadcast_flat(index, sa))];
    const T vb = b[static_cast<std::size_t>(broadcast_flat(index, sb_))];
    CAPTURE(i);
    const auto expected = static_cast<Storage<R>>(f(va, vb));
    if (out[static_cast<std::size_t>(i)] != expected) REQUIRE(out[static_cast<std::size_t>(i)] == expected);
  }
}

}  // namespace

TEST_CASE("binary: broadcasting of scalars, rows, columns and middle axes") {
  const auto add = [](auto x, auto y) { return x + y; };
  const auto sub = [](auto x, auto y) { return x - y; };
  const std::vector<std::array<Shape, 3>> cases = {
      {Shape{2, 3}, Shape{2, 3}, Shape{2, 3}},
      {Shape{2, 3}, Shape{}, Shape{2, 3}},
      {Shape{}, Shape{2, 3}, Shape{2, 3}},
      {Shape{2, 3}, Shape{3}, Shape{2, 3}},
      {Shape{2, 3}, Shape{2, 1}, Shape{2, 3}},
      {Shape{2, 1}, Shape{1, 3}, Shape{2, 3}},
      {Shape{4, 3, 5}, Shape{3, 1}, Shape{4, 3, 5}},
      {Shape{4, 1, 5}, Shape{4, 3, 1}, Shape{4, 3, 5}},
      {Shape{2, 3, 4, 5}, Shape{1, 3, 1, 5}, Shape{2, 3, 4, 5}},
      {Shape{1}, Shape{1}, Shape{1}},
      {Shape{}, Shape{}, Shape{}},
      {Shape{0, 3}, Shape{3}, Shape{0, 3}},
  };
  for (const auto& [sa, sb_, so] : cases) {
    CAPTURE(sa);
    CAPTURE(sb_);
    check_broadcast<float, float>(BinaryOp::subtract, sa, sb_, so, sub);
    check_broadcast<double, double>(BinaryOp::add, sa, sb_, so, add);
    check_broadcast<std::int32_t, std::int32_t>(BinaryOp::subtract, sa, sb_, so, sub);
    check_broadcast<std::int64_t, bool>(BinaryOp::less, sa, sb_, so, [](auto x, auto y) { return x < y; });
  }
  // Large operands go through the threaded path and must agree with the reference.
  check_broadcast<float, float>(BinaryOp::subtract, Shape{300, 1000}, Shape{1000}, Shape{300, 1000}, sub);
  check_broadcast<float, float>(BinaryOp::subtract, Shape{300, 1000}, Shape{300, 1}, Shape{300, 1000}, sub);
  check_broadcast<float, float>(BinaryOp::subtract, Shape{300000}, Shape{300000}, Shape{300000}, sub);
  check_broadcast<float, float>(BinaryOp::multiply, Shape{300000}, Shape{}, Shape{300000},
                                [](auto x, auto y) { return x * y; });
}

TEST_CASE("binary: every dtype adds, and maximum/minimum/pow/divide follow NumPy") {
  const auto add = [](auto x, auto y) { return x + y; };
  check_broadcast<float, float>(BinaryOp::add, Shape{3, 4}, Shape{4}, Shape{3, 4}, add);
  check_broadcast<double, double>(BinaryOp::add, Shape{3, 4}, Shape{4}, Shape{3, 4}, add);
  check_broadcast<std::int32_t, std::int32_t>(BinaryOp::add, Shape{3, 4}, Shape{4}, Shape{3, 4}, add);
  check_broadcast<std::int64_t, std::int64_t>(BinaryOp::add, Shape{3, 4}, Shape{4}, Shape{3, 4}, add);
  check_broadcast<std::uint8_t, std::uint8_t>(BinaryOp::add, Shape{3, 4}, Shape{4}, Shape{3, 4},
                                              [](auto x, auto y) { return static_cast<std::uint8_t>(x + y); });
  check_broadcast<float, float>(BinaryOp::maximum, Shape{3, 4}, Shape{3, 1}, Shape{3, 4},
                                [](auto x, auto y) { return std::max(x, y); });
  check_broadcast<std::int64_t, std::int64_t>(BinaryOp::minimum, Shape{3, 4}, Shape{}, Shape{3, 4},
                                              [](auto x, auto y) { return std::min(x, y); });

  auto& be = cpu();
  Shape s{6};
  Host<std::int32_t> a(s, {7, -7, 7, -7, 7, 0}), b(s, {2, 2, -2, -2, 0, 0}), q(s);
  be.binary(BinaryOp::divide, a.in(), b.in(), q.out());
  CHECK(q.values == std::vector<std::int32_t>{3, -4, -4, 3, 0, 0});
  Host<std::int64_t> base(s, {2, 3, 2, -1, 1, -2}), ex(s, {10, 0, -1, -3, -5, 3}), p(s);
  be.binary(BinaryOp::pow, base.in(), ex.in(), p.out());
  CHECK(p.values == std::vector<std::int64_t>{1024, 1, 0, -1, 1, -8});
  Host<float> fa(s, {2, 4, 9, -8, 0, 1}), fb(s, {3, 0.5f, -1, 2, 0, 0}), fr(s);
  be.binary(BinaryOp::pow, fa.in(), fb.in(), fr.out());
  CHECK(fr[0] == 8.0f);
  CHECK(fr[1] == doctest::Approx(2.0));
  CHECK(fr[2] == doctest::Approx(1.0 / 9));
  CHECK(fr[3] == 64.0f);
  CHECK(fr[4] == 1.0f);
  be.binary(BinaryOp::divide, fa.in(), fb.in(), fr.out());
  CHECK(fr[0] == doctest::Approx(2.0 / 3));
  CHECK(std::isinf(fr[5]));
  Host<std::int32_t> lo(Shape{1}, {std::numeric_limits<std::int32_t>::min()}), m1(Shape{1}, {-1}), r1(Shape{1});
  be.binary(BinaryOp::divide, lo.in(), m1.in(), r1.out());  // wraps instead of trapping
  CHECK(r1[0] == std::numeric_limits<std::int32_t>::min());
}

TEST_CASE("binary: comparisons and logical ops write bool") {
  auto& be = cpu();
  Shape s{4};
  Host<float> a(s, {1, 2, 0, -1}), b(s, {1, 3, 0, -2});
  Host<bool> r(s);
  be.binary(BinaryOp::equal, a.in(), b.in(), r.out());
  CHECK(r.values == std::vector<std::uint8_t>{1, 0, 1, 0});
  be.binary(BinaryOp::greater_equal, a.in(), b.in(), r.out());
  CHECK(r.values == std::vector<std::uint8_t>{1, 0, 1, 1});
  be.binary(BinaryOp::logical_and, a.in(), b.in(), r.out());
  CHECK(r.values == std::vector<std::uint8_t>{1, 1, 0, 1});
  Host<bool> x(s, {1, 1, 0, 0}), y(s, {1, 0, 1, 0});
  be.binary(BinaryOp::logical_xor, x.in(), y.in(), r.out());
  CHECK(r.values == std::vector<std::uint8_t>{0, 1, 1, 0});
  be.binary(BinaryOp::logical_or, x.in(), y.in(), r.out());
  CHECK(r.values == std::vector<std::uint8_t>{1, 1, 1, 0});
  Host<float> wrong(s);
  CHECK_THROWS_AS(be.binary(BinaryOp::less, a.in(), b.in(), wrong.out()), strata::DTypeError);
  Host<std::int32_t> ints(s);
  CHECK_THROWS_AS(be.binary(BinaryOp::add, a.in(), ints.in(), wrong.out()), strata::DTypeError);
}

TEST_CASE("where: broadcasting condition and branches") {
  Shape sc{2, 1}, sa{3}, sb_{}, so{2, 3};
  Host<bool> c(sc, {1, 0});
  Host<float> a(sa, {1, 2, 3}), b(sb_, {-1}), out(so);
  cpu().where(c.in(), a.in(), b.in(), out.out());
  CHECK(out.values == std::vector<float>{1, 2, 3, -1, -1, -1});
  Shape big{200000};
  Host<bool> cb(big);
  Host<double> xa(big), xb(big), r(big);
  for (std::size_t i = 0; i < cb.values.size(); ++i) cb[i] = i % 3 == 0, xa[i] = double(i), xb[i] = -double(i);
  cpu().where(cb.in(), xa.in(), xb.in(), r.out());
  for (std::size_t i = 0; i < r.values.size(); ++i)
    if (const double e = i % 3 == 0 ? double(i) : -double(i); r[i] != e) REQUIRE(r[i] == e);
  // A full mask choosing between two scalars (a one-hot), with a NaN and a -0 kept as they are.
  Shape mask{3, 11};
  Host<bool> cm(mask);
  for (std::size_t i = 0; i < cm.values.size(); ++i) cm[i] = i % 11 == i / 11;
  Host<float> on(sb_, {NAN}), off(sb_, {-0.0f}), hot(mask);
  cpu().where(cm.in(), on.in(), off.in(), hot.out());
  for (std::size_t i = 0; i < hot.values.size(); ++i) {
    REQUIRE(std::isnan(hot[i]) == (i % 11 == i / 11));
    if (i % 11 != i / 11) REQUIRE(std::signbit(hot[i]));
  }
}

TEST_CASE("threads: results do not depend on the thread count") {
  const int before = sb::cpu_threads();
  auto& be = cpu();
  const std::int64_t n = 400000;
  const Shape s{n};
  // Backend memory (64-byte aligned, as tensors get it): every thread count splits on the same
  // SIMD boundaries, so the values agree bit for bit.
  auto buffer = [&] { return static_cast<float*>(be.allocate(n * sizeof(float))); };
  float *x = buffer(), *y1 = buffer(), *y2 = buffer();
  for (std::int64_t i = 0; i < n; ++i) x[i] = std::sin(0.001f * float(i)) * 5;
  const sb::In in{x, s, strata::float32};
  sb::set_cpu_threads(1);
  CHECK(sb::cpu_threads() == 1);
  be.unary(UnaryOp::gelu, in, {y1, s, strata::float32});
  sb::set_cpu_threads(3);
  be.unary(UnaryOp::gelu, in, {y2, s, strata::float32});
  CHECK(std::equal(y1, y1 + n, y2));
  for (std::int64_t i = 0; i < n; i += 997) {
    const double v = x[i];
    REQUIRE(y1[i] == doctest::Approx(0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))).epsilon(1e-5));
  }
  sb::set_cpu_threads(before);
  CHECK(sb::cpu_threads() == before);
  for (float* p : {x, y1, y2}) be.deallocate(p, n * sizeof(float));
}
