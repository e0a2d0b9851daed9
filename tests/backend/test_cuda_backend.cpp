// The CUDA backend against the CPU backend: every kernel runs the same inputs on "cpu" and on each
// other device, and the results must agree (1e-5 relative in float32, 1e-12 in float64; integers
// and bools exactly; errors with the same type and message). Then float64 gradient checks of ops
// and a small model fit on the GPU against the same fit on the CPU.
//
// Without a GPU the CUDA cases skip with a message saying why, and one case checks that asking for
// "cuda" raises DeviceError with CUDA's reason. The comparison harness also runs against a "twin"
// device (the CPU backend under another name, tests/backend/backend_test_util.hpp), so that the
// harness itself, Tensor::to across devices and the device-mixing errors are tested everywhere.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <typeinfo>
#include <vector>

#include "backend/backend_test_util.hpp"
#include "strata/backend/cuda_options.hpp"
#include "strata/strata.hpp"
#include "support/gradient_check.hpp"

using namespace backend_test;
using strata::Device;
using strata::Shape;
using sb::BinaryOp;
using sb::ReduceOp;
using sb::UnaryOp;

namespace {

// --- data and comparison ---

template <class T>
Host<T> random_host(const Shape& shape, std::uint64_t seed, double low = -2.0, double high = 2.0) {
  Host<T> h(shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(low, high);
  for (auto& v : h.values) {
    if constexpr (std::is_same_v<T, bool>)
      v = u(rng) > 0.5 * (low + high) ? 1 : 0;
    else if constexpr (std::is_integral_v<T>)
      v = static_cast<T>(std::floor(u(rng)));
    else
      v = static_cast<T>(u(rng));
  }
  return h;
}

template <class T>
double default_rtol() {
  if constexpr (std::is_same_v<T, float>) return 1e-5;
  else if constexpr (std::is_same_v<T, double>) return 1e-12;
  else return 0.0;
}

// |actual - expected| <= rtol * |expected| + atol, element by element (NaN matches NaN). `atol`
// defaults to rtol times the largest magnitude for sums (GEMM, reductions, convolutions), where
// an element near zero is a difference of large terms.
template <class T>
void check_close(const Host<T>& expected, const Host<T>& actual, const std::string& what, double atol = -1.0,
                 double rtol = default_rtol<T>()) {
  REQUIRE(expected.values.size() == actual.values.size());
  if (atol < 0) atol = rtol * 0.1;
  int reported = 0, mismatches = 0;
  for (std::size_t i = 0; i < expected.values.size(); ++i) {
    const double e = static_cast<double>(expected.values[i]), a = static_cast<double>(actual.values[i]);
    bool ok;
    if (std::isnan(e) || std::isnan(a)) ok = std::isnan(e) && std::isnan(a);
    else if (std::isinf(e) || std::isinf(a)) ok = e == a;
    else ok = std::abs(a - e) <= rtol * std::abs(e) + atol;
    if (!ok) {
      ++mismatches;
      if (reported++ < 5) FAIL_CHECK(what << ": element " << i << " is " << a << " on the device, " << e << " on the cpu");
    }
  }
  if (mismatches) FAIL_CHECK(what << ": " << mismatches << " of " << expected.values.size() << " elements differ");
}

template <class T>
double max_abs(const Host<T>& h) {
  double m = 0;
  for (auto v : h.values) m = std::max(m, std::abs(static_cast<double>(v)));
  return m;
}

// Both backends must throw the same exception type with the same message.
void check_same_error(const std::function<void(sb::Backend&)>& call, sb::Backend& device, const std::string& what) {
  std::string cpu_type, cpu_message, dev_type, dev_message;
  try {
    call(cpu());
  } catch (const strata::Error& e) {
    cpu_type = typeid(e).name(), cpu_message = e.what();
  }
  try {
    call(device);
    device.synchronize();
  } catch (const strata::Error& e) {
    dev_type = typeid(e).name(), dev_message = e.what();
  }
  INFO(what);
  CHECK_FALSE(cpu_message.empty());
  CHECK(dev_type == cpu_type);
  CHECK(dev_message == cpu_message);
}

// The devices besides the CPU that the CUDA cases run on; without one, a message saying why.
std::vector<Device> cuda_or_skip() {
  auto devices = cuda_devices();
  if (devices.empty()) MESSAGE("CUDA tests skipped: no GPU (" << cuda_unavailable_reason() << ")");
  return devices;
}

// --- per-kernel comparisons: each runs the CPU on host buffers and `dev` on its own ---

template <class T>
void compare_unary(sb::Backend& dev, UnaryOp op, const Host<T>& x, double alpha = 0.0) {
  Host<T> expected(x.shape);
  cpu().unary(op, x.in(), expected.out(), alpha);
  DeviceTensor<T> dx(dev, x), dy(dev, x.shape);
  dev.unary(op, dx.in(), dy.out(), alpha);
  check_close(expected, dy.to_host(), "unary op " + std::to_string(static_cast<int>(op)) + " dtype " +
                                          std::string(strata::dtype_name(strata::dtype_of<T>())));
}

template <class T, class R = T>
void compare_binary(sb::Backend& dev, BinaryOp op, const Host<T>& a, const Host<T>& b, const Shape& out_shape) {
  Host<R> expected(out_shape);
  cpu().binary(op, a.in(), b.in(), expected.out());
  DeviceTensor<T> da(dev, a), db(dev, b);
  DeviceTensor<R> dout(dev, out_shape);
  dev.binary(op, da.in(), db.in(), dout.out());
  check_close(expected, dout.to_host(),
              "binary op " + std::to_string(static_cast<int>(op)) + " " + std::string(strata::dtype_name(strata::dtype_of<T>())) +
                  " " + a.shape.to_string() + " x " + b.shape.to_string());
}

template <class T>
void compare_reduce(sb::Backend& dev, ReduceOp op, const Host<T>& x, const std::vector<int>& axes) {
  Shape out_shape = x.shape;
  for (int a : axes) out_shape[static_cast<std::size_t>(a)] = 1;
  Host<T> expected(out_shape);
  cpu().reduce(op, x.in(), axes, expected.out());
  DeviceTensor<T> dx(dev, x), dout(dev, out_shape);
  dev.reduce(op, dx.in(), axes, dout.out());
  std::string axes_text;
  for (int a : axes) axes_text += std::to_string(a) + " ";
  const double scale = op == ReduceOp::prod ? 0.0 : max_abs(x) * std::sqrt(static_cast<double>(x.values.size()));
  check_close(expected, dout.to_host(),
              "reduce op " + std::to_string(static_cast<int>(op)) + " of " + x.shape.to_string() + " over " + axes_text,
              default_rtol<T>() * scale);
}

template <class T>
void compare_gemm(sb::Backend& dev, sb::GemmArgs g, std::int64_t a_size, std::int64_t b_size, std::int64_t c_size,
                  std::int64_t n_bias, std::uint64_t seed, double tolerance_scale = 1.0) {
  g.dtype = strata::dtype_of<T>();
  const auto a = random_host<T>(Shape{a_size}, seed), b = random_host<T>(Shape{b_size}, seed + 1);
  const auto c0 = random_host<T>(Shape{c_size}, seed + 2), bias = random_host<T>(Shape{std::max<std::int64_t>(n_bias, 1)}, seed + 3);
  Host<T> expected = c0;
  sb::GemmArgs h = g;
  h.a = a.values.data(), h.b = b.values.data(), h.c = expected.values.data(), h.bias = n_bias ? bias.values.data() : nullptr;
  cpu().gemm(h);
  DeviceTensor<T> da(dev, a), db(dev, b), dc(dev, c0), dbias(dev, bias);
  sb::GemmArgs d = g;
  d.a = da.data(), d.b = db.data(), d.c = dc.data(), d.bias = n_bias ? dbias.data() : nullptr;
  dev.gemm(d);
  check_close(expected, dc.to_host(),
              "gemm m " + std::to_string(g.m) + " n " + std::to_string(g.n) + " k " + std::to_string(g.k) + " batch " +
                  std::to_string(g.batch) + (g.transpose_a ? " ta" : "") + (g.transpose_b ? " tb" : ""),
              tolerance_scale * default_rtol<T>() * 4.0 * std::sqrt(static_cast<double>(std::max<std::int64_t>(g.k, 1))) * 4.0,
              tolerance_scale * default_rtol<T>());
}

template <class T>
void compare_conv(sb::Backend& dev, sb::ConvArgs a, std::uint64_t seed) {
  a.dtype = strata::dtype_of<T>();
  const Shape xs{a.batch, a.in_h, a.in_w, a.in_channels};
  const Shape ks{a.kernel_h, a.kernel_w, a.in_channels / a.groups, a.filters};
  const Shape ys{a.batch, a.out_h, a.out_w, a.filters};
  const auto x = random_host<T>(xs, seed), k = random_host<T>(ks, seed + 1), dy = random_host<T>(ys, seed + 2);
  const double tol = default_rtol<T>() * 4.0 * std::sqrt(static_cast<double>(a.kernel_h * a.kernel_w * a.in_channels)) * 4.0;
  Host<T> y(ys), dx(xs), dk(ks);
  cpu().conv2d(a, x.values.data(), k.values.data(), y.values.data());
  cpu().conv2d_backward(a, x.values.data(), k.values.data(), dy.values.data(), dx.values.data(), dk.values.data());
  DeviceTensor<T> gx(dev, x), gk(dev, k), gdy(dev, dy), gy(dev, ys), gdx(dev, xs), gdk(dev, ks);
  dev.conv2d(a, gx.data(), gk.data(), gy.data());
  dev.conv2d_backward(a, gx.data(), gk.data(), gdy.data(), gdx.data(), gdk.data());
  const std::string what = "conv2d " + xs.to_string() + " kernel " + ks.to_string() + " stride " +
                           std::to_string(a.stride_h) + " dilation " + std::to_string(a.dilation_h) + " groups " +
                           std::to_string(a.groups);
  check_close(y, gy.to_host(), what + " y", tol);
  check_close(dx, gdx.to_host(), what + " dx", tol);
  check_close(dk, gdk.to_host(), what + " dkernel", tol * std::sqrt(static_cast<double>(a.batch * a.out_h * a.out_w)));
  // dx alone (kernel only) and dkernel alone (x only), as the ops call them.
  DeviceTensor<T> gdx2(dev, xs), gdk2(dev, ks);
  dev.conv2d_backward(a, nullptr, gk.data(), gdy.data(), gdx2.data(), nullptr);
  dev.conv2d_backward(a, gx.data(), nullptr, gdy.data(), nullptr, gdk2.data());
  check_close(dx, gdx2.to_host(), what + " dx alone", tol);
  check_close(dk, gdk2.to_host(), what + " dkernel alone", tol * std::sqrt(static_cast<double>(a.batch * a.out_h * a.out_w)));
}

template <class T>
void compare_pool(sb::Backend& dev, sb::PoolOp op, sb::PoolArgs a, bool ties, std::uint64_t seed) {
  a.dtype = strata::dtype_of<T>();
  const Shape xs{a.batch, a.in_h, a.in_w, a.channels}, ys{a.batch, a.out_h, a.out_w, a.channels};
  auto x = random_host<T>(xs, seed);
  if (ties)  // few distinct values: max pooling must route to the first largest element
    for (auto& v : x.values) v = std::round(v);
  const auto dy = random_host<T>(ys, seed + 1);
  Host<T> y(ys), dx(xs);
  cpu().pool2d(op, a, x.values.data(), y.values.data());
  cpu().pool2d_backward(op, a, x.values.data(), dy.values.data(), dx.values.data());
  DeviceTensor<T> gx(dev, x), gdy(dev, dy), gy(dev, ys), gdx(dev, xs);
  dev.pool2d(op, a, gx.data(), gy.data());
  dev.pool2d_backward(op, a, gx.data(), gdy.data(), gdx.data());
  const std::string what = std::string(op == sb::PoolOp::max ? "max" : "average") + " pool " + xs.to_string() +
                           " window " + std::to_string(a.pool_h) + " stride " + std::to_string(a.stride_h) + " pad " +
                           std::to_string(a.pad_top);
  check_close(y, gy.to_host(), what + " y");
  check_close(dx, gdx.to_host(), what + " dx", default_rtol<T>() * 8);
}

sb::ConvArgs conv(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c, std::int64_t f, std::int64_t kh,
                  std::int64_t kw, std::int64_t stride, std::int64_t dilation, std::int64_t pad, std::int64_t groups) {
  sb::ConvArgs a;
  a.batch = batch, a.in_h = h, a.in_w = w, a.in_channels = c, a.filters = f, a.kernel_h = kh, a.kernel_w = kw;
  a.stride_h = a.stride_w = stride, a.dilation_h = a.dilation_w = dilation, a.pad_top = a.pad_left = pad;
  a.groups = groups;
  a.out_h = (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1;
  a.out_w = (w + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
  return a;
}

sb::PoolArgs pool(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c, std::int64_t size,
                  std::int64_t stride, std::int64_t pad, std::int64_t out_h, std::int64_t out_w) {
  sb::PoolArgs a;
  a.batch = batch, a.in_h = h, a.in_w = w, a.channels = c, a.out_h = out_h, a.out_w = out_w;
  a.pool_h = a.pool_w = size, a.stride_h = a.stride_w = stride, a.pad_top = a.pad_left = pad;
  return a;
}

// Every kernel of the Backend interface on `dev` against the CPU.
void compare_all_kernels(sb::Backend& dev) {
  SUBCASE("fill and cast over every dtype pair, NaN and saturation included") {
    auto fill_one = [&]<class T>(double value) {
      Host<T> expected(Shape{1000});
      cpu().fill(expected.out(), value);
      DeviceTensor<T> d(dev, Shape{1000});
      dev.fill(d.out(), value);
      check_close(expected, d.to_host(), "fill " + std::to_string(value));
    };
    for (double v : {0.0, -0.0, 1.5, -3.0, 300.0}) {
      fill_one.template operator()<float>(v);
      fill_one.template operator()<double>(v);
      fill_one.template operator()<std::int32_t>(v);
      fill_one.template operator()<std::int64_t>(v);
      fill_one.template operator()<std::uint8_t>(v);
      fill_one.template operator()<bool>(v);
    }
    Host<double> source(Shape{8}, {1.7, -2.5, 0.0, std::nan(""), 1e30, -1e30, 255.9, -0.4});
    auto cast_to = [&]<class S, class T>(const Host<S>& x) {
      Host<T> expected(x.shape);
      cpu().cast(x.in(), expected.out());
      DeviceTensor<S> dx(dev, x);
      DeviceTensor<T> dy(dev, x.shape);
      dev.cast(dx.in(), dy.out());
      check_close(expected, dy.to_host(), "cast");
    };
    auto cast_from = [&]<class S>(const Host<S>& x) {
      cast_to.template operator()<S, float>(x);
      cast_to.template operator()<S, double>(x);
      cast_to.template operator()<S, std::int32_t>(x);
      cast_to.template operator()<S, std::int64_t>(x);
      cast_to.template operator()<S, std::uint8_t>(x);
      cast_to.template operator()<S, bool>(x);
    };
    Host<float> as_float(source.shape);
    cpu().cast(source.in(), as_float.out());
    Host<std::int32_t> as_int(source.shape);
    cpu().cast(source.in(), as_int.out());
    Host<std::int64_t> as_long(source.shape);
    cpu().cast(source.in(), as_long.out());
    Host<std::uint8_t> as_byte(source.shape);
    cpu().cast(source.in(), as_byte.out());
    Host<bool> as_bool(source.shape);
    cpu().cast(source.in(), as_bool.out());
    cast_from(source);
    cast_from(as_float);
    cast_from(as_int);
    cast_from(as_long);
    cast_from(as_byte);
    cast_from(as_bool);
  }

  SUBCASE("unary: every op in float32 and float64, the integer ops, logical_not") {
    const auto xf = random_host<float>(Shape{3, 257}, 1, -3.0, 3.0);
    const auto xd = random_host<double>(Shape{3, 257}, 2, -3.0, 3.0);
    const auto pf = random_host<float>(Shape{3, 257}, 3, 0.05, 4.0);  // the domain of sqrt, log, ...
    const auto pd = random_host<double>(Shape{3, 257}, 4, 0.05, 4.0);
    for (int o = 0; o <= static_cast<int>(UnaryOp::swish); ++o) {
      const auto op = static_cast<UnaryOp>(o);
      const bool positive = op == UnaryOp::sqrt || op == UnaryOp::rsqrt || op == UnaryOp::log;
      compare_unary(dev, op, positive ? pf : xf, 0.3);
      compare_unary(dev, op, positive ? pd : xd, 0.3);
    }
    const auto xi = random_host<std::int32_t>(Shape{100}, 5, -50, 50);
    const auto xl = random_host<std::int64_t>(Shape{100}, 6, -50, 50);
    const auto xb = random_host<std::uint8_t>(Shape{100}, 7, 0, 255);
    for (auto op : {UnaryOp::negative, UnaryOp::abs, UnaryOp::sign, UnaryOp::square, UnaryOp::floor, UnaryOp::round}) {
      compare_unary(dev, op, xi);
      compare_unary(dev, op, xl);
      compare_unary(dev, op, xb);
    }
    Host<std::int32_t> extreme(Shape{2}, {std::numeric_limits<std::int32_t>::min(), 7});
    compare_unary(dev, UnaryOp::negative, extreme);
    compare_unary(dev, UnaryOp::abs, extreme);
    auto logical_not = [&]<class T>(const Host<T>& x) {
      Host<bool> expected(x.shape);
      cpu().unary(UnaryOp::logical_not, x.in(), expected.out());
      DeviceTensor<T> dx(dev, x);
      DeviceTensor<bool> dy(dev, x.shape);
      dev.unary(UnaryOp::logical_not, dx.in(), dy.out());
      check_close(expected, dy.to_host(), "logical_not");
    };
    logical_not(xi);
    logical_not(random_host<float>(Shape{50}, 8, -1, 1));
    logical_not(random_host<bool>(Shape{50}, 9, 0, 1));
    check_same_error([&](sb::Backend& b) {
      DeviceTensor<std::int32_t> x(b, xi), y(b, xi.shape);
      b.unary(UnaryOp::sqrt, x.in(), y.out());
    }, dev, "sqrt of int32");
    check_same_error([&](sb::Backend& b) {
      const auto bools = random_host<bool>(Shape{4}, 10, 0, 1);
      DeviceTensor<bool> x(b, bools), y(b, bools.shape);
      b.unary(UnaryOp::negative, x.in(), y.out());
    }, dev, "negative of bool");
  }

  SUBCASE("binary: every op and dtype, with broadcasting") {
    const std::vector<std::array<Shape, 3>> shapes = {
        {Shape{4, 33}, Shape{4, 33}, Shape{4, 33}},          // same shape
        {Shape{4, 33}, Shape{33}, Shape{4, 33}},             // a row (bias)
        {Shape{4, 1}, Shape{4, 33}, Shape{4, 33}},           // a column
        {Shape{}, Shape{2, 3, 5}, Shape{2, 3, 5}},           // a scalar
        {Shape{2, 1, 5, 1}, Shape{3, 1, 4}, Shape{2, 3, 5, 4}},  // both broadcast
    };
    auto arithmetic = [&]<class T>(double lo, double hi, std::uint64_t seed) {
      for (const auto& [sa, sb_, so] : shapes) {
        const auto a = random_host<T>(sa, seed, lo, hi), b = random_host<T>(sb_, seed + 1, lo, hi);
        for (auto op : {BinaryOp::add, BinaryOp::subtract, BinaryOp::multiply, BinaryOp::divide, BinaryOp::maximum,
                        BinaryOp::minimum})
          compare_binary<T>(dev, op, a, b, so);
        for (int o = static_cast<int>(BinaryOp::equal); o <= static_cast<int>(BinaryOp::logical_xor); ++o)
          compare_binary<T, bool>(dev, static_cast<BinaryOp>(o), a, b, so);
      }
    };
    arithmetic.template operator()<float>(-3, 3, 20);
    arithmetic.template operator()<double>(-3, 3, 21);
    arithmetic.template operator()<std::int32_t>(-20, 20, 22);  // floor division of negatives included
    arithmetic.template operator()<std::int64_t>(-20, 20, 23);
    arithmetic.template operator()<std::uint8_t>(0, 60, 24);
    // pow on positive bases, and integer powers
    compare_binary<float>(dev, BinaryOp::pow, random_host<float>(Shape{50}, 25, 0.1, 3), random_host<float>(Shape{50}, 26, -2, 2), Shape{50});
    compare_binary<double>(dev, BinaryOp::pow, random_host<double>(Shape{50}, 27, 0.1, 3), random_host<double>(Shape{50}, 28, -2, 2), Shape{50});
    compare_binary<std::int32_t>(dev, BinaryOp::pow, random_host<std::int32_t>(Shape{50}, 29, -4, 4), random_host<std::int32_t>(Shape{50}, 30, -2, 6), Shape{50});
    // bool: + and maximum are or, * and minimum are and
    const auto ba = random_host<bool>(Shape{3, 7}, 31, 0, 1), bb = random_host<bool>(Shape{7}, 32, 0, 1);
    for (auto op : {BinaryOp::add, BinaryOp::maximum, BinaryOp::multiply, BinaryOp::minimum})
      compare_binary<bool>(dev, op, ba, bb, Shape{3, 7});
    compare_binary<bool, bool>(dev, BinaryOp::logical_xor, ba, bb, Shape{3, 7});
    check_same_error([&](sb::Backend& b) {
      DeviceTensor<bool> x(b, ba), y(b, bb), out(b, Shape{3, 7});
      b.binary(BinaryOp::subtract, x.in(), y.in(), out.out());
    }, dev, "bool subtract");
    check_same_error([&](sb::Backend& b) {
      const auto a = random_host<float>(Shape{3, 4}, 33), c = random_host<float>(Shape{5}, 34);
      DeviceTensor<float> x(b, a), y(b, c), out(b, Shape{3, 4});
      b.binary(BinaryOp::add, x.in(), y.in(), out.out());
    }, dev, "shapes that do not broadcast");
  }

  SUBCASE("where with broadcasting, every dtype size") {
    const auto c = random_host<bool>(Shape{3, 1, 5}, 40, 0, 1);
    auto run = [&]<class T>() {
      const auto a = random_host<T>(Shape{4, 5}, 41, -9, 9), b = random_host<T>(Shape{3, 4, 1}, 42, -9, 9);
      const Shape out_shape{3, 4, 5};
      Host<T> expected(out_shape);
      cpu().where(c.in(), a.in(), b.in(), expected.out());
      DeviceTensor<bool> dc(dev, c);
      DeviceTensor<T> da(dev, a), db(dev, b), dout(dev, out_shape);
      dev.where(dc.in(), da.in(), db.in(), dout.out());
      check_close(expected, dout.to_host(), "where");
    };
    run.template operator()<float>();
    run.template operator()<double>();
    run.template operator()<std::int32_t>();
    run.template operator()<std::int64_t>();
    run.template operator()<std::uint8_t>();
    run.template operator()<bool>();
  }

  SUBCASE("reduce: every op over many axis sets, small and large") {
    const std::vector<std::pair<Shape, std::vector<std::vector<int>>>> cases = {
        {Shape{7}, {{0}}},
        {Shape{2, 3, 4, 5}, {{0}, {1}, {3}, {0, 1}, {0, 2}, {1, 3}, {0, 1, 2, 3}, {0, 2, 3}}},
        {Shape{1000, 130}, {{0}, {1}, {0, 1}}},  // per-block reduction with slices
        {Shape{3, 70000}, {{1}, {0, 1}}},
        {Shape{}, {{}}},
    };
    for (const auto& [shape, axes_list] : cases)
      for (const auto& axes : axes_list) {
        const auto xf = random_host<float>(shape, 50, -2, 2);
        const auto xd = random_host<double>(shape, 51, -2, 2);
        const auto xi = random_host<std::int32_t>(shape, 52, -9, 9);
        const auto xl = random_host<std::int64_t>(shape, 53, -9, 9);
        const auto xb = random_host<std::uint8_t>(shape, 54, 0, 200);
        for (auto op : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max, ReduceOp::min}) {
          compare_reduce(dev, op, xf, axes);
          compare_reduce(dev, op, xd, axes);
          compare_reduce(dev, op, xi, axes);
          compare_reduce(dev, op, xl, axes);
          compare_reduce(dev, op, xb, axes);
        }
        if (shape.num_elements() < 1000) {  // prod of few values stays finite
          compare_reduce(dev, ReduceOp::prod, random_host<float>(shape, 55, 0.5, 1.5), axes);
          compare_reduce(dev, ReduceOp::prod, random_host<double>(shape, 56, 0.5, 1.5), axes);
          compare_reduce(dev, ReduceOp::prod, random_host<std::int32_t>(shape, 57, -2, 3), axes);
        }
      }
    // argmax / argmin with ties (first index wins) along each axis
    auto x = random_host<float>(Shape{4, 6, 5}, 58, -3, 3);
    for (auto& v : x.values) v = std::round(v);
    for (int axis = 0; axis < 3; ++axis)
      for (auto op : {ReduceOp::argmax, ReduceOp::argmin}) {
        Shape out_shape = x.shape;
        out_shape[static_cast<std::size_t>(axis)] = 1;
        Host<std::int64_t> expected(out_shape);
        cpu().reduce(op, x.in(), {axis}, expected.out());
        DeviceTensor<float> dx(dev, x);
        DeviceTensor<std::int64_t> dout(dev, out_shape);
        dev.reduce(op, dx.in(), {axis}, dout.out());
        check_close(expected, dout.to_host(), "arg reduce along " + std::to_string(axis));
      }
    check_same_error([&](sb::Backend& b) {
      const auto bools = random_host<bool>(Shape{4}, 59, 0, 1);
      DeviceTensor<bool> d(b, bools), out(b, Shape{1});
      b.reduce(ReduceOp::sum, d.in(), {0}, out.out());
    }, dev, "sum of bool");
  }

  SUBCASE("gemm: transposes, batches, broadcast operands, beta, k = 0, bias and relu epilogue") {
    auto run = [&]<class T>() {
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          sb::GemmArgs g;
          g.transpose_a = ta, g.transpose_b = tb, g.m = 37, g.n = 29, g.k = 41;
          g.lda = ta ? g.m : g.k, g.ldb = tb ? g.k : g.n, g.ldc = g.n;
          compare_gemm<T>(dev, g, g.m * g.k, g.k * g.n, g.m * g.n, 0, 60);
        }
      sb::GemmArgs batched;  // three products, B shared (stride 0), padded leading dimensions
      batched.batch = 3, batched.m = 5, batched.n = 7, batched.k = 9;
      batched.lda = 11, batched.stride_a = 5 * 11, batched.ldb = 8, batched.stride_b = 0;
      batched.ldc = 10, batched.stride_c = 5 * 10;
      compare_gemm<T>(dev, batched, 3 * 5 * 11, 9 * 8, 3 * 5 * 10, 0, 61);
      sb::GemmArgs scaled;  // alpha and beta
      scaled.m = 6, scaled.n = 5, scaled.k = 4, scaled.lda = 4, scaled.ldb = 5, scaled.ldc = 5;
      scaled.alpha = 0.5, scaled.beta = 2.0;
      compare_gemm<T>(dev, scaled, 24, 20, 30, 0, 62);
      sb::GemmArgs empty_k = scaled;  // no products: C = beta C
      empty_k.k = 0;
      compare_gemm<T>(dev, empty_k, 1, 1, 30, 0, 63);
      empty_k.beta = 0.0;
      compare_gemm<T>(dev, empty_k, 1, 1, 30, 5, 64);
      sb::GemmArgs dense;  // a Dense layer on one sample and on a batch, with bias and relu
      dense.m = 1, dense.n = 130, dense.k = 784, dense.lda = 784, dense.ldb = 130, dense.ldc = 130;
      dense.relu = true;
      compare_gemm<T>(dev, dense, 784, 784 * 130, 130, 130, 65);
      dense.m = 64;
      compare_gemm<T>(dev, dense, 64 * 784, 784 * 130, 64 * 130, 130, 66);
    };
    run.template operator()<float>();
    run.template operator()<double>();
    check_same_error([&](sb::Backend& b) {
      sb::GemmArgs g;
      g.dtype = strata::DType::int32, g.m = g.n = g.k = g.lda = g.ldb = g.ldc = 1;
      DeviceTensor<std::int32_t> buf(b, Shape{1});
      g.a = g.b = g.c = buf.data();
      b.gemm(g);
    }, dev, "gemm of int32");
  }

  SUBCASE("copy_strided: transpose, slice with offset, broadcast") {
    const auto x = random_host<float>(Shape{3, 4, 5}, 70);
    auto run = [&](const Shape& shape, std::int64_t src_offset, std::vector<std::int64_t> src_strides,
                   std::vector<std::int64_t> dst_strides, std::int64_t out_size) {
      sb::StridedCopyArgs args;
      args.dtype = strata::DType::float32, args.shape = shape, args.src_offset = src_offset;
      args.src_strides = src_strides, args.dst_strides = dst_strides;
      Host<float> expected(Shape{out_size});
      args.src = x.values.data(), args.dst = expected.values.data();
      cpu().copy_strided(args);
      DeviceTensor<float> dx(dev, x), dout(dev, Shape{out_size});
      dev.fill(dout.out(), 0.0);
      args.src = dx.data(), args.dst = dout.data();
      dev.copy_strided(args);
      check_close(expected, dout.to_host(), "copy_strided " + shape.to_string());
    };
    run(Shape{5, 3, 4}, 0, {1, 20, 5}, {12, 4, 1}, 60);   // transpose (2, 0, 1)
    run(Shape{2, 2, 3}, 26, {20, 5, 1}, {6, 3, 1}, 12);   // x[1:3, 1:3, 1:4]
    run(Shape{4, 5}, 0, {0, 1}, {5, 1}, 20);              // broadcast a row
    run(Shape{3, 4, 5}, 0, {20, 5, 1}, {20, 5, 1}, 60);   // plain copy
  }

  SUBCASE("gather and scatter_add along each axis, repeated indices, bad index errors") {
    const auto x = random_host<float>(Shape{4, 5, 3}, 80);
    auto run = [&]<class I>(int axis, const Host<I>& idx) {
      Shape out_shape;
      for (int d = 0; d < axis; ++d) out_shape.push_back(x.shape[static_cast<std::size_t>(d)]);
      for (auto v : idx.shape) out_shape.push_back(v);
      for (int d = axis + 1; d < 3; ++d) out_shape.push_back(x.shape[static_cast<std::size_t>(d)]);
      Host<float> expected(out_shape);
      cpu().gather(x.in(), idx.in(), axis, expected.out());
      DeviceTensor<float> dx(dev, x), dout(dev, out_shape);
      DeviceTensor<I> di(dev, idx);
      dev.gather(dx.in(), di.in(), axis, dout.out());
      check_close(expected, dout.to_host(), "gather along " + std::to_string(axis));
      const auto updates = random_host<float>(out_shape, 81);
      Host<float> summed(x.shape);
      cpu().fill(summed.out(), 0.5);
      cpu().scatter_add(updates.in(), idx.in(), axis, summed.out());
      DeviceTensor<float> du(dev, updates), ds(dev, x.shape);
      dev.fill(ds.out(), 0.5);
      dev.scatter_add(du.in(), di.in(), axis, ds.out());
      check_close(summed, ds.to_host(), "scatter_add along " + std::to_string(axis), 1e-6);
    };
    run(0, Host<std::int32_t>(Shape{2, 3}, {3, 0, 3, 1, 1, 2}));
    run(1, Host<std::int64_t>(Shape{6}, {4, 4, 0, 2, 4, 1}));
    run(2, Host<std::int32_t>(Shape{2}, {2, 2}));
    // integer scatter_add (atomics of every width)
    auto scatter_typed = [&]<class T>() {
      const auto u = random_host<T>(Shape{6, 2}, 82, 0, 9);
      Host<std::int64_t> idx(Shape{6}, {0, 2, 0, 1, 2, 0});
      Host<T> expected(Shape{3, 2});
      cpu().fill(expected.out(), 1.0);
      cpu().scatter_add(u.in(), idx.in(), 0, expected.out());
      DeviceTensor<T> du(dev, u), dout(dev, Shape{3, 2});
      DeviceTensor<std::int64_t> di(dev, idx);
      dev.fill(dout.out(), 1.0);
      dev.scatter_add(du.in(), di.in(), 0, dout.out());
      check_close(expected, dout.to_host(), "scatter_add typed");
    };
    scatter_typed.template operator()<double>();
    scatter_typed.template operator()<std::int32_t>();
    scatter_typed.template operator()<std::int64_t>();
    scatter_typed.template operator()<std::uint8_t>();
    scatter_typed.template operator()<bool>();
    check_same_error([&](sb::Backend& b) {
      Host<std::int64_t> idx(Shape{3}, {1, 7, -1});
      DeviceTensor<float> dx(b, x), out(b, Shape{3, 5, 3});
      DeviceTensor<std::int64_t> di(b, idx);
      b.gather(dx.in(), di.in(), 0, out.out());
    }, dev, "gather out of range");
    check_same_error([&](sb::Backend& b) {
      Host<std::int32_t> idx(Shape{2}, {0, 5});
      DeviceTensor<float> u(b, Shape{4, 2, 3}), out(b, x.shape);
      DeviceTensor<std::int32_t> di(b, idx);
      b.scatter_add(u.in(), di.in(), 1, out.out());
    }, dev, "scatter_add out of range");
  }

  SUBCASE("softmax and log_softmax along each axis, large values") {
    auto run = [&]<class T>() {
      auto x = random_host<T>(Shape{3, 300, 4}, 90, -5, 5);
      x.values[7] = T(1000);  // stability: exp would overflow without the max shift
      for (int axis = 0; axis < 3; ++axis)
        for (bool log : {false, true}) {
          Host<T> expected(x.shape);
          cpu().softmax(x.in(), axis, log, expected.out());
          DeviceTensor<T> dx(dev, x), dout(dev, x.shape);
          dev.softmax(dx.in(), axis, log, dout.out());
          check_close(expected, dout.to_host(), std::string(log ? "log_softmax" : "softmax") + " along " + std::to_string(axis),
                      default_rtol<T>() * 0.01);
        }
      const auto rows = random_host<T>(Shape{1024, 10}, 91, -5, 5);  // logits of a batch
      Host<T> expected(rows.shape);
      cpu().softmax(rows.in(), 1, true, expected.out());
      DeviceTensor<T> dx(dev, rows), dout(dev, rows.shape);
      dev.softmax(dx.in(), 1, true, dout.out());
      check_close(expected, dout.to_host(), "log_softmax of logits");
    };
    run.template operator()<float>();
    run.template operator()<double>();
  }

  SUBCASE("random: Philox gives the CPU's values for the same seed") {
    auto run = [&]<class T>(sb::Distribution d, double a, double b) {
      Host<T> expected(Shape{10007});
      cpu().random(d, 1234567, a, b, expected.out());
      DeviceTensor<T> dout(dev, Shape{10007});
      dev.random(d, 1234567, a, b, dout.out());
      check_close(expected, dout.to_host(), "random " + std::to_string(static_cast<int>(d)),
                  sizeof(T) == 4 ? 1e-6 : 1e-14, sizeof(T) == 4 ? 1e-6 : 1e-14);
    };
    for (auto d : {sb::Distribution::uniform, sb::Distribution::normal, sb::Distribution::truncated_normal}) {
      run.template operator()<float>(d, -0.5, 2.0);
      run.template operator()<double>(d, -0.5, 2.0);
    }
  }

  SUBCASE("conv2d and its gradients: stride, dilation, padding, groups, 1x1") {
    compare_conv<float>(dev, conv(2, 7, 6, 3, 4, 3, 3, 1, 1, 0, 1), 100);
    compare_conv<double>(dev, conv(2, 7, 6, 3, 4, 3, 3, 1, 1, 0, 1), 101);
    compare_conv<float>(dev, conv(3, 9, 8, 4, 6, 3, 3, 2, 1, 1, 2), 102);   // 'same'-like, stride 2, groups
    compare_conv<double>(dev, conv(2, 9, 9, 4, 4, 3, 2, 1, 2, 2, 4), 103);  // dilation, depthwise
    compare_conv<float>(dev, conv(2, 5, 5, 8, 3, 1, 1, 1, 1, 0, 1), 104);   // 1x1: no im2col
    compare_conv<float>(dev, conv(4, 1, 20, 3, 5, 1, 4, 1, 1, 0, 1), 105);  // 1-D
    compare_conv<float>(dev, conv(16, 28, 28, 1, 32, 3, 3, 1, 1, 0, 1), 106);  // the convnet's first layer
  }

  SUBCASE("pool2d and its gradient: max (ties) and average, padding") {
    for (auto op : {sb::PoolOp::max, sb::PoolOp::average}) {
      compare_pool<float>(dev, op, pool(2, 6, 6, 3, 2, 2, 0, 3, 3), true, 110);
      compare_pool<double>(dev, op, pool(2, 7, 7, 3, 3, 2, 1, 4, 4), true, 111);  // 'same', padded
      compare_pool<float>(dev, op, pool(2, 5, 6, 2, 3, 1, 0, 3, 4), true, 112);   // overlapping windows
      compare_pool<float>(dev, op, pool(3, 26, 26, 32, 2, 2, 0, 13, 13), false, 113);
    }
  }

  SUBCASE("adam_update, with and without amsgrad") {
    auto run = [&]<class T>(bool amsgrad) {
      const std::int64_t n = 5000;
      const auto w0 = random_host<T>(Shape{n}, 120), g = random_host<T>(Shape{n}, 121);
      const auto m0 = random_host<T>(Shape{n}, 122, -0.1, 0.1), v0 = random_host<T>(Shape{n}, 123, 0, 0.1);
      const auto vm0 = random_host<T>(Shape{n}, 124, 0, 0.1);
      Host<T> w = w0, m = m0, v = v0, vm = vm0;
      sb::AdamUpdateArgs args{w.values.data(), g.values.data(), m.values.data(), v.values.data(),
                              amsgrad ? vm.values.data() : nullptr, n, strata::dtype_of<T>(), 1e-3, 0.9, 0.999, 1e-7};
      cpu().adam_update(args);
      DeviceTensor<T> dw(dev, w0), dg(dev, g), dm(dev, m0), dv(dev, v0), dvm(dev, vm0);
      sb::AdamUpdateArgs dargs{dw.data(), dg.data(), dm.data(), dv.data(), amsgrad ? dvm.data() : nullptr, n,
                               strata::dtype_of<T>(), 1e-3, 0.9, 0.999, 1e-7};
      dev.adam_update(dargs);
      check_close(w, dw.to_host(), "adam variable");
      check_close(m, dm.to_host(), "adam m");
      check_close(v, dv.to_host(), "adam v");
      if (amsgrad) check_close(vm, dvm.to_host(), "adam v_max");
    };
    run.template operator()<float>(false);
    run.template operator()<float>(true);
    run.template operator()<double>(false);
  }

  SUBCASE("memory: a repeated step allocates nothing new once warm") {
    const auto x = random_host<float>(Shape{64, 100}, 130), w = random_host<float>(Shape{100, 50}, 131);
    std::uint64_t after_warmup = 0;
    for (int step = 0; step < 6; ++step) {
      DeviceTensor<float> dx(dev, x), dw(dev, w), dy(dev, Shape{64, 50}), ds(dev, Shape{1, 50});
      sb::GemmArgs g;
      g.m = 64, g.n = 50, g.k = 100, g.lda = 100, g.ldb = 50, g.ldc = 50;
      g.a = dx.data(), g.b = dw.data(), g.c = dy.data();
      dev.gemm(g);
      dev.reduce(ReduceOp::sum, dy.in(), {0}, ds.out());
      if (step == 1) after_warmup = dev.memory_stats().system_allocations;
    }
    dev.synchronize();
    CHECK(dev.memory_stats().system_allocations == after_warmup);
  }
}

// --- op-level checks on a device (DeviceScope): gradients, Tensor::to, a model fit ---

void check_gradients_on(const Device& device) {
  using namespace strata;
  using strata::testing::check_gradients;
  DeviceScope scope(device);
  const auto a = testing::random_f64({3, 4}), b = testing::random_f64({4, 5}, -1, 1, 8);
  CHECK(a.device() == device);
  check_gradients([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
  check_gradients([](const std::vector<Tensor>& in) { return log_softmax(in[0]) * in[0]; }, {a});
  check_gradients([](const std::vector<Tensor>& in) { return tanh(in[0]) + sigmoid(in[1]); },
                  {testing::random_f64({2, 5}), testing::random_f64({5}, -1, 1, 9)});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return conv2d(in[0], in[1], {.strides = {2, 1}, .padding = "same", .dilation_rate = {1, 1}});
      },
      {testing::random_f64({2, 5, 6, 3}), testing::random_f64({3, 3, 3, 4}, -1, 1, 10)});
  check_gradients([](const std::vector<Tensor>& in) { return max_pool2d(in[0], {.pool_size = {2, 2}}); },
                  {testing::distinct_f64({2, 4, 4, 3})});
  check_gradients([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], {.pool_size = {3, 3}, .strides = {2, 2}, .padding = "same"}); },
                  {testing::random_f64({1, 5, 5, 2})});
  const Tensor indices = cast(Tensor({2.0, 0.0, 2.0}), int64);
  check_gradients([indices](const std::vector<Tensor>& in) { return gather(in[0], indices, 0); },
                  {testing::random_f64({3, 4})});
  check_gradients([](const std::vector<Tensor>& in) { return sum(in[0] * in[0], Axes({1})); },
                  {testing::random_f64({3, 4})});
}

