#include <doctest/doctest.h>

#include "strata/framework/xtensor_interop.hpp"
#include "strata/strata.hpp"

namespace st = strata;

TEST_CASE("xtensor interop: xarray in, ops, xarray out") {
  xt::xarray<float> a = {{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}};
  st::Tensor t = st::from_xarray(a);
  CHECK(t.shape() == st::Shape{2, 3});
  CHECK(t.dtype() == st::float32);
  xt::xarray<double> doubled = st::to_xarray<double>(t * 2.0f);
  REQUIRE(doubled.shape().size() == 2);
  CHECK(doubled.shape()[0] == 2);
  CHECK(doubled.shape()[1] == 3);
  CHECK(doubled(1, 2) == 12.0);
  CHECK(doubled(0, 1) == 4.0);
}

TEST_CASE("xtensor interop: a column-major xarray keeps its logical order") {
  xt::xarray<double, xt::layout_type::column_major> a = {{1.0, 2.0}, {3.0, 4.0}};
  st::Tensor t = st::from_xarray(xt::xarray<double>(a));
  CHECK(t.to_vector<double>() == std::vector<double>{1, 2, 3, 4});
  st::Tensor i = st::from_xarray(xt::xarray<int>{{7, 8}}, st::int64);
  CHECK(i.dtype() == st::int64);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{7, 8});
}
