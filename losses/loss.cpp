#include "strata/losses/loss.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/ops.hpp"
#include "strata/losses/builtin.hpp"

namespace strata::losses {

Reduction reduction_from_name(const std::string& name) {
  if (name == "sum_over_batch_size" || name == "mean" || name == "auto") return Reduction::sum_over_batch_size;
  if (name == "sum") return Reduction::sum;
  if (name == "none") return Reduction::none;
  if (name == "mean_with_sample_weight") return Reduction::mean_with_sample_weight;
  throw ValueError("Invalid value for argument `reduction`. Expected one of sum_over_batch_size, sum, none, "
                   "mean_with_sample_weight. Received: reduction=" + name);
}

std::string reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::sum_over_batch_size: return "sum_over_batch_size";
    case Reduction::sum: return "sum";
    case Reduction::none: return "none";
    case Reduction::mean_with_sample_weight: return "mean_with_sample_weight";
  }
  return "sum_over_batch_size";
}

Loss::Loss(std::string name, Reduction reduction) : name_(std::move(name)), reduction_(reduction) {}
Loss::~Loss() = default;

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight,
                        const Tensor& y_pred_mask) const {
  if (!y_true.defined() || !y_pred.defined())
    throw ValueError("Loss '" + name_ + "': y_true and y_pred must be defined tensors");
  Tensor values = call(y_true, y_pred);
  // As Keras: the mask of y_pred and the mask of the loss values (ignore_class) together.
  Tensor m = mask(y_true, y_pred);
  if (y_pred_mask.defined()) m = m.defined() ? logical_and(cast(y_pred_mask, bool_), cast(m, bool_)) : y_pred_mask;
  Tensor weights = detail::apply_mask("Loss '" + name_ + "'", sample_weight, m, values.dtype(), reduction_);
  if (weights.defined()) {
    auto [v, w] = detail::squeeze_or_expand_to_same_rank(values, weights);
    try {
      broadcast_shapes(v.shape(), w.shape(), "loss");
    } catch (const ShapeError&) {
      throw ShapeError("Loss '" + name_ + "': " + (m.defined() ? "the output mask" : "sample_weight") + " of shape " +
                       weights.shape().to_string() + " does not match the per-sample losses of shape " +
                       values.shape().to_string());
    }
    values = v * w;
    weights = w;
  }
  if (reduction_ == Reduction::none || values.rank() == 0 ||
      (values.rank() == 1 && values.shape()[0] == 0))
    return values;
  Tensor total = sum(values);
  if (reduction_ == Reduction::sum) return total;
  if (reduction_ == Reduction::mean_with_sample_weight && weights.defined()) {
    Tensor divisor = sum(broadcast_to(weights, values.shape()));
    // divide_no_nan
    Tensor safe = where(equal(divisor, zeros_like(divisor)), ones_like(divisor), divisor);
    return where(equal(divisor, zeros_like(divisor)), zeros_like(total), total / safe);
  }
  const auto count = values.size();
  return count > 0 ? total / static_cast<double>(count) : total;
}

Tensor Loss::mask(const Tensor&, const Tensor&) const { return {}; }

Config Loss::get_config() const {
  Config config = Config::object();
  config["name"] = name_;
  if (reduction_ == Reduction::none)
    config["reduction"] = nullptr;  // Keras writes None
  else
    config["reduction"] = reduction_name(reduction_);
  return config;
}

LossFunctionWrapper::LossFunctionWrapper(std::string class_name, LossFunction fn, std::string name,
                                         Reduction reduction, const Config& config, bool same_rank)
    : Loss(std::move(name), reduction),
      class_name_(std::move(class_name)),
      fn_(std::move(fn)),
      config_(std::make_shared<const Config>(config.is_object() ? config : Config::object())),
      same_rank_(same_rank) {}

Tensor LossFunctionWrapper::call(const Tensor& y_true, const Tensor& y_pred) const {
  if (!same_rank_) return fn_(y_true, y_pred);
  auto [t, p] = detail::squeeze_or_expand_to_same_rank(y_true, y_pred);
  return fn_(t, p);
}

Config LossFunctionWrapper::get_config() const {
  Config config = Loss::get_config();
  for (const auto& [key, value] : config_->items()) config[key] = value;
  return config;
}

