#include "strata/losses/probabilistic.hpp"

#include "strata/framework/graph/function.hpp"

#include <cmath>
#include <sstream>

#include "strata/framework/ops/ops.hpp"
#include "strata/losses/builtin.hpp"

namespace strata::losses {

using detail::epsilon;
using detail::name_or;
using detail::prepare_labels;

namespace {

// -(y log p + (1 - y) log(1 - p)) with p clipped to [eps, 1 - eps] (Keras's backend formula).
Tensor binary_crossentropy_from_probabilities(const Tensor& t, const Tensor& p) {
  Tensor clipped = clip(p, epsilon, 1.0 - epsilon);
  return -(t * log(clipped) + (1.0 - t) * log(1.0 - clipped));
}

// log(1 + exp(x)) - x y = -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), stable for any x.
Tensor binary_crossentropy_from_logits(const Tensor& t, const Tensor& x) { return softplus(x) - x * t; }

std::string format_label(double v) {
  std::ostringstream os;
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    os << static_cast<long long>(v);
  else
    os << v;
  return os.str();
}

}  // namespace

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                           int axis) {
  Tensor t = prepare_labels("binary_crossentropy", y_true, y_pred);
  if (label_smoothing != 0.0) t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing;
  Tensor bce = from_logits ? binary_crossentropy_from_logits(t, y_pred) : binary_crossentropy_from_probabilities(t, y_pred);
  return mean(bce, axis);
}

Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool apply_class_balancing, double alpha,
                                 double gamma, bool from_logits, double label_smoothing, int axis) {
  Tensor t = prepare_labels("binary_focal_crossentropy", y_true, y_pred);
  if (label_smoothing != 0.0) t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing;
  Tensor probability = from_logits ? sigmoid(y_pred) : y_pred;
  Tensor bce = from_logits ? binary_crossentropy_from_logits(t, y_pred)
                           : binary_crossentropy_from_probabilities(t, y_pred);
  Tensor p_t = t * probability + (1.0 - t) * (1.0 - probability);
  Tensor focal_bce = pow(1.0 - p_t, gamma) * bce;
  if (apply_class_balancing) focal_bce = (t * alpha + (1.0 - t) * (1.0 - alpha)) * focal_bce;
  return mean(focal_bce, axis);
}

Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                                int axis) {
  Tensor t = prepare_labels("categorical_crossentropy", y_true, y_pred);
  if (y_pred.rank() == 0) throw ShapeError("categorical_crossentropy: y_pred must have a class axis, received a scalar");
  if (label_smoothing != 0.0) {
    const double num_classes = static_cast<double>(t.shape().back());
    t = t * (1.0 - label_smoothing) + label_smoothing / num_classes;
  }
  if (from_logits) return -sum(t * log_softmax(y_pred, axis), axis);
  Tensor output = y_pred / sum(y_pred, axis, /*keepdims=*/true);
  output = clip(output, epsilon, 1.0 - epsilon);
  return -sum(t * log(output), axis);
}

