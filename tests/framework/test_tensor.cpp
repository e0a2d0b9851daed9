// strata::Tensor: construction, creation ops, random tensors, copying out, item, devices, printing
// (TensorFlow's repr with Strata's name; the values exactly as NumPy 1.24 prints them), and Shape,
// DType, Device.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "strata/strata.hpp"

namespace st = strata;
using st::Shape;
using st::Tensor;

namespace {

std::vector<double> values_of(const Tensor& t) { return t.to_vector<double>(); }

std::vector<double> iota(int n, double start = 0.0) {
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

struct Moments {
  double mean;
  double stddev;
  double min;
  double max;
};
Moments moments(const Tensor& t) {
  const auto v = values_of(t);
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double var = 0.0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= static_cast<double>(v.size());
  return {mean, std::sqrt(var), *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

std::string printed(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace

// ------------------------------------------------------------------ construction

TEST_CASE("Tensor: scalars as tf.constant") {
  const Tensor f(5.0f);
  CHECK(f.shape() == Shape{});
  CHECK(f.rank() == 0);
  CHECK(f.size() == 1);
  CHECK(f.dtype() == st::float32);
  CHECK(f.item<float>() == 5.0f);
  CHECK(Tensor(2.5).dtype() == st::float32);  // double makes float32, as tf.constant(2.5)
  CHECK(Tensor(2.5).item<double>() == 2.5);
  CHECK(Tensor(7).dtype() == st::int32);
  CHECK(Tensor(7).item<int>() == 7);
  CHECK(Tensor(std::int64_t{1} << 40).dtype() == st::int64);
  CHECK(Tensor(std::int64_t{1} << 40).item<std::int64_t>() == (std::int64_t{1} << 40));
}

TEST_CASE("Tensor: nested lists of rank 1 to 4") {
  const Tensor v({1, 2, 3});
  CHECK(v.shape() == Shape{3});
  CHECK(v.dtype() == st::float32);
  CHECK(values_of(v) == std::vector<double>{1, 2, 3});

  const Tensor m({{1, 2, 3}, {4, 5, 6}});
  CHECK(m.shape() == Shape{2, 3});
  CHECK(values_of(m) == iota(6, 1));

  const Tensor r3({{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}, {9, 10}, {11, 12}}});
  CHECK(r3.shape() == Shape{2, 3, 2});
  CHECK(values_of(r3) == iota(12, 1));

  const Tensor r4({{{{1, 2}}, {{3, 4}}}, {{{5, 6}}, {{7, 8}}}, {{{9, 10}}, {{11, 12}}}});
  CHECK(r4.shape() == Shape{3, 2, 1, 2});
  CHECK(r4.rank() == 4);
  CHECK(values_of(r4) == iota(12, 1));
}

TEST_CASE("Tensor: nested lists with a dtype") {
  for (auto dtype : {st::float32, st::float64, st::int32, st::int64, st::uint8}) {
    const Tensor t({{1, 2}, {3, 4}}, dtype);
    CHECK(t.dtype() == dtype);
    CHECK(values_of(t) == std::vector<double>{1, 2, 3, 4});
  }
  const Tensor b({1, 0, 1}, st::bool_);
  CHECK(b.dtype() == st::bool_);
  CHECK(b.to_vector<bool>() == std::vector<bool>{true, false, true});
  const Tensor d({0.1, 0.2}, st::float64);
  CHECK(d.to_vector<double>() == std::vector<double>{0.1, 0.2});  // no trip through float32
}

TEST_CASE("Tensor: ragged nested lists are a ValueError") {
  CHECK_THROWS_AS(Tensor({{1, 2}, {3}}), st::ValueError);
  CHECK_THROWS_AS(Tensor({{{1, 2}}, {{3, 4}, {5, 6}}}), st::ValueError);
}

TEST_CASE("Tensor: from_vector and from_host") {
  const Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(a.dtype() == st::float32);
  CHECK(a.shape() == Shape{2, 3});
  const Tensor b = Tensor::from_vector(std::vector<std::int32_t>{1, -2}, {2});
  CHECK(b.dtype() == st::int32);
  const Tensor c = Tensor::from_vector(std::vector<double>{1.5, -2.5}, {2}, st::float32);
  CHECK(c.dtype() == st::float32);
  CHECK(c.to_vector<float>() == std::vector<float>{1.5f, -2.5f});
  const Tensor s = Tensor::from_vector(std::vector<double>{4.0}, Shape{}, st::float64);
  CHECK(s.shape() == Shape{});
  CHECK(s.item<double>() == 4.0);
  const Tensor empty = Tensor::from_vector(std::vector<float>{}, {0, 3});
  CHECK(empty.size() == 0);
  CHECK(empty.shape() == Shape{0, 3});
  CHECK_THROWS_AS(Tensor::from_vector(std::vector<float>{1, 2, 3}, {2, 2}), st::ValueError);
}

TEST_CASE("Tensor: a handle shares its tensor; ids are unique") {
  const Tensor a({1, 2});
  const Tensor b = a;
  CHECK(a.id() == b.id());
  CHECK(a.impl() == b.impl());
  const Tensor c({1, 2});
  CHECK(c.id() != a.id());
  CHECK_FALSE(Tensor().defined());
  CHECK(a.defined());
  CHECK_FALSE(a.is_variable());
}

// ------------------------------------------------------------------ creation ops

TEST_CASE("zeros, ones, full and the _like forms") {
  const Tensor z = st::zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == st::float32);
  CHECK(values_of(z) == std::vector<double>(6, 0.0));
  const Tensor o = st::ones({4}, st::int64);
  CHECK(o.dtype() == st::int64);
  CHECK(values_of(o) == std::vector<double>(4, 1.0));
  const Tensor f = st::full({2, 2}, 3.5, st::float64);
  CHECK(values_of(f) == std::vector<double>(4, 3.5));
  CHECK(st::zeros({}).shape() == Shape{});

  const Tensor base({{1, 2, 3}}, st::float64);
  const Tensor zl = st::zeros_like(base);
  CHECK(zl.shape() == base.shape());
  CHECK(zl.dtype() == st::float64);
  CHECK(values_of(zl) == std::vector<double>(3, 0.0));
  CHECK(values_of(st::ones_like(base)) == std::vector<double>(3, 1.0));
  CHECK(values_of(st::full_like(base, -2.0)) == std::vector<double>(3, -2.0));
  CHECK(st::full_like(base, -2.0).dtype() == st::float64);
  const Tensor s = st::scalar(2.0, st::int32, st::Device("cpu"));
  CHECK(s.shape() == Shape{});
  CHECK(s.dtype() == st::int32);
  CHECK(s.item<int>() == 2);
}

TEST_CASE("arange and linspace") {
  const Tensor a = st::arange(5);
  CHECK(a.dtype() == st::int64);
  CHECK(a.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  const Tensor b = st::arange(1.0, 2.0, 0.25);
  CHECK(b.dtype() == st::float32);
  CHECK(values_of(b) == std::vector<double>{1.0, 1.25, 1.5, 1.75});
  CHECK(values_of(st::arange(5.0, 0.0, -2.0, st::float64)) == std::vector<double>{5, 3, 1});
  CHECK(st::arange(0.0, 1.0, 0.1, st::float64).size() == 10);
  CHECK(st::arange(3.0, 3.0).size() == 0);

  const Tensor l = st::linspace(0.0, 1.0, 5);
  CHECK(l.dtype() == st::float32);
  CHECK(values_of(l) == std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0});
  const auto l2 = values_of(st::linspace(-1.0, 2.0, 7, st::float64));
  CHECK(l2.size() == 7);
  CHECK(l2.front() == -1.0);
  CHECK(l2.back() == 2.0);
  CHECK(l2[3] == doctest::Approx(0.5));
  CHECK(values_of(st::linspace(2.0, 3.0, 1)) == std::vector<double>{2.0});
}

TEST_CASE("eye: square and rectangular") {
  const Tensor i3 = st::eye(3);
  CHECK(i3.shape() == Shape{3, 3});
  CHECK(i3.dtype() == st::float32);
  CHECK(values_of(i3) == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  const Tensor r = st::eye(2, 3, st::int32);
  CHECK(r.shape() == Shape{2, 3});
  CHECK(r.dtype() == st::int32);
  CHECK(values_of(r) == std::vector<double>{1, 0, 0, 0, 1, 0});
}

// ------------------------------------------------------------------ random

TEST_CASE("random: the global seed reproduces a sequence") {
  st::set_random_seed(1234);
  const auto a1 = values_of(st::normal({8}));
  const auto b1 = values_of(st::uniform({8}));
  const auto c1 = values_of(st::truncated_normal({8}));
  st::set_random_seed(1234);
  const auto a2 = values_of(st::normal({8}));
  const auto b2 = values_of(st::uniform({8}));
  const auto c2 = values_of(st::truncated_normal({8}));
  CHECK(a1 == a2);
  CHECK(b1 == b2);
  CHECK(c1 == c2);
  // consecutive calls differ
  st::set_random_seed(1234);
  const auto first = values_of(st::normal({8}));
  const auto second = values_of(st::normal({8}));
  CHECK(first != second);
  // another seed, another sequence
  st::set_random_seed(99);
  CHECK(values_of(st::normal({8})) != a1);
  st::set_random_seed(1234);
  const auto s1 = st::next_random_seed();
  st::set_random_seed(1234);
  CHECK(st::next_random_seed() == s1);
}

TEST_CASE("random: a per-call seed gives the same values on every call") {
  st::set_random_seed(1);
  const auto a = values_of(st::normal({6}, {.seed = 42}));
  st::set_random_seed(2);
  const auto b = values_of(st::normal({6}, {.seed = 42}));
  const auto c = values_of(st::normal({6}, {.seed = 42}));
  CHECK(a == b);
  CHECK(b == c);
  CHECK(values_of(st::normal({6}, {.seed = 43})) != a);
  CHECK(values_of(st::uniform({6}, {.seed = 5})) == values_of(st::uniform({6}, {.seed = 5})));
  CHECK(values_of(st::truncated_normal({6}, {.seed = 5})) == values_of(st::truncated_normal({6}, {.seed = 5})));
}

TEST_CASE("random: normal statistics on 1e5 samples") {
  const Tensor x = st::normal({100000}, {.mean = 2.0, .stddev = 3.0, .seed = 7});
  CHECK(x.dtype() == st::float32);
  CHECK(x.shape() == Shape{100000});
  const auto m = moments(x);
  CHECK(m.mean == doctest::Approx(2.0).epsilon(0.03));  // se of the mean: 3 / sqrt(1e5) ~ 0.0095
  CHECK(m.stddev == doctest::Approx(3.0).epsilon(0.02));
  CHECK(m.min < 2.0 - 3.0 * 3.0);  // tails are there
  CHECK(m.max > 2.0 + 3.0 * 3.0);
  const Tensor d = st::normal({10, 10}, {.dtype = st::float64, .seed = 1});
  CHECK(d.dtype() == st::float64);
  CHECK(d.shape() == Shape{10, 10});
}

TEST_CASE("random: uniform statistics on 1e5 samples") {
  const Tensor x = st::uniform({100000}, {.minval = -1.0, .maxval = 3.0, .seed = 8});
  const auto m = moments(x);
  CHECK(m.min >= -1.0);
  CHECK(m.max < 3.0);
  CHECK(m.min < -0.99);
  CHECK(m.max > 2.99);
  CHECK(m.mean == doctest::Approx(1.0).epsilon(0.02));
  CHECK(m.stddev == doctest::Approx(4.0 / std::sqrt(12.0)).epsilon(0.02));
  CHECK(st::uniform({3}, {.dtype = st::float64}).dtype() == st::float64);
}

TEST_CASE("random: truncated_normal stays within two standard deviations") {
  const Tensor x = st::truncated_normal({100000}, {.mean = 1.0, .stddev = 0.5, .seed = 9});
  const auto m = moments(x);
  CHECK(m.min >= 1.0 - 2 * 0.5);
  CHECK(m.max <= 1.0 + 2 * 0.5);
  CHECK(m.min < 1.0 - 1.9 * 0.5);
  CHECK(m.max > 1.0 + 1.9 * 0.5);
  CHECK(m.mean == doctest::Approx(1.0).epsilon(0.02));
  // the standard deviation of a normal truncated at +-2 sigma is 0.8796 sigma
  CHECK(m.stddev == doctest::Approx(0.8796 * 0.5).epsilon(0.02));
}

// ------------------------------------------------------------------ reading values

TEST_CASE("to_vector converts to the requested type") {
  const Tensor t({{1.5, -2.0}, {3.0, 4.25}});
  CHECK(t.to_vector<float>() == std::vector<float>{1.5f, -2.0f, 3.0f, 4.25f});
  CHECK(t.to_vector<double>() == std::vector<double>{1.5, -2.0, 3.0, 4.25});
  const Tensor i({1, 2, 3}, st::int32);
  CHECK(i.to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 2, 3});
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3});
  CHECK(i.to_vector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("item: the value of a one-element tensor, a ValueError otherwise") {
  CHECK(Tensor(3.5f).item<float>() == 3.5f);
  CHECK(Tensor(3.5f).item<double>() == 3.5);
  CHECK(st::reshape(Tensor({7}, st::int32), {1, 1}).item<int>() == 7);
  CHECK(Tensor({2.0}).item<float>() == 2.0f);
  CHECK_THROWS_AS(Tensor({1, 2}).item<float>(), st::ValueError);
  CHECK_THROWS_AS(st::zeros({0}).item<float>(), st::ValueError);
}

TEST_CASE("to(Device(\"cpu\")): the same values on the cpu") {
  const Tensor t({{1, 2}, {3, 4}}, st::float64);
  CHECK(t.device() == st::Device("cpu"));
  const Tensor u = t.to(st::Device("cpu"));
  CHECK(u.device().type == "cpu");
  CHECK(u.shape() == t.shape());
  CHECK(u.dtype() == st::float64);
  CHECK(values_of(u) == values_of(t));
}

// ------------------------------------------------------------------ printing

TEST_CASE("printing: a float32 scalar") {
  CHECK(Tensor(5.0f).to_string() == "strata.Tensor(5.0, shape=(), dtype=float32)");
  CHECK(Tensor(-3.75f).to_string() == "strata.Tensor(-3.75, shape=(), dtype=float32)");
}

TEST_CASE("printing: a vector") {
  CHECK(Tensor({1, 2}).to_string() == "strata.Tensor([1. 2.], shape=(2,), dtype=float32)");
}

TEST_CASE("printing: a matrix starts on a new line") {
  CHECK(Tensor({{1, 2}, {3, 4}}).to_string() == "strata.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)");
  CHECK(st::reshape(Tensor({1, 2}, st::int32), {2, 1}).values_to_string() == "[[1]\n [2]]");
}

TEST_CASE("printing: rank 3 separates blocks by a blank line") {
  CHECK(st::zeros({2, 2, 2}).values_to_string() == "[[[0. 0.]\n  [0. 0.]]\n\n [[0. 0.]\n  [0. 0.]]]");
  CHECK(Tensor({{{1, 2, 3}, {4, 5, 6}}}, st::float64).values_to_string() == "[[[1. 2. 3.]\n  [4. 5. 6.]]]");
  CHECK(Tensor({{{{1, 2}}}}).values_to_string() == "[[[[1. 2.]]]]");
}

TEST_CASE("printing: integers") {
  CHECK(Tensor({1, 2, 3}, st::int32).to_string() == "strata.Tensor([1 2 3], shape=(3,), dtype=int32)");
  CHECK(Tensor(7).to_string() == "strata.Tensor(7, shape=(), dtype=int32)");
  CHECK(Tensor({-1, 10, 100}, st::int64).to_string() == "strata.Tensor([ -1  10 100], shape=(3,), dtype=int64)");
  CHECK(Tensor({255, 0}, st::uint8).values_to_string() == "[255   0]");
}

TEST_CASE("printing: bools as NumPy prints them") {
  CHECK(Tensor({1, 0}, st::bool_).to_string() == "strata.Tensor([ True False], shape=(2,), dtype=bool)");
  CHECK(st::reshape(Tensor({1, 0}, st::bool_), {2, 1}).values_to_string() == "[[ True]\n [False]]");
  CHECK(st::reshape(Tensor({0}, st::bool_), Shape{}).values_to_string() == "False");
}

TEST_CASE("printing: non-integral floats pad to a common width") {
  CHECK(Tensor({0.5, 1.25}).values_to_string() == "[0.5  1.25]");
  CHECK(Tensor({1.5, -2.25, 3.0}, st::float64).to_string() ==
        "strata.Tensor([ 1.5  -2.25  3.  ], shape=(3,), dtype=float64)");
  CHECK(Tensor({{0.5, -1.0}, {2.25, 100.0}}, st::float64).values_to_string() == "[[  0.5   -1.  ]\n [  2.25 100.  ]]");
  CHECK(Tensor({100.0, 2.5}, st::float64).values_to_string() == "[100.    2.5]");
  CHECK(Tensor({0.1, 0.2}).values_to_string() == "[0.1 0.2]");
}

TEST_CASE("printing: float32 shows the shortest digits that round-trip") {
  CHECK(Tensor({1.0 / 3.0, 2.0 / 3.0}).values_to_string() == "[0.33333334 0.6666667 ]");
  CHECK(Tensor({1.0 / 3.0}, st::float64).values_to_string() == "[0.33333333]");
  CHECK(Tensor(0.1f).values_to_string() == "0.1");
  CHECK(Tensor(2.5).to_string() == "strata.Tensor(2.5, shape=(), dtype=float32)");
}

TEST_CASE("printing: small and large magnitudes in scientific notation") {
  CHECK(Tensor({1e-5, 1.0}).values_to_string() == "[1.e-05 1.e+00]");
  CHECK(Tensor({1e6, 1.0}).values_to_string() == "[1.e+06 1.e+00]");
  CHECK(Tensor(1e-5f).values_to_string() == "1e-05");
}

TEST_CASE("printing: nan, inf and signed zero") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(Tensor::from_vector(std::vector<float>{std::nanf(""), inf, -inf, 1.0f}, {4}).values_to_string() ==
        "[ nan  inf -inf   1.]");
  CHECK(Tensor({0.0, -0.0}, st::float64).values_to_string() == "[ 0. -0.]");
}

TEST_CASE("printing: an empty tensor") {
  CHECK(st::zeros({0}).to_string() == "strata.Tensor([], shape=(0,), dtype=float32)");
}

TEST_CASE("printing: more than 1000 elements are summarised as NumPy does") {
  CHECK(st::arange(0.0, 1001.0).values_to_string() == "[   0.    1.    2. ...  998.  999. 1000.]");
}

TEST_CASE("printing: operator<< writes to_string") {
  const Tensor t({1, 2, 3}, st::int32);
  CHECK(printed(t) == t.to_string());
  CHECK(printed(t) == "strata.Tensor([1 2 3], shape=(3,), dtype=int32)");
}

// ------------------------------------------------------------------ Shape, DType, Device

TEST_CASE("Shape: to_string, None for unknown dimensions") {
  CHECK(Shape{2, 3}.to_string() == "(2, 3)");
  CHECK(Shape{5}.to_string() == "(5,)");
  CHECK(Shape{}.to_string() == "()");
  CHECK(Shape{-1, 3}.to_string() == "(None, 3)");
  CHECK(Shape{-1, 28, 28}.to_string() == "(None, 28, 28)");
  std::ostringstream os;
  os << Shape{4, 1};
  CHECK(os.str() == "(4, 1)");
}

TEST_CASE("Shape: elements, dims and definedness") {
  CHECK(Shape{2, 3, 4}.num_elements() == 24);
  CHECK(Shape{}.num_elements() == 1);
  CHECK(Shape{0, 3}.num_elements() == 0);
  CHECK(Shape{-1, 3}.num_elements() == -1);
  CHECK_FALSE(Shape{-1, 3}.is_fully_defined());
  CHECK(Shape{2, 3}.is_fully_defined());
  CHECK(Shape{2, 3, 4}.dim(-1) == 4);
  CHECK(Shape{2, 3, 4}.dim(0) == 2);
  CHECK_THROWS_AS(Shape({2, 3}).dim(2), st::ValueError);
  CHECK_THROWS_AS(Shape({2, 3}).dim(-3), st::ValueError);
  CHECK(st::contiguous_strides(Shape{2, 3, 4}) == std::vector<std::int64_t>{12, 4, 1});
}

TEST_CASE("Shape: NumPy broadcasting and axis normalisation") {
  CHECK(st::broadcast_shapes({3, 1}, {1, 4}, "add") == Shape{3, 4});
  CHECK(st::broadcast_shapes({2, 3, 4}, {4}, "add") == Shape{2, 3, 4});
  CHECK(st::broadcast_shapes({}, {2, 3}, "add") == Shape{2, 3});
  CHECK(st::broadcast_shapes({2, 1, 4}, {3, 1}, "add") == Shape{2, 3, 4});
  CHECK_THROWS_AS(st::broadcast_shapes({2, 3}, {4, 5}, "add"), st::ShapeError);
  CHECK(st::normalize_axis(-1, 3, "sum", Shape{2, 3, 4}) == 2);
  CHECK(st::normalize_axis(1, 3, "sum", Shape{2, 3, 4}) == 1);
  CHECK_THROWS_AS(st::normalize_axis(3, 3, "sum", Shape{2, 3, 4}), st::ValueError);
  CHECK_THROWS_AS(st::normalize_axis(-4, 3, "sum", Shape{2, 3, 4}), st::ValueError);
}

TEST_CASE("DType: names and sizes") {
  CHECK(st::dtype_name(st::float32) == "float32");
  CHECK(st::dtype_name(st::float64) == "float64");
  CHECK(st::dtype_name(st::int32) == "int32");
  CHECK(st::dtype_name(st::int64) == "int64");
  CHECK(st::dtype_name(st::uint8) == "uint8");
  CHECK(st::dtype_name(st::bool_) == "bool");
  for (auto d : {st::float32, st::float64, st::int32, st::int64, st::uint8, st::bool_})
    CHECK(st::dtype_from_name(st::dtype_name(d)) == d);
  CHECK(st::dtype_size(st::float32) == 4);
  CHECK(st::dtype_size(st::float64) == 8);
  CHECK(st::dtype_size(st::int64) == 8);
  CHECK(st::dtype_size(st::uint8) == 1);
  CHECK(st::dtype_size(st::bool_) == 1);
  try {
    st::dtype_from_name("float12");
    FAIL("dtype_from_name(\"float12\") did not throw");
  } catch (const st::ValueError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("float12") != std::string::npos);
    CHECK(msg.find("float32") != std::string::npos);  // lists the known names
  }
}

TEST_CASE("Device: parsing, printing, default device and scopes") {
  const st::Device cpu("cpu");
  CHECK(cpu.type == "cpu");
  CHECK(cpu.index == 0);
  const st::Device cuda1("cuda:1");
  CHECK(cuda1.type == "cuda");
  CHECK(cuda1.index == 1);
  CHECK(cuda1.to_string() == "cuda:1");
  CHECK(cpu.to_string() == "cpu");
  CHECK_THROWS_AS(st::Device("cuda:x"), st::ValueError);
  CHECK_THROWS_AS(st::Device(""), st::ValueError);
  CHECK(st::default_device() == cpu);
  CHECK_THROWS_AS(st::set_default_device(st::Device("nosuchbackend")), st::DeviceError);
  {
    st::DeviceScope scope(cpu);
    CHECK(st::default_device() == cpu);
    CHECK(st::zeros({2}).device() == cpu);
  }
  CHECK(st::default_device() == cpu);
}
