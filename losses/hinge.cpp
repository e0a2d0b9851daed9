#include "strata/losses/hinge.hpp"

#include "strata/framework/ops/ops.hpp"
#include "strata/losses/builtin.hpp"

namespace strata::losses {

using detail::name_or;

namespace {

Tensor prepare(const char* what, const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = detail::labels_like(what, y_true, y_pred);
  detail::check_same_shape(what, t, y_pred);
  return t;
}

// 2y - 1 when every label is 0 or 1, else y unchanged (Keras's convert_binary_labels_to_hinge),
// without a host round trip: is_binary is a 0/1 scalar and y + is_binary * (y - 1) selects.
Tensor convert_binary_labels(const Tensor& t) {
  Tensor binary = cast(logical_or(equal(t, zeros_like(t)), equal(t, ones_like(t))), t.dtype());
  Tensor is_binary = t.size() > 0 ? min(binary) : scalar_like(t, 1.0);
  return t + is_binary * (t - 1.0);
}

}  // namespace

Tensor hinge(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = convert_binary_labels(prepare("hinge", y_true, y_pred));
  return mean(maximum(1.0 - t * y_pred, 0.0), -1);
}

Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = convert_binary_labels(prepare("squared_hinge", y_true, y_pred));
  return mean(square(maximum(1.0 - t * y_pred, 0.0)), -1);
}

Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare("categorical_hinge", y_true, y_pred);
  Tensor pos = sum(t * y_pred, -1);
  Tensor neg = max((1.0 - t) * y_pred, -1);
  return maximum(neg - pos + 1.0, 0.0);
}

std::shared_ptr<Loss> Hinge(const LossOptions& o) {
  return std::make_shared<LossFunctionWrapper>("Hinge", hinge, name_or(o.name, "hinge"), o.reduction,
                                               Config::object());
}
std::shared_ptr<Loss> SquaredHinge(const LossOptions& o) {
  return std::make_shared<LossFunctionWrapper>("SquaredHinge", squared_hinge, name_or(o.name, "squared_hinge"),
                                               o.reduction, Config::object());
}
std::shared_ptr<Loss> CategoricalHinge(const LossOptions& o) {
  return std::make_shared<LossFunctionWrapper>("CategoricalHinge", categorical_hinge,
                                               name_or(o.name, "categorical_hinge"), o.reduction, Config::object());
}

namespace detail {

void register_hinge_losses(Registry<Loss>& r) {
  auto add = [&r](std::shared_ptr<Loss> (*factory)(const LossOptions&), const char* default_name,
                  std::initializer_list<const char*> names) {
    for (const char* n : names)
      r.add(n, [factory, default_name](const Config& c) {
        return factory({.reduction = config_reduction(c), .name = config_name(c, default_name)});
      });
  };
  add(Hinge, "hinge", {"Hinge", "hinge"});
  add(SquaredHinge, "squared_hinge", {"SquaredHinge", "squared_hinge"});
  add(CategoricalHinge, "categorical_hinge", {"CategoricalHinge", "categorical_hinge"});
}

}  // namespace detail

}  // namespace strata::losses
