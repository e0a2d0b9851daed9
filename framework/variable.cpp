#include "strata/framework/variable.hpp"

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/tensor_impl.hpp"

namespace strata {

namespace {
// A private copy of `value`'s data in new storage.
std::shared_ptr<TensorImpl> copy_impl(const Tensor& value) {
  Tensor copy = empty(value.shape(), value.dtype(), value.device());
  const auto bytes = static_cast<std::size_t>(value.size()) * dtype_size(value.dtype());
  if (bytes) value.impl()->backend().copy(value.impl()->data(), copy.impl()->data(), bytes);
  return copy.impl();
}
}  // namespace

Variable::Variable(const Tensor& initial_value, VariableOptions options) {
  if (!initial_value.defined()) throw ValueError("Variable '" + options.name + "': the initial value is undefined");
  graph::detail::on_variable_created(options.name);
  {
    // A variable made inside a trace is state, not a step of the graph: its first value is
    // computed once, now (tf.init_scope).
    graph::detail::SuspendTrace init_scope;
    impl_ = copy_impl(initial_value);
  }
  impl_->variable = std::make_shared<VariableState>(VariableState{std::move(options.name), options.trainable, impl_});
}

const std::string& Variable::name() const {
  check_defined("Variable::name");
  return impl_->variable->name;
}

bool Variable::trainable() const {
  check_defined("Variable::trainable");
  return impl_->variable->trainable;
}

void Variable::set_trainable(bool trainable) {
  check_defined("Variable::set_trainable");
  impl_->variable->trainable = trainable;
}

void Variable::assign(const Tensor& value) {
  check_defined("Variable::assign");
  if (!value.defined()) throw ValueError("Variable '" + name() + "': cannot assign an undefined tensor");
  if (value.shape() != shape() || value.dtype() != dtype())
    throw ValueError("Variable '" + name() + "': cannot assign a value of shape " + value.shape().to_string() +
                     " and dtype " + std::string(dtype_name(value.dtype())) + " to a variable of shape " +
                     shape().to_string() + " and dtype " + std::string(dtype_name(dtype())));
  if (value.device() != device())
    throw DeviceError("Variable '" + name() + "' lives on " + device().to_string() + " but the value is on " +
                      value.device().to_string() + "; move it with to() first");
  if (value.impl()->storage == impl_->storage && value.impl()->offset_bytes == impl_->offset_bytes) return;
  // Overwrite in place; a value() snapshot or a view keeps the old values, as tensors read from a
  // TensorFlow variable do.
  const auto bytes = static_cast<std::size_t>(size()) * dtype_size(dtype());
  void* target = writable_data(*impl_);
  if (bytes) impl_->backend().copy(value.impl()->data(), target, bytes);
}

void* writable_data(TensorImpl& impl) {
  if (impl.storage.use_count() > 1) {
    auto& shared = impl.storage;
    auto copy = graph::detail::make_storage(*shared->backend, shared->bytes);
    if (shared->bytes) impl.backend().copy(shared->data, copy->data, shared->bytes);
    // The sharers now see the copy through their Storage; the variable takes the original memory.
    std::swap(copy->data, shared->data);
    graph::detail::storage_swapped(shared, copy);
    impl.storage = std::move(copy);
  }
  return impl.data();
}

void Variable::assign_add(const Tensor& delta) {
  autodiff::NoRecordScope no_record;
  assign(add(*this, delta));
}

void Variable::assign_sub(const Tensor& delta) {
  autodiff::NoRecordScope no_record;
  assign(subtract(*this, delta));
}

Tensor Variable::value() const {
  check_defined("Variable::value");
  return snapshot(*this);
}

}  // namespace strata
