#include "strata/losses/regression.hpp"

#include <cmath>

#include "strata/framework/ops/ops.hpp"
#include "strata/losses/builtin.hpp"

namespace strata::losses {

using detail::name_or;
using detail::prepare_labels;

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare_labels("mean_squared_error", y_true, y_pred);
  return mean(square(t - y_pred), -1);
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare_labels("mean_absolute_error", y_true, y_pred);
  return mean(abs(t - y_pred), -1);
}

Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare_labels("mean_absolute_percentage_error", y_true, y_pred);
  Tensor diff = abs((t - y_pred) / maximum(abs(t), detail::epsilon));
  return mean(diff, -1) * 100.0;
}

Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare_labels("mean_squared_logarithmic_error", y_true, y_pred);
  Tensor first_log = log(maximum(y_pred, detail::epsilon) + 1.0);
  Tensor second_log = log(maximum(t, detail::epsilon) + 1.0);
  return mean(square(first_log - second_log), -1);
}

Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta) {
  Tensor t = prepare_labels("huber_loss", y_true, y_pred);
  Tensor error = y_pred - t;
  Tensor abs_error = abs(error);
  Tensor quadratic = square(error) * 0.5;
  Tensor linear = abs_error * delta - 0.5 * delta * delta;
  return mean(where(abs_error <= delta, quadratic, linear), -1);
}

Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare_labels("log_cosh", y_true, y_pred);
  Tensor x = y_pred - t;
  return mean(x + softplus(x * -2.0) - std::log(2.0), -1);
}

Tensor l2_normalize(const Tensor& x, int axis) {
  Tensor square_sum = sum(square(x), axis, /*keepdims=*/true);
  return x * minimum(rsqrt(square_sum), 1.0 / detail::epsilon);
}

Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis) {
  Tensor t = prepare_labels("cosine_similarity", y_true, y_pred);
  return -sum(l2_normalize(t, axis) * l2_normalize(y_pred, axis), axis);
}

namespace {

std::shared_ptr<Loss> wrap(const char* class_name, LossFunction fn, const std::string& name,
                           const char* default_name, Reduction reduction, Config config = Config::object()) {
  return std::make_shared<LossFunctionWrapper>(class_name, std::move(fn), name_or(name, default_name), reduction,
                                               config);
}

}  // namespace

std::shared_ptr<Loss> MeanSquaredError(const LossOptions& o) {
  return wrap("MeanSquaredError", mean_squared_error, o.name, "mean_squared_error", o.reduction);
}
std::shared_ptr<Loss> MeanAbsoluteError(const LossOptions& o) {
  return wrap("MeanAbsoluteError", mean_absolute_error, o.name, "mean_absolute_error", o.reduction);
}
std::shared_ptr<Loss> MeanAbsolutePercentageError(const LossOptions& o) {
  return wrap("MeanAbsolutePercentageError", mean_absolute_percentage_error, o.name,
              "mean_absolute_percentage_error", o.reduction);
}
std::shared_ptr<Loss> MeanSquaredLogarithmicError(const LossOptions& o) {
  return wrap("MeanSquaredLogarithmicError", mean_squared_logarithmic_error, o.name,
              "mean_squared_logarithmic_error", o.reduction);
}
std::shared_ptr<Loss> Huber(const HuberOptions& o) {
  const double delta = o.delta;
  return wrap("Huber", [delta](const Tensor& t, const Tensor& p) { return huber(t, p, delta); }, o.name,
              "huber_loss", o.reduction, Config{{"delta", delta}});
}
std::shared_ptr<Loss> LogCosh(const LossOptions& o) {
  return wrap("LogCosh", log_cosh, o.name, "log_cosh", o.reduction);
}
std::shared_ptr<Loss> CosineSimilarity(const CosineSimilarityOptions& o) {
  const int axis = o.axis;
  return wrap("CosineSimilarity", [axis](const Tensor& t, const Tensor& p) { return cosine_similarity(t, p, axis); },
              o.name, "cosine_similarity", o.reduction, Config{{"axis", axis}});
}

namespace detail {

void register_regression_losses(Registry<Loss>& r) {
  auto plain = [&r](std::shared_ptr<Loss> (*factory)(const LossOptions&), std::initializer_list<const char*> names) {
    for (const char* n : names)
      r.add(n, [factory](const Config& c) {
        auto defaults = factory({});
        return factory({.reduction = config_reduction(c), .name = config_name(c, defaults->name())});
      });
  };
  plain(MeanSquaredError, {"MeanSquaredError", "mean_squared_error", "mse", "MSE"});
  plain(MeanAbsoluteError, {"MeanAbsoluteError", "mean_absolute_error", "mae", "MAE"});
  plain(MeanAbsolutePercentageError, {"MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape", "MAPE"});
  plain(MeanSquaredLogarithmicError, {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE"});
  plain(LogCosh, {"LogCosh", "log_cosh", "logcosh"});
  for (const char* n : {"Huber", "huber", "huber_loss"})
    r.add(n, [](const Config& c) {
      return Huber({.delta = config_value(c, "delta", 1.0), .reduction = config_reduction(c),
                    .name = config_name(c, "huber_loss")});
    });
  for (const char* n : {"CosineSimilarity", "cosine_similarity"})
    r.add(n, [](const Config& c) {
      return CosineSimilarity({.axis = config_value(c, "axis", -1), .reduction = config_reduction(c),
                               .name = config_name(c, "cosine_similarity")});
    });
}

}  // namespace detail

}  // namespace strata::losses
