#include "strata/framework/ops/optimizer_updates.hpp"

#include "strata/backend/backend.hpp"
#include "strata/framework/ops/op_support.hpp"

namespace strata {
namespace {

void check_like(const char* op, const Variable& variable, const Tensor& t, const char* what) {
  detail::check_pair(op, variable, t);
  if (t.shape() != variable.shape())
    throw ShapeError(std::string(op) + ": " + what + " has shape " + t.shape().to_string() + " but variable '" +
                     variable.name() + "' has shape " + variable.shape().to_string());
}

// The variable's own storage, ready to be overwritten: a snapshot or view that shares it keeps the
// old values (as Variable::assign does), at the cost of one copy.
void* writable_data(const Variable& variable) {
  TensorImpl& impl = *variable.impl();
  if (impl.storage.use_count() > 1) {
    const std::size_t bytes = static_cast<std::size_t>(variable.size()) * dtype_size(variable.dtype());
    auto fresh = std::make_shared<Storage>(impl.backend(), bytes);
    if (bytes) impl.backend().copy(impl.data(), fresh->data, bytes);
    impl.storage = std::move(fresh);
    impl.offset_bytes = 0;
  }
  return impl.data();
}

}  // namespace

void adam_update(Variable& variable, const Tensor& grad, Variable& m, Variable& v, Variable* v_max,
                 const AdamStep& step) {
  const char* op = "adam_update";
  detail::check_floating(op, variable);
  check_like(op, variable, grad, "the gradient");
  check_like(op, variable, m, "slot m");
  check_like(op, variable, v, "slot v");
  if (v_max) check_like(op, variable, *v_max, "slot v_max");
  backend::AdamUpdateArgs args{writable_data(variable), grad.impl()->data(), writable_data(m), writable_data(v),
                               v_max ? writable_data(*v_max) : nullptr, variable.size(), variable.dtype(),
                               step.alpha, step.beta_1, step.beta_2, step.epsilon};
  detail::backend_of(variable).adam_update(args);
}

}  // namespace strata
