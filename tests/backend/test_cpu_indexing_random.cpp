// The CPU backend's copies, gather/scatter_add, softmax and random numbers.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "backend/backend_test_util.hpp"
#include "strata/backend/philox.hpp"
#include "strata/framework/errors.hpp"

using namespace backend_test;
using strata::Shape;

TEST_CASE("copy_strided: transpose, slice, broadcast and a large transpose") {
  Host<float> x(Shape{2, 3}, {1, 2, 3, 4, 5, 6}), t(Shape{3, 2});
  sb::StridedCopyArgs args;
  args.shape = Shape{3, 2};
  args.src = x.values.data();
  args.src_strides = {1, 3};
  args.dst = t.values.data();
  args.dst_strides = {2, 1};
  cpu().copy_strided(args);
  CHECK(t.values == std::vector<float>{1, 4, 2, 5, 3, 6});

  // Column 1..2 of x into the middle of a padded 2 x 4 buffer.
  Host<float> padded(Shape{2, 4}, {0, 0, 0, 0, 0, 0, 0, 0});
  args.shape = Shape{2, 2};
  args.src_offset = 1;
  args.src_strides = {3, 1};
  args.dst = padded.values.data();
  args.dst_offset = 1;
  args.dst_strides = {4, 1};
  cpu().copy_strided(args);
  CHECK(padded.values == std::vector<float>{0, 2, 3, 0, 0, 5, 6, 0});

  // broadcast_to: a row repeated.
  Host<std::int64_t> row(Shape{3}, {7, 8, 9}), rep(Shape{2, 3});
  sb::StridedCopyArgs b;
  b.dtype = strata::DType::int64;
  b.shape = Shape{2, 3};
  b.src = row.values.data();
  b.src_strides = {0, 1};
  b.dst = rep.values.data();
  b.dst_strides = {3, 1};
  cpu().copy_strided(b);
  CHECK(rep.values == std::vector<std::int64_t>{7, 8, 9, 7, 8, 9});

  Host<double> big(Shape{300, 500}), bt(Shape{500, 300});
  for (std::size_t i = 0; i < big.values.size(); ++i) big[i] = double(i);
  sb::StridedCopyArgs l;
  l.dtype = strata::DType::float64;
  l.shape = Shape{500, 300};
  l.src = big.values.data();
  l.src_strides = {1, 500};
  l.dst = bt.values.data();
  l.dst_strides = {300, 1};
  cpu().copy_strided(l);
  for (std::int64_t i = 0; i < 500; ++i)
    for (std::int64_t j = 0; j < 300; ++j)
      if (bt[std::size_t(i * 300 + j)] != big[std::size_t(j * 500 + i)])
        REQUIRE(bt[std::size_t(i * 300 + j)] == big[std::size_t(j * 500 + i)]);
}

TEST_CASE("copy_strided: batched transpose of the last two axes (tiled path)") {
  const std::int64_t b = 3, p = 70, q = 45;
  Host<std::int32_t> src(Shape{b, p, q}), dst(Shape{b, q, p});
  for (std::size_t i = 0; i < src.values.size(); ++i) src[i] = static_cast<std::int32_t>(i);
  sb::StridedCopyArgs args;
  args.dtype = strata::DType::int32;
  args.shape = Shape{b, q, p};
  args.src = src.values.data();
  args.src_strides = {p * q, 1, q};
  args.dst = dst.values.data();
  args.dst_strides = {q * p, p, 1};
  cpu().copy_strided(args);
  bool same = true;
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t j = 0; j < q; ++j)
      for (std::int64_t k = 0; k < p; ++k)
        same = same && dst[std::size_t((i * q + j) * p + k)] == src[std::size_t((i * p + k) * q + j)];
  CHECK(same);
}

