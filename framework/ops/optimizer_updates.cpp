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

}  // namespace

void adam_update(Variable& variable, const Tensor& grad, Variable& m, Variable& v, Variable* v_max,
                 const AdamStep& step) {
  const char* op = "adam_update";
  detail::check_floating(op, variable);
  check_like(op, variable, grad, "the gradient");
  check_like(op, variable, m, "slot m");
  check_like(op, variable, v, "slot v");
  if (v_max) check_like(op, variable, *v_max, "slot v_max");
  backend::AdamUpdateArgs args{writable_data(*variable.impl()), grad.impl()->data(), writable_data(*m.impl()), writable_data(*v.impl()),
                               v_max ? writable_data(*v_max->impl()) : nullptr, variable.size(), variable.dtype(),
                               step.alpha, step.beta_1, step.beta_2, step.epsilon};
  detail::backend_of(variable).adam_update(args);
}

}  // namespace strata
