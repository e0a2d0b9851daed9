#pragma once
// strata::Tensor: a cheap handle (shared storage + shape + dtype + device). Copies of a handle
// share the same tensor; ops make new tensors. Values are read only through explicit copies to the
// host (to_vector, item, printing), so a tensor on any backend behaves the same.
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "strata/framework/device.hpp"
#include "strata/framework/dtype.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/shape.hpp"

namespace strata {

struct TensorImpl;  // framework/tensor_impl.hpp; not part of the user API

template <class T>
concept Scalar = std::is_arithmetic_v<T>;

class Tensor {
 public:
  // An undefined tensor (what a gradient with respect to an unrelated source is, like TF's None).
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Scalars, as tf.constant: float and double make float32, int makes int32.
  Tensor(float value);
  Tensor(double value);
  Tensor(int value);
  Tensor(std::int64_t value);
  // Nested lists: Tensor({{1, 2}, {3, 4}}), Tensor({1, 2, 3}, st::int64), a column Tensor({{1}, {2}}).
  // (The innermost level of a vector goes through ListElement, a user-defined conversion, so that
  // {{1}, {2}} is read as a 2 x 1 matrix rather than as a vector of two braced numbers.)
  struct ListElement {
    double value;
    ListElement(double v) : value(v) {}
  };
  Tensor(std::initializer_list<ListElement> values, DType dtype = float32);
  Tensor(std::initializer_list<std::initializer_list<double>> values, DType dtype = float32);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
         DType dtype = float32);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<double>>>>
             values,
         DType dtype = float32);

  // From host values in row-major order; values.size() must match the shape.
  template <Scalar T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape, DType dtype = dtype_of<T>()) {
    return from_host(values.data(), dtype_of<T>(), values.size(), shape, dtype);
  }
  // From a host buffer of `count` elements of `src_dtype`, converted to `dtype`, on the default device.
  static Tensor from_host(const void* data, DType src_dtype, std::size_t count, const Shape& shape,
                          DType dtype);

  bool defined() const { return impl_ != nullptr; }
  explicit operator bool() const = delete;  // ambiguous: use defined()

  const Shape& shape() const;
  DType dtype() const;
  const Device& device() const;
  int rank() const { return shape().rank(); }
  std::int64_t size() const { return shape().num_elements(); }  // number of elements
  // A unique id per tensor (never reused); the tape tracks tensors by it.
  std::uint64_t id() const;
  bool is_variable() const;
  // True for an Input() or a Functional graph edge: a shape without values.
  bool is_symbolic() const;

  // Copies the values to the host, converted to T.
  template <Scalar T>
  std::vector<T> to_vector() const {
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> has no data()
      auto bytes = to_vector<std::uint8_t>();
      return std::vector<bool>(bytes.begin(), bytes.end());
    } else {
      std::vector<T> out(static_cast<std::size_t>(size()));
      copy_to_host_as(out.data(), dtype_of<T>());
      return out;
    }
  }
  // The single value of a one-element tensor; throws ValueError otherwise.
  template <Scalar T>
  T item() const {
    check_single_element("item");
    T value{};
    copy_to_host_as(&value, dtype_of<T>());
    return value;
  }

  // The same values on another device (an explicit copy; the only way data changes device).
  Tensor to(const Device& device) const;

  // TensorFlow-style text: strata.Tensor([1. 2.], shape=(2,), dtype=float32)
  std::string to_string() const;
  // Only the values, as NumPy prints them: [[1. 2.]\n [3. 4.]]
  std::string values_to_string() const;

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 protected:
  void copy_to_host_as(void* dst, DType dst_dtype) const;
  void check_single_element(const char* what) const;
  void check_defined(const char* what) const;

  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace strata