TEST_CASE("gather and scatter_add along an axis, with int32 and int64 indices") {
  Host<float> x(Shape{2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Host<std::int32_t> idx(Shape{2, 2}, {2, 0, 2, 2});
  Host<float> out(Shape{2, 2, 2, 2});
  cpu().gather(x.in(), idx.in(), 1, out.out());
  CHECK(out.values == std::vector<float>{4, 5, 0, 1, 4, 5, 4, 5, 10, 11, 6, 7, 10, 11, 10, 11});

  Host<float> acc(Shape{2, 3, 2}, std::vector<float>(12, 0.0f));
  cpu().scatter_add(out.in(), idx.in(), 1, acc.out());
  CHECK(acc.values == std::vector<float>{0, 1, 0, 0, 12, 15, 6, 7, 0, 0, 30, 33});

  Host<std::int64_t> rows(Shape{3}, {1, 1, 0});
  Host<std::int32_t> table(Shape{2, 2}, {1, 2, 3, 4}), picked(Shape{3, 2});
  cpu().gather(table.in(), rows.in(), 0, picked.out());
  CHECK(picked.values == std::vector<std::int32_t>{3, 4, 3, 4, 1, 2});
}

TEST_CASE("gather/scatter_add: an index out of range is a ValueError naming it and the range") {
  Host<float> x(Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  Host<std::int64_t> bad(Shape{2}, {1, 3});
  Host<float> out(Shape{2, 2});
  try {
    cpu().gather(x.in(), bad.in(), 1, out.out());
    FAIL("no exception");
  } catch (const strata::ValueError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("gather") != std::string::npos);
    CHECK(msg.find("index 3") != std::string::npos);
    CHECK(msg.find("[0, 3)") != std::string::npos);
  }
  Host<std::int32_t> negative(Shape{1}, {-1});
  Host<float> updates(Shape{1, 3}, {1, 1, 1});
  CHECK_THROWS_AS(cpu().scatter_add(updates.in(), negative.in(), 0, x.out()), strata::ValueError);
  Host<float> float_indices(Shape{1}, {0});
  CHECK_THROWS_AS(cpu().gather(x.in(), float_indices.in(), 0, out.out()), strata::DTypeError);
}

TEST_CASE("gather and scatter_add: large operands match the small-path results") {
  const std::int64_t n = 5000, inner = 40, count = 3000;
  Host<float> x(Shape{n, inner});
  for (std::size_t i = 0; i < x.values.size(); ++i) x[i] = float(i % 977);
  Host<std::int64_t> idx(Shape{count});
  for (std::int64_t j = 0; j < count; ++j) idx[std::size_t(j)] = (j * 37) % n;
  Host<float> out(Shape{count, inner});
  cpu().gather(x.in(), idx.in(), 0, out.out());
  for (std::int64_t j = 0; j < count; ++j)
    for (std::int64_t c = 0; c < inner; ++c)
      if (out[std::size_t(j * inner + c)] != x[std::size_t(idx[std::size_t(j)] * inner + c)])
        REQUIRE(out[std::size_t(j * inner + c)] == x[std::size_t(idx[std::size_t(j)] * inner + c)]);
  Host<float> acc(Shape{100, 1000}, std::vector<float>(100000, 0.0f));
  Host<std::int32_t> few(Shape{500});
  for (std::int32_t j = 0; j < 500; ++j) few[std::size_t(j)] = j % 100;
  Host<float> ones(Shape{500, 1000}, std::vector<float>(500000, 1.0f));
  cpu().scatter_add(ones.in(), few.in(), 0, acc.out());
  CHECK(std::all_of(acc.values.begin(), acc.values.end(), [](float v) { return v == 5.0f; }));
}

TEST_CASE("softmax and log_softmax: stable for large inputs, along any axis") {
  Host<float> x(Shape{2, 3}, {1000, 1001, 1002, -1000, 0, 1000}), y(Shape{2, 3});
  cpu().softmax(x.in(), 1, false, y.out());
  const double e0 = 1 / (1 + std::exp(1.0) + std::exp(2.0));
  CHECK(y[0] == doctest::Approx(e0));
  CHECK(y[2] == doctest::Approx(std::exp(2.0) * e0));
  CHECK(y[3] == 0.0f);
  CHECK(y[5] == 1.0f);
  cpu().softmax(x.in(), 1, true, y.out());
  CHECK(y[0] == doctest::Approx(std::log(e0)).epsilon(1e-6));
  CHECK(y[3] == doctest::Approx(-2000.0));
  CHECK(y[5] == doctest::Approx(0.0));
  cpu().softmax(x.in(), 0, false, y.out());
  CHECK(y[0] == 1.0f);
  CHECK(y[3] == 0.0f);
  CHECK(y[2] == doctest::Approx(1 / (1 + std::exp(-2.0))));
  Host<double> z(Shape{3, 4, 5}), s(Shape{3, 4, 5}), ls(Shape{3, 4, 5});
  for (std::size_t i = 0; i < z.values.size(); ++i) z[i] = std::sin(double(i)) * 50;
  for (int axis = 0; axis < 3; ++axis) {
    cpu().softmax(z.in(), axis, false, s.out());
    cpu().softmax(z.in(), axis, true, ls.out());
    for (std::size_t i = 0; i < z.values.size(); ++i) REQUIRE(std::log(s[i]) == doctest::Approx(ls[i]));
  }
  Host<std::int32_t> ints(Shape{2});
  CHECK_THROWS_AS(cpu().softmax(ints.in(), 0, false, ints.out()), strata::DTypeError);
}

TEST_CASE("softmax and log_softmax: rows shorter than a SIMD batch are exactly the sequential formula") {
  // Rows shorter than a SIMD batch (3 < 4 floats on any x86 or ARM vector unit) take a scalar path: exp(x - max), a sum in order from 0, then
  // (x - max) - log(sum) or exp * (1 / sum), bit for bit.
  const std::int64_t rows = 130, n = 3;
  Host<float> x(Shape{rows, n}), y(Shape{rows, n}), ly(Shape{rows, n});
  for (std::size_t i = 0; i < x.values.size(); ++i) x[i] = static_cast<float>(std::sin(0.37 * double(i)) * 8);
  x[3] = -INFINITY;
  cpu().softmax(x.in(), 1, false, y.out());
  cpu().softmax(x.in(), 1, true, ly.out());
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = &x[static_cast<std::size_t>(r * n)];
    float m = -INFINITY;
    for (std::int64_t i = 0; i < n; ++i) m = row[i] > m ? row[i] : m;
    float e[3], sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += e[i] = std::exp(row[i] - m);
    const float log_sum = std::log(sum), scale = 1 / sum;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(r * n + i);
      REQUIRE(y[k] == e[i] * scale);
      REQUIRE(ly[k] == (row[i] - m) - log_sum);
    }
  }
  CHECK(y[3] == 0.0f);
}

