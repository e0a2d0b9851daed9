#include "strata/framework/tensor.hpp"

#include <atomic>
#include <string>
#include <vector>

#include "strata/framework/tensor_impl.hpp"

namespace strata {

Storage::Storage(backend::Backend& owner, std::size_t size)
    : backend(&owner), data(owner.allocate(size)), bytes(size) {}

Storage::~Storage() {
  if (owned) backend->deallocate(data, bytes);
}

std::uint64_t next_tensor_id() {
  static std::atomic<std::uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

Tensor empty(const Shape& shape, DType dtype, const Device& device) {
  if (!shape.is_fully_defined())
    throw ShapeError("Cannot create a tensor of shape " + shape.to_string() + ": every dimension must be known");
  auto& owner = backend::get_backend(device);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = graph::detail::make_storage(owner, static_cast<std::size_t>(shape.num_elements()) * dtype_size(dtype));
  impl->trace = graph::detail::current_mark();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->device = device;
  impl->id = next_tensor_id();
  return Tensor(std::move(impl));
}

Tensor alias(const Tensor& source, const Shape& shape, std::size_t extra_offset_bytes) {
  const auto& src = *source.impl();
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = src.storage;
  impl->offset_bytes = src.offset_bytes + extra_offset_bytes;
  impl->trace = src.trace;
  impl->shape = shape;
  impl->dtype = src.dtype;
  impl->device = src.device;
  impl->id = next_tensor_id();
  return Tensor(std::move(impl));
}

void TensorImpl::throw_symbolic() const {
  throw ValueError("A symbolic tensor of shape " + shape.to_string() +
                   " (an Input or a Functional model edge) has no values: call the model on real data");
}

Tensor symbolic_tensor(const Shape& shape, DType dtype, std::shared_ptr<void> history) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->device = default_device();
  impl->id = next_tensor_id();
  impl->keras_history = std::move(history);
  return Tensor(std::move(impl));
}

Tensor snapshot(const Tensor& variable) {
  Tensor view = alias(variable, variable.shape());
  view.impl()->id = variable.impl()->id;
  view.impl()->variable = variable.impl()->variable;
  return view;
}

Tensor Tensor::from_host(const void* data, DType src_dtype, std::size_t count, const Shape& shape, DType dtype) {
  if (shape.num_elements() != static_cast<std::int64_t>(count))
    throw ShapeError("Tensor: " + std::to_string(count) + " values do not fill shape " + shape.to_string() + " (" +
                     std::to_string(shape.num_elements()) + " elements)");
  Tensor raw = empty(shape, src_dtype, default_device());
  if (count) raw.impl()->backend().copy_from_host(data, raw.impl()->data(), count * dtype_size(src_dtype));
  if (dtype == src_dtype) return raw;
  Tensor converted = empty(shape, dtype, raw.device());
  raw.impl()->backend().cast(raw.impl()->in(), converted.impl()->out());
  return converted;
}

namespace {

template <class T>
Tensor host_scalar(T value, DType dtype) {
  return Tensor::from_host(&value, dtype_of<T>(), 1, Shape{}, dtype);
}

// Flattens a nested initializer list, checking that it is not ragged.
void flatten_into(std::initializer_list<double> list, std::vector<double>& out, std::vector<std::int64_t>& dims,
                  std::size_t depth) {
  if (dims.size() <= depth) dims.push_back(static_cast<std::int64_t>(list.size()));
  if (dims[depth] != static_cast<std::int64_t>(list.size()))
    throw ShapeError("Tensor: ragged nested list: a row at depth " + std::to_string(depth) + " has " +
                     std::to_string(list.size()) + " elements, expected " + std::to_string(dims[depth]));
  out.insert(out.end(), list.begin(), list.end());
}

template <class List>
void flatten_into(std::initializer_list<List> list, std::vector<double>& out, std::vector<std::int64_t>& dims,
                  std::size_t depth) {
  if (dims.size() <= depth) dims.push_back(static_cast<std::int64_t>(list.size()));
  if (dims[depth] != static_cast<std::int64_t>(list.size()))
    throw ShapeError("Tensor: ragged nested list: a row at depth " + std::to_string(depth) + " has " +
                     std::to_string(list.size()) + " elements, expected " + std::to_string(dims[depth]));
  for (const auto& inner : list) flatten_into(inner, out, dims, depth + 1);
}

template <class List>
Tensor from_nested(List list, DType dtype) {
  std::vector<double> values;
  std::vector<std::int64_t> dims;
  flatten_into(list, values, dims, 0);
  return Tensor::from_host(values.data(), float64, values.size(), Shape(dims), dtype);
}

}  // namespace

Tensor::Tensor(float value) : Tensor(host_scalar(value, float32)) {}
Tensor::Tensor(double value) : Tensor(host_scalar(value, float32)) {}
Tensor::Tensor(int value) : Tensor(host_scalar(static_cast<std::int32_t>(value), int32)) {}
Tensor::Tensor(std::int64_t value) : Tensor(host_scalar(value, int64)) {}
Tensor::Tensor(std::initializer_list<ListElement> values, DType dtype) {
  std::vector<double> flat;
  for (const auto& v : values) flat.push_back(v.value);
  *this = from_host(flat.data(), float64, flat.size(), Shape{static_cast<std::int64_t>(flat.size())}, dtype);
}
Tensor::Tensor(std::initializer_list<std::initializer_list<double>> values, DType dtype)
    : Tensor(from_nested(values, dtype)) {}
Tensor::Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values, DType dtype)
    : Tensor(from_nested(values, dtype)) {}