void check_sparse_labels(const std::string& what, const Tensor& labels, std::int64_t num_classes,
                         std::optional<std::int64_t> ignore_class) {
  const auto values = labels.to_vector<double>();
  for (double v : values) {
    if (ignore_class && v == static_cast<double>(*ignore_class)) continue;
    if (!(v == std::floor(v)) || v < 0 || v >= static_cast<double>(num_classes))
      throw ValueError(what + ": received a label value of " + format_label(v) +
                       ", which is outside the valid range of [0, " + std::to_string(num_classes) + ") for " +
                       std::to_string(num_classes) + " classes (the last axis of y_pred)");
  }
}

Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                       std::optional<std::int64_t> ignore_class) {
  const std::string what = "sparse_categorical_crossentropy";
  if (!is_floating(y_pred.dtype()))
    throw DTypeError(what + ": y_pred must be a floating tensor, received dtype " + std::string(dtype_name(y_pred.dtype())));
  if (y_pred.rank() < 1) throw ShapeError(what + ": y_pred must have a class axis, received shape ()");
  Tensor labels = y_true;
  if (labels.rank() == y_pred.rank() && labels.rank() > 0 && labels.shape().back() == 1) labels = squeeze(labels, {-1});
  const Shape expected(y_pred.shape().begin(), y_pred.shape().end() - 1);
  if (labels.shape() != expected)
    throw ShapeError(what + ": y_true must have the shape of y_pred without its last axis (optionally with a trailing "
                     "axis of 1); received y_true.shape=" + y_true.shape().to_string() +
                     ", y_pred.shape=" + y_pred.shape().to_string());
  const std::int64_t num_classes = y_pred.shape().back();
  // A traced function checks the labels of every call, on the host, as eagerly.
  host_step("check_sparse_labels", {labels}, [what, num_classes, ignore_class](const std::vector<Tensor>& v) {
    check_sparse_labels(what, v[0], num_classes, ignore_class);
  });
  Tensor indices = labels.dtype() == int64 ? labels : cast(labels, int64);
  Tensor valid;
  if (ignore_class) {
    valid = not_equal(indices, scalar(static_cast<double>(*ignore_class), int64, indices.device()));
    indices = where(valid, indices, zeros_like(indices));
  }
  Tensor target = one_hot(indices, num_classes, y_pred.dtype());
  Tensor log_probabilities;
  if (from_logits) {
    log_probabilities = log_softmax(y_pred, -1);
  } else {
    Tensor output = y_pred / sum(y_pred, -1, /*keepdims=*/true);
    log_probabilities = log(clip(output, epsilon, 1.0 - epsilon));
  }
  Tensor result = -sum(target * log_probabilities, -1);
  if (ignore_class) result = where(valid, result, zeros_like(result));
  return result;
}

Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = clip(prepare_labels("kl_divergence", y_true, y_pred), epsilon, 1.0);
  Tensor p = clip(y_pred, epsilon, 1.0);
  return sum(t * log(t / p), -1);
}

Tensor poisson(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = prepare_labels("poisson", y_true, y_pred);
  return mean(y_pred - t * log(y_pred + epsilon), -1);
}

namespace {

class SparseCategoricalCrossentropyLoss : public LossFunctionWrapper {
 public:
  SparseCategoricalCrossentropyLoss(const SparseCategoricalCrossentropyOptions& o)
      : LossFunctionWrapper(
            "SparseCategoricalCrossentropy",
            [o](const Tensor& t, const Tensor& p) {
              return sparse_categorical_crossentropy(t, p, o.from_logits, o.ignore_class);
            },
            name_or(o.name, "sparse_categorical_crossentropy"), o.reduction,
            Config{{"from_logits", o.from_logits},
                   {"ignore_class", o.ignore_class ? Config(*o.ignore_class) : Config(nullptr)}}),
        ignore_class_(o.ignore_class) {}

 protected:
  Tensor mask(const Tensor& y_true, const Tensor& y_pred) const override {
    if (!ignore_class_) return {};
    Tensor labels = y_true;
    if (labels.rank() == y_pred.rank() && labels.rank() > 0 && labels.shape().back() == 1) labels = squeeze(labels, {-1});
    Tensor indices = labels.dtype() == int64 ? labels : cast(labels, int64);
    return not_equal(indices, scalar(static_cast<double>(*ignore_class_), int64, indices.device()));
  }

 private:
  std::optional<std::int64_t> ignore_class_;
};

}  // namespace

std::shared_ptr<Loss> BinaryCrossentropy(const BinaryCrossentropyOptions& o) {
  return std::make_shared<LossFunctionWrapper>(
      "BinaryCrossentropy",
      [o](const Tensor& t, const Tensor& p) { return binary_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis); },
      name_or(o.name, "binary_crossentropy"), o.reduction,
      Config{{"from_logits", o.from_logits}, {"label_smoothing", o.label_smoothing}, {"axis", o.axis}});
}

std::shared_ptr<Loss> BinaryFocalCrossentropy(const BinaryFocalCrossentropyOptions& o) {
  return std::make_shared<LossFunctionWrapper>(
      "BinaryFocalCrossentropy",
      [o](const Tensor& t, const Tensor& p) {
        return binary_focal_crossentropy(t, p, o.apply_class_balancing, o.alpha, o.gamma, o.from_logits,
                                         o.label_smoothing, o.axis);
      },
      name_or(o.name, "binary_focal_crossentropy"), o.reduction,
      Config{{"apply_class_balancing", o.apply_class_balancing},
             {"alpha", o.alpha},
             {"gamma", o.gamma},
             {"from_logits", o.from_logits},
             {"label_smoothing", o.label_smoothing},
             {"axis", o.axis}});
}