TEST_CASE("random: deterministic per (seed, index), with the right statistics") {
  Host<float> a(Shape{10}), b(Shape{1000}), c(Shape{10});
  cpu().random(sb::Distribution::normal, 42, 0.0, 1.0, a.out());
  cpu().random(sb::Distribution::normal, 42, 0.0, 1.0, b.out());
  cpu().random(sb::Distribution::normal, 43, 0.0, 1.0, c.out());
  for (std::size_t i = 0; i < 10; ++i) CHECK(a[i] == b[i]);  // element i depends only on (seed, i)
  CHECK(a.values != c.values);
  CHECK(a[3] == static_cast<float>(strata::philox::standard_normal(42, 3)));

  const std::int64_t n = 100000;
  Host<double> normal(Shape{n});
  cpu().random(sb::Distribution::normal, 7, 2.0, 3.0, normal.out());
  double mean = 0, var = 0;
  for (double v : normal.values) mean += v;
  mean /= n;
  for (double v : normal.values) var += (v - mean) * (v - mean);
  CHECK(mean == doctest::Approx(2.0).epsilon(0.02));
  CHECK(std::sqrt(var / n) == doctest::Approx(3.0).epsilon(0.02));

  Host<float> truncated(Shape{n});
  cpu().random(sb::Distribution::truncated_normal, 9, 1.0, 0.5, truncated.out());
  double tmean = 0;
  bool within = true;
  for (float v : truncated.values) {
    within = within && v > 0.0f - 1e-6f && v < 2.0f + 1e-6f;
    tmean += v;
  }
  CHECK(within);
  CHECK(tmean / n == doctest::Approx(1.0).epsilon(0.01));

  Host<float> uniform(Shape{n});
  cpu().random(sb::Distribution::uniform, 11, -1.0, 3.0, uniform.out());
  double umean = 0;
  bool in_range = true;
  for (float v : uniform.values) {
    in_range = in_range && v >= -1.0f && v < 3.0f;
    umean += v;
  }
  CHECK(in_range);
  CHECK(umean / n == doctest::Approx(1.0).epsilon(0.02));

  Host<std::int32_t> ints(Shape{3});
  CHECK_THROWS_AS(cpu().random(sb::Distribution::uniform, 1, 0, 1, ints.out()), strata::DTypeError);
}

TEST_CASE("philox: the Random123 known-answer vector") {
  // Philox4x32-10 of counter (0,0,0,0) and key (0,0).
  const auto r = strata::philox::philox4x32_10({{0, 0, 0, 0}}, {{0, 0}});
  CHECK(r.v[0] == 0x6627e8d5u);
  CHECK(r.v[1] == 0xe169c58du);
  CHECK(r.v[2] == 0xbc57ac4cu);
  CHECK(r.v[3] == 0x9b00dbd8u);
  const auto s = strata::philox::philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
                                               {{0xa4093822u, 0x299f31d0u}});
  CHECK(s.v[0] == 0xd16cfe09u);
  CHECK(s.v[1] == 0x94fdccebu);
  CHECK(s.v[2] == 0x5001e420u);
  CHECK(s.v[3] == 0x24126ea1u);
}