namespace {

class CustomLoss : public Loss {
 public:
  CustomLoss(LossFunction fn, std::string name, Reduction reduction)
      : Loss(std::move(name), reduction), fn_(std::move(fn)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override { return fn_(y_true, y_pred); }
  std::string class_name() const override { return "LossFunctionWrapper"; }

 private:
  LossFunction fn_;
};

}  // namespace

std::shared_ptr<Loss> from_function(LossFunction fn, std::string name, Reduction reduction) {
  if (!fn) throw ValueError("losses::from_function: the loss function is empty");
  return std::make_shared<CustomLoss>(std::move(fn), std::move(name), reduction);
}

Registry<Loss>& registry() {
  static Registry<Loss>* instance = [] {
    auto* r = new Registry<Loss>("loss");
    detail::register_regression_losses(*r);
    detail::register_probabilistic_losses(*r);
    detail::register_hinge_losses(*r);
    return r;
  }();
  return *instance;
}

std::shared_ptr<Loss> get(const std::string& name) { return registry().create(name, Config::object()); }

std::shared_ptr<Loss> from_config(const std::string& class_name, const Config& config) {
  return registry().create(class_name, config);
}

Config serialize(const Loss& loss) {
  Config out = Config::object();
  out["module"] = "keras.losses";
  out["class_name"] = loss.class_name();
  out["config"] = loss.get_config();
  out["registered_name"] = nullptr;
  return out;
}

std::shared_ptr<Loss> deserialize(const Config& serialized) {
  if (serialized.is_string()) return get(serialized.get<std::string>());
  if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
    throw ValueError("losses::deserialize: expected a name or {\"class_name\": ..., \"config\": {...}}, got " +
                     serialized.dump());
  const Config config = serialized.contains("config") ? serialized["config"] : Config::object();
  return from_config(serialized["class_name"].get<std::string>(), config);
}

namespace detail {

std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1, const Tensor& x2, bool expand_rank_1) {
  Tensor a = x1, b = x2;
  const int r1 = a.rank(), r2 = b.rank();
  if (r1 == r2) return {a, b};
  if (r1 == r2 + 1 && a.shape().back() == 1) {
    if (r2 == 1 && expand_rank_1)
      b = expand_dims(b, -1);
    else
      a = squeeze(a, {-1});
  }
  if (r2 == r1 + 1 && b.shape().back() == 1) {
    if (r1 == 1 && expand_rank_1)
      a = expand_dims(a, -1);
    else
      b = squeeze(b, {-1});
  }
  return {a, b};
}

void check_same_shape(const std::string& what, const Tensor& y_true, const Tensor& y_pred) {
  if (y_true.shape() != y_pred.shape())
    throw ShapeError(what + ": y_true and y_pred must have the same shape, received y_true.shape=" +
                     y_true.shape().to_string() + ", y_pred.shape=" + y_pred.shape().to_string());
}

Tensor labels_like(const std::string& what, const Tensor& y_true, const Tensor& y_pred) {
  if (!is_floating(y_pred.dtype()))
    throw DTypeError(what + ": y_pred must be a floating tensor (float32 or float64), received dtype " +
                     std::string(dtype_name(y_pred.dtype())));
  return y_true.dtype() == y_pred.dtype() ? y_true : cast(y_true, y_pred.dtype());
}

Tensor apply_mask(const std::string& what, const Tensor& sample_weight, const Tensor& mask, DType dtype,
                  Reduction reduction) {
  Tensor weights = sample_weight.defined() ? cast(sample_weight, dtype) : Tensor();
  if (!mask.defined()) return weights;
  Tensor m = cast(mask, dtype);
  if (reduction == Reduction::sum_over_batch_size) {
    Tensor valid = sum(m);  // may be 0: then every weight is 0 anyway (divide_no_nan)
    Tensor safe = where(equal(valid, zeros_like(valid)), ones_like(valid), valid);
    m = m * (static_cast<double>(m.size()) / safe);
  }
  if (!weights.defined()) return m;
  auto [mm, ww] = squeeze_or_expand_to_same_rank(m, weights);
  try {
    broadcast_shapes(mm.shape(), ww.shape(), "apply_mask");
  } catch (const ShapeError&) {
    throw ShapeError(what + ": sample_weight of shape " + sample_weight.shape().to_string() +
                     " does not match the output mask of shape " + mask.shape().to_string() +
                     "; give one weight per sample as shape (batch, 1), or one per step as the mask's shape");
  }
  return ww * mm;
}

}  // namespace detail

}  // namespace strata::losses