Tensor::Tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<double>>>> values,
    DType dtype)
    : Tensor(from_nested(values, dtype)) {}

void Tensor::check_defined(const char* what) const {
  if (!impl_) throw ValueError(std::string(what) + ": the tensor is undefined (a default-constructed Tensor, or a "
                                                   "gradient that does not exist)");
}

const Shape& Tensor::shape() const {
  check_defined("Tensor::shape");
  return impl_->shape;
}
DType Tensor::dtype() const {
  check_defined("Tensor::dtype");
  return impl_->dtype;
}
const Device& Tensor::device() const {
  check_defined("Tensor::device");
  return impl_->device;
}
std::uint64_t Tensor::id() const {
  check_defined("Tensor::id");
  return impl_->id;
}
bool Tensor::is_variable() const { return impl_ && impl_->variable != nullptr; }
bool Tensor::is_symbolic() const { return impl_ && impl_->symbolic(); }

void Tensor::check_single_element(const char* what) const {
  check_defined(what);
  if (size() != 1)
    throw ValueError(std::string(what) + ": only a tensor with one element can be converted to a scalar, got shape " +
                     shape().to_string());
}

void Tensor::copy_to_host_as(void* dst, DType dst_dtype) const {
  check_defined("Tensor::to_vector");
  const auto count = static_cast<std::size_t>(size());
  if (count == 0) return;
  auto& owner = impl_->backend();
  if (dst_dtype == impl_->dtype) {
    owner.copy_to_host(impl_->data(), dst, count * dtype_size(dst_dtype));
    return;
  }
  Tensor converted = empty(impl_->shape, dst_dtype, impl_->device);
  owner.cast(impl_->in(), converted.impl()->out());
  owner.copy_to_host(converted.impl()->data(), dst, count * dtype_size(dst_dtype));
}

Tensor Tensor::to(const Device& device) const {
  check_defined("Tensor::to");
  if (device == impl_->device) return *this;
  Tensor result = empty(impl_->shape, impl_->dtype, device);
  const auto bytes = static_cast<std::size_t>(size()) * dtype_size(impl_->dtype);
  if (bytes == 0) return result;
  // Through host memory: backends only know their own device and the host.
  std::vector<std::byte> staging(bytes);
  impl_->backend().copy_to_host(impl_->data(), staging.data(), bytes);
  result.impl()->backend().copy_from_host(staging.data(), result.impl()->data(), bytes);
  return result;
}

}  // namespace strata