// Trains the same small classifier on `device` and returns its per-epoch losses and predictions.
std::pair<std::vector<double>, std::vector<float>> fit_small_model(const Device& device) {
  using namespace strata;
  using namespace strata::layers;
  DeviceScope scope(device);
  set_random_seed(2024);
  const Tensor x = uniform({96, 12}, {.minval = -1.0, .maxval = 1.0, .seed = 5});
  const Tensor w = uniform({12, 3}, {.minval = -1.0, .maxval = 1.0, .seed = 6});
  const Tensor y = cast(argmax(matmul(x, w), -1), int32);
  Sequential model({Input({12}), Dense(16, "relu"), Dense(3)});
  model.compile({.optimizer = optimizers::Adam(1e-2),
                 .loss = losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  auto history = model.fit(x, y, {.epochs = 4, .batch_size = 16, .shuffle = false, .verbose = 0});
  return {history.history.at("loss"), model.predict(x).to_vector<float>()};
}

}  // namespace

TEST_CASE("cuda: without a GPU, asking for cuda raises DeviceError with CUDA's reason") {
  if (!sb::is_registered("cuda")) {
    MESSAGE("CUDA tests skipped: the CUDA backend is not built (STRATA_CUDA=OFF)");
    return;
  }
  if (!cuda_devices().empty()) {
    // With a GPU: the devices are listed and usable.
    auto& backend = sb::get_backend(Device("cuda"));
    CHECK(backend.device() == Device("cuda", 0));
    const auto listed = strata::config::list_devices();
    CHECK(std::find(listed.begin(), listed.end(), Device("cuda", 0)) != listed.end());
    CHECK(listed.front() == Device("cpu"));
    MESSAGE("CUDA devices present: " << cuda_devices().size());
    return;
  }
  const std::string reason = cuda_unavailable_reason();
  MESSAGE("CUDA tests skipped: no GPU (" << reason << ")");
  CHECK(reason.find("cudaGetDeviceCount") == 0);
  try {
    sb::get_backend(Device("cuda"));
    FAIL("get_backend(cuda) without a GPU did not throw");
  } catch (const strata::DeviceError& e) {
    const std::string what = e.what();
    CHECK(what.find("cuda:0") != std::string::npos);
    CHECK(what.find("cudaGetDeviceCount: ") != std::string::npos);
  }
  CHECK_THROWS_AS(strata::config::set_default_device("cuda"), strata::DeviceError);
  CHECK_THROWS_AS(strata::DeviceScope(Device("cuda:0")), strata::DeviceError);
  CHECK(strata::config::default_device() == Device("cpu"));  // no silent change, no fallback
  for (const auto& d : strata::config::list_devices()) CHECK(d.type != "cuda");
}

TEST_CASE("cuda: every kernel equals the CPU's") {
  for (const auto& device : cuda_or_skip()) {
    INFO("device " << device.to_string());
    compare_all_kernels(sb::get_backend(device));
  }
}

TEST_CASE("cuda: TF32 is off by default and can be allowed") {
  CHECK_FALSE(sb::cuda_allow_tf32());
  for (const auto& device : cuda_or_skip()) {
    auto& dev = sb::get_backend(device);
    sb::set_cuda_allow_tf32(true);
    sb::GemmArgs g;
    g.m = g.n = g.k = g.lda = g.ldb = g.ldc = 256;
    // TF32 keeps 10 bits of mantissa in the products: ~1e-3 relative instead of ~1e-7.
    compare_gemm<float>(dev, g, 256 * 256, 256 * 256, 256 * 256, 0, 140, 300.0);
    sb::set_cuda_allow_tf32(false);
  }
  sb::set_cuda_allow_tf32(false);
}

TEST_CASE("cuda: float64 gradient checks of ops on the GPU") {
  for (const auto& device : cuda_or_skip()) check_gradients_on(device);
}

TEST_CASE("cuda: a small model trains on the GPU as on the CPU") {
  for (const auto& device : cuda_or_skip()) {
    const auto [cpu_losses, cpu_predictions] = fit_small_model(Device("cpu"));
    const auto [gpu_losses, gpu_predictions] = fit_small_model(device);
    REQUIRE(cpu_losses.size() == gpu_losses.size());
    for (std::size_t i = 0; i < cpu_losses.size(); ++i) CHECK(gpu_losses[i] == doctest::Approx(cpu_losses[i]).epsilon(1e-4));
    REQUIRE(cpu_predictions.size() == gpu_predictions.size());
    for (std::size_t i = 0; i < cpu_predictions.size(); ++i)
      CHECK(gpu_predictions[i] == doctest::Approx(cpu_predictions[i]).epsilon(1e-3).scale(1.0));
  }
}

TEST_CASE("cuda: tensors move with to() and ops on two devices raise DeviceError naming both") {
  std::vector<Device> others = cuda_devices();
  others.push_back(twin_device());  // the CPU under another name: runs on every machine
  for (const auto& device : others) {
    INFO("device " << device.to_string());
    const strata::Tensor x({{1.0, -2.0, 3.5}, {4.0, 5.0, -6.25}});
    const auto moved = x.to(device);
    CHECK(moved.device() == device);
    CHECK(moved.to(Device("cpu")).to_vector<float>() == x.to_vector<float>());
    CHECK(moved.to(device).id() == moved.id());  // same device: the same tensor
    auto names_both = [&](const std::function<void()>& op) {
      try {
        op();
        FAIL("no DeviceError");
      } catch (const strata::DeviceError& e) {
        const std::string what = e.what();
        CHECK(what.find("cpu") != std::string::npos);
        CHECK(what.find(device.to_string()) != std::string::npos);
      }
    };
    names_both([&] { strata::add(x, moved); });
    names_both([&] { strata::matmul(x, strata::transpose(moved)); });
    names_both([&] { strata::where(strata::greater(x, strata::zeros_like(x)), x, moved); });
    names_both([&] { strata::gather(moved, strata::cast(strata::Tensor({1.0}), strata::int64), 0); });
  }
}

TEST_CASE("cuda: the comparison harness itself, on the CPU twin device") {
  // The same comparisons as on a GPU, against the CPU under another name: they must all pass
  // exactly, which checks the harness (buffers, copies, tolerances) on machines without a GPU.
  compare_all_kernels(sb::get_backend(twin_device()));
}

TEST_CASE("cuda: op-level checks on the CPU twin device") {
  check_gradients_on(twin_device());
  const auto [cpu_losses, cpu_predictions] = fit_small_model(Device("cpu"));
  const auto [twin_losses, twin_predictions] = fit_small_model(twin_device());
  CHECK(twin_losses == cpu_losses);
  CHECK(twin_predictions == cpu_predictions);
}
