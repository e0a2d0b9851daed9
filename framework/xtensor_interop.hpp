#pragma once
// Opt-in interoperability with xtensor: include this header (and link xtensor) to pass xt::xarray
// values in and out. strata.hpp does not include it, so ordinary users never compile xtensor.
#include <cstddef>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "strata/framework/tensor.hpp"

namespace strata {

// A tensor with the values and shape of `array` (row-major), converted to `dtype`.
template <Scalar T>
Tensor from_xarray(const xt::xarray<T>& array, DType dtype = dtype_of<T>()) {
  Shape shape(array.shape().begin(), array.shape().end());
  std::vector<T> values(array.begin(), array.end());  // iterates in row-major order for any layout
  return Tensor::from_vector(values, shape, dtype);
}

// The values of `tensor` copied to the host as an xt::xarray<T>.
template <Scalar T>
xt::xarray<T> to_xarray(const Tensor& tensor) {
  std::vector<std::size_t> shape(tensor.shape().begin(), tensor.shape().end());
  return xt::xarray<T>(xt::adapt(tensor.to_vector<T>(), shape));
}

}  // namespace strata