std::shared_ptr<Loss> CategoricalCrossentropy(const CategoricalCrossentropyOptions& o) {
  return std::make_shared<LossFunctionWrapper>(
      "CategoricalCrossentropy",
      [o](const Tensor& t, const Tensor& p) {
        return categorical_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis);
      },
      name_or(o.name, "categorical_crossentropy"), o.reduction,
      Config{{"from_logits", o.from_logits}, {"label_smoothing", o.label_smoothing}, {"axis", o.axis}});
}

std::shared_ptr<Loss> SparseCategoricalCrossentropy(const SparseCategoricalCrossentropyOptions& o) {
  return std::make_shared<SparseCategoricalCrossentropyLoss>(o);
}

std::shared_ptr<Loss> KLDivergence(const LossOptions& o) {
  return std::make_shared<LossFunctionWrapper>("KLDivergence", kl_divergence, name_or(o.name, "kl_divergence"),
                                               o.reduction, Config::object());
}

std::shared_ptr<Loss> Poisson(const LossOptions& o) {
  return std::make_shared<LossFunctionWrapper>("Poisson", poisson, name_or(o.name, "poisson"), o.reduction,
                                               Config::object());
}

namespace detail {

void register_probabilistic_losses(Registry<Loss>& r) {
  for (const char* n : {"BinaryCrossentropy", "binary_crossentropy", "bce"})
    r.add(n, [](const Config& c) {
      return BinaryCrossentropy({.from_logits = config_value(c, "from_logits", false),
                                 .label_smoothing = config_value(c, "label_smoothing", 0.0),
                                 .axis = config_value(c, "axis", -1),
                                 .reduction = config_reduction(c),
                                 .name = config_name(c, "binary_crossentropy")});
    });
  for (const char* n : {"BinaryFocalCrossentropy", "binary_focal_crossentropy"})
    r.add(n, [](const Config& c) {
      return BinaryFocalCrossentropy({.apply_class_balancing = config_value(c, "apply_class_balancing", false),
                                      .alpha = config_value(c, "alpha", 0.25),
                                      .gamma = config_value(c, "gamma", 2.0),
                                      .from_logits = config_value(c, "from_logits", false),
                                      .label_smoothing = config_value(c, "label_smoothing", 0.0),
                                      .axis = config_value(c, "axis", -1),
                                      .reduction = config_reduction(c),
                                      .name = config_name(c, "binary_focal_crossentropy")});
    });
  for (const char* n : {"CategoricalCrossentropy", "categorical_crossentropy", "cce"})
    r.add(n, [](const Config& c) {
      return CategoricalCrossentropy({.from_logits = config_value(c, "from_logits", false),
                                      .label_smoothing = config_value(c, "label_smoothing", 0.0),
                                      .axis = config_value(c, "axis", -1),
                                      .reduction = config_reduction(c),
                                      .name = config_name(c, "categorical_crossentropy")});
    });
  for (const char* n : {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", "scce"})
    r.add(n, [](const Config& c) {
      const ConfigReader in = ConfigReader::for_object(c, "Loss");
      std::optional<std::int64_t> ignore;
      if (in.has("ignore_class")) ignore = in.integer("ignore_class", 0);
      return SparseCategoricalCrossentropy({.from_logits = config_value(c, "from_logits", false),
                                            .ignore_class = ignore,
                                            .reduction = config_reduction(c),
                                            .name = config_name(c, "sparse_categorical_crossentropy")});
    });
  for (const char* n : {"KLDivergence", "kl_divergence", "kld", "KLD", "kullback_leibler_divergence"})
    r.add(n, [](const Config& c) {
      return KLDivergence({.reduction = config_reduction(c), .name = config_name(c, "kl_divergence")});
    });
  for (const char* n : {"Poisson", "poisson"})
    r.add(n, [](const Config& c) {
      return Poisson({.reduction = config_reduction(c), .name = config_name(c, "poisson")});
    });
}

}  // namespace detail

}  // namespace strata::losses
