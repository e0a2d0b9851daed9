#include "strata/metrics/confusion.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/losses/loss.hpp"
#include "strata/metrics/builtin.hpp"

namespace strata::metrics {

using detail::divide_no_nan;
using losses::detail::squeeze_or_expand_to_same_rank;

namespace {

const char* kind_name(ConfusionMatrixMetric::Kind kind) {
  switch (kind) {
    case ConfusionMatrixMetric::Kind::true_positives: return "true_positives";
    case ConfusionMatrixMetric::Kind::false_positives: return "false_positives";
    case ConfusionMatrixMetric::Kind::true_negatives: return "true_negatives";
    case ConfusionMatrixMetric::Kind::false_negatives: return "false_negatives";
    case ConfusionMatrixMetric::Kind::precision: return "precision";
    case ConfusionMatrixMetric::Kind::recall: return "recall";
  }
  return "";
}

// y_true, y_pred (floating, same shape) and weights broadcast to y_pred's shape, as Keras's
// update_confusion_matrix_variables prepares them.
struct Prepared {
  Tensor y_true, y_pred, weights;
};

Prepared prepare(const std::string& metric, const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  Tensor p = is_floating(y_pred.dtype()) ? y_pred : cast(y_pred, float32);
  Tensor t = cast(y_true, p.dtype());
  auto [pp, tt] = squeeze_or_expand_to_same_rank(p, t);
  if (pp.shape() != tt.shape())
    throw ShapeError("Metric '" + metric + "': y_true and y_pred must have the same shape, received y_true.shape=" +
                     y_true.shape().to_string() + ", y_pred.shape=" + y_pred.shape().to_string());
  Tensor w;
  if (sample_weight.defined()) {
    w = expand_dims(cast(sample_weight, p.dtype()), -1);
    w = squeeze_or_expand_to_same_rank(tt, w, /*expand_rank_1=*/false).second;
    try {
      w = broadcast_to(w, pp.shape());
    } catch (const ShapeError&) {
      throw ShapeError("Metric '" + metric + "': sample_weight of shape " + sample_weight.shape().to_string() +
                       " does not match y_pred of shape " + y_pred.shape().to_string());
    }
  }
  return {tt, pp, w};
}

Tensor column(const std::string& metric, const Tensor& x, int class_id) {
  if (x.rank() < 2)
    throw ValueError("Metric '" + metric + "': when class_id is given, y_pred must have shape (num_samples, "
                     "num_classes), received " + x.shape().to_string());
  const auto classes = x.shape().back();
  if (class_id < 0 || class_id >= classes)
    throw ValueError("Metric '" + metric + "': class_id=" + std::to_string(class_id) + " is outside [0, " +
                     std::to_string(classes) + ")");
  return squeeze(slice(x, -1, class_id, class_id + 1), {-1});
}

}  // namespace

ConfusionMatrixMetric::ConfusionMatrixMetric(Kind kind, std::vector<double> thresholds, std::optional<int> class_id,
                                             std::string name)
    : Metric(std::move(name)), kind_(kind), thresholds_(std::move(thresholds)), class_id_(class_id) {
  if (thresholds_.empty()) throw ValueError("Metric '" + this->name() + "': thresholds must not be empty");
  reset_state();
}

void ConfusionMatrixMetric::reset_state() {
  const auto n = thresholds_.size();
  tp_.assign(n, 0.0);
  fp_.assign(n, 0.0);
  tn_.assign(n, 0.0);
  fn_.assign(n, 0.0);
}

void ConfusionMatrixMetric::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  autodiff::NoRecordScope no_record;
  Prepared in = prepare(name(), y_true, y_pred, sample_weight);
  Tensor p = in.y_pred, t = in.y_true, w = in.weights;
  if (from_logits_) p = sigmoid(p);
  if (clip_predictions_) p = clip(p, 0.0, 1.0);
  if (class_id_) {
    p = column(name(), p, *class_id_);
    t = column(name(), t, *class_id_);
    if (w.defined()) w = column(name(), w, *class_id_);
  }
  p = reshape(p, {-1, 1});
  Tensor label = cast(not_equal(reshape(t, {-1}), zeros({}, t.dtype())), p.dtype());
  Tensor weight = w.defined() ? reshape(w, {-1}) : ones_like(label);
  Tensor true_weight = label * weight;
  Tensor false_weight = (1.0 - label) * weight;
  Tensor thresholds = Tensor::from_vector(thresholds_, {static_cast<std::int64_t>(thresholds_.size())}, p.dtype());
  Tensor positive = cast(greater(p, reshape(thresholds, {1, -1})), p.dtype());  // (N, T)
  Tensor tp = sum(positive * reshape(true_weight, {-1, 1}), 0);
  Tensor fp = sum(positive * reshape(false_weight, {-1, 1}), 0);
  Tensor totals = reshape(stack({sum(true_weight), sum(false_weight)}), {2});
  const auto host = concat({cast(tp, float64), cast(fp, float64), cast(totals, float64)}).to_vector<double>();
  const std::size_t n = thresholds_.size();
  const double total_true = host[2 * n], total_false = host[2 * n + 1];
  for (std::size_t i = 0; i < n; ++i) {
    tp_[i] += host[i];
    fp_[i] += host[n + i];
    fn_[i] += total_true - host[i];
    tn_[i] += total_false - host[n + i];
  }
}

double ConfusionMatrixMetric::value_at(std::size_t i) const {
  switch (kind_) {
    case Kind::true_positives: return tp_[i];
    case Kind::false_positives: return fp_[i];
    case Kind::true_negatives: return tn_[i];
    case Kind::false_negatives: return fn_[i];
    case Kind::precision: return divide_no_nan(tp_[i], tp_[i] + fp_[i]);
    case Kind::recall: return divide_no_nan(tp_[i], tp_[i] + fn_[i]);
  }
  return 0.0;
}

double ConfusionMatrixMetric::result() const { return value_at(0); }

std::vector<double> ConfusionMatrixMetric::results() const {
  std::vector<double> out(thresholds_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = value_at(i);
  return out;
}

std::string ConfusionMatrixMetric::class_name() const {
  switch (kind_) {
    case Kind::true_positives: return "TruePositives";
    case Kind::false_positives: return "FalsePositives";
    case Kind::true_negatives: return "TrueNegatives";
    case Kind::false_negatives: return "FalseNegatives";
    case Kind::precision: return "Precision";
    case Kind::recall: return "Recall";
  }
  return "";
}

Config ConfusionMatrixMetric::get_config() const {
  Config config = Metric::get_config();
  config["thresholds"] = thresholds_.size() == 1 ? Config(thresholds_[0]) : Config(thresholds_);
  if (kind_ == Kind::precision || kind_ == Kind::recall) {
    config["top_k"] = nullptr;
    config["class_id"] = class_id_ ? Config(*class_id_) : Config(nullptr);
  }
  return config;
}

// --- AUC ---

namespace {
std::vector<double> auc_thresholds(int num_thresholds) {
  if (num_thresholds <= 1) throw ValueError("AUC: num_thresholds must be > 1, received " + std::to_string(num_thresholds));
  std::vector<double> t;
  t.push_back(0.0 - losses::detail::epsilon);
  for (int i = 0; i < num_thresholds - 2; ++i) t.push_back((i + 1) * 1.0 / (num_thresholds - 1));
  t.push_back(1.0 + losses::detail::epsilon);
  return t;
}
}  // namespace

AUCMetric::AUCMetric(const AUCOptions& options)
    : ConfusionMatrixMetric(Kind::true_positives, auc_thresholds(options.num_thresholds), std::nullopt,
                            detail::name_or(options.name, "auc")),
      options_(options) {
  clip_predictions_ = true;
  from_logits_ = options.from_logits;
}

double AUCMetric::interpolate_pr_auc() const {
  const std::size_t n = thresholds_.size();
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double dtp = tp_[i] - tp_[i + 1];
    const double p0 = tp_[i] + fp_[i], p1 = tp_[i + 1] + fp_[i + 1];
    const double dp = p0 - p1;
    const double prec_slope = divide_no_nan(dtp, std::max(dp, 0.0));
    const double intercept = tp_[i + 1] - prec_slope * p1;
    const double safe_p_ratio = (p0 > 0 && p1 > 0) ? divide_no_nan(p0, std::max(p1, 0.0)) : 1.0;
    total += divide_no_nan(prec_slope * (dtp + intercept * std::log(safe_p_ratio)),
                           std::max(tp_[i + 1] + fn_[i + 1], 0.0));
  }
  return total;
}

double AUCMetric::result() const {
  if (options_.curve == AUCCurve::PR && options_.summation_method == AUCSummation::interpolation)
    return interpolate_pr_auc();
  const std::size_t n = thresholds_.size();
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double recall = divide_no_nan(tp_[i], tp_[i] + fn_[i]);
    if (options_.curve == AUCCurve::ROC) {
      x[i] = divide_no_nan(fp_[i], fp_[i] + tn_[i]);
      y[i] = recall;
    } else {
      x[i] = recall;
      y[i] = divide_no_nan(tp_[i], tp_[i] + fp_[i]);
    }
  }
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    double height;
    switch (options_.summation_method) {
      case AUCSummation::interpolation: height = (y[i] + y[i + 1]) / 2.0; break;
      case AUCSummation::minoring: height = std::min(y[i], y[i + 1]); break;
      default: height = std::max(y[i], y[i + 1]); break;
    }
    total += (x[i] - x[i + 1]) * height;
  }
  return total;
}

Config AUCMetric::get_config() const {
  Config config = Metric::get_config();
  config["num_thresholds"] = options_.num_thresholds;
  config["curve"] = options_.curve == AUCCurve::ROC ? "ROC" : "PR";
  config["summation_method"] = options_.summation_method == AUCSummation::interpolation ? "interpolation"
                               : options_.summation_method == AUCSummation::minoring    ? "minoring"
                                                                                        : "majoring";
  config["multi_label"] = false;
  config["num_labels"] = nullptr;
  config["label_weights"] = nullptr;
  config["from_logits"] = options_.from_logits;
  return config;
}

// --- F-beta ---

FBetaScoreMetric::FBetaScoreMetric(const FBetaOptions& options, std::string class_name)
    : Metric(detail::name_or(options.name, "fbeta_score")), options_(options), class_name_(std::move(class_name)) {
  const auto& a = options_.average;
  if (a != "none" && a != "micro" && a != "macro" && a != "weighted")
    throw ValueError("Invalid `average` argument value. Expected one of: none, micro, macro, weighted. Received: "
                     "average=" + a);
  if (!(options_.beta > 0.0))
    throw ValueError("Invalid `beta` argument value. It should be a Python float > 0. Received: beta=" +
                     std::to_string(options_.beta));
  if (options_.threshold && !(*options_.threshold > 0.0 && *options_.threshold <= 1.0))
    throw ValueError("Invalid `threshold` argument value. It should be a Python float in the range ]0, 1]. "
                     "Received: threshold=" + std::to_string(*options_.threshold));
}

void FBetaScoreMetric::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  autodiff::NoRecordScope no_record;
  if (y_true.rank() != 2 || y_pred.rank() != 2 || y_true.shape() != y_pred.shape())
    throw ShapeError("Metric '" + name() + "': FBetaScore expects 2D inputs with shape (batch_size, output_dim) "
                     "for y_true and y_pred, received y_true.shape=" + y_true.shape().to_string() +
                     ", y_pred.shape=" + y_pred.shape().to_string());
  Tensor p = is_floating(y_pred.dtype()) ? y_pred : cast(y_pred, float32);
  Tensor t = cast(y_true, p.dtype());
  const auto classes = static_cast<std::size_t>(p.shape()[1]);
  if (!tp_.empty() && options_.average != "micro" && tp_.size() != classes)
    throw ShapeError("Metric '" + name() + "': the number of classes changed from " + std::to_string(tp_.size()) +
                     " to " + std::to_string(classes));
  Tensor predicted;
  if (options_.threshold) {
    predicted = greater(p, scalar_like(p, *options_.threshold));
  } else {
    Tensor threshold = max(p, -1, /*keepdims=*/true);
    predicted = logical_and(greater_equal(p, threshold), greater(abs(p), scalar_like(p, 1e-9)));
  }
  Tensor pr = cast(predicted, p.dtype());
  Tensor w;
  if (sample_weight.defined()) {
    w = cast(sample_weight, p.dtype());
    if (w.rank() == 1) w = expand_dims(w, 1);
  }
  const bool micro = options_.average == "micro";
  auto weighted_sum = [&](const Tensor& v) {
    Tensor x = w.defined() ? v * w : v;
    return micro ? reshape(sum(x), {1}) : sum(x, 0);
  };
  Tensor all = concat({weighted_sum(pr * t), weighted_sum(pr * (1.0 - t)), weighted_sum((1.0 - pr) * t),
                       weighted_sum(t)});
  const auto host = cast(all, float64).to_vector<double>();
  const std::size_t n = micro ? 1 : classes;
  if (tp_.empty()) {
    tp_.assign(n, 0.0);
    fp_.assign(n, 0.0);
    fn_.assign(n, 0.0);
    weights_.assign(n, 0.0);
  }
  for (std::size_t i = 0; i < n; ++i) {
    tp_[i] += host[i];
    fp_[i] += host[n + i];
    fn_[i] += host[2 * n + i];
    weights_[i] += host[3 * n + i];
  }
}

std::vector<double> FBetaScoreMetric::results() const {
  const double eps = losses::detail::epsilon;
  const double beta2 = options_.beta * options_.beta;
  std::vector<double> scores(tp_.size());
  for (std::size_t i = 0; i < tp_.size(); ++i) {
    const double precision = tp_[i] / (tp_[i] + fp_[i] + eps);
    const double recall = tp_[i] / (tp_[i] + fn_[i] + eps);
    scores[i] = precision * recall / (beta2 * precision + recall + eps) * (1.0 + beta2);
  }
  if (options_.average == "none") return scores;
  double out = 0.0;
  if (options_.average == "weighted") {
    double total_weight = 0.0;
    for (double wt : weights_) total_weight += wt;
    for (std::size_t i = 0; i < scores.size(); ++i) out += scores[i] * (weights_[i] / (total_weight + eps));
  } else {
    for (double s : scores) out += s;
    out = scores.empty() ? 0.0 : out / static_cast<double>(scores.size());
  }
  return {out};
}

double FBetaScoreMetric::result() const { return detail::mean_of(results()); }

void FBetaScoreMetric::reset_state() {
  tp_.clear();
  fp_.clear();
  fn_.clear();
  weights_.clear();
}

Config FBetaScoreMetric::get_config() const {
  Config config = Metric::get_config();
  config["average"] = options_.average == "none" ? Config(nullptr) : Config(options_.average);
  if (class_name_ != "F1Score") config["beta"] = options_.beta;
  config["threshold"] = options_.threshold ? Config(*options_.threshold) : Config(nullptr);
  return config;
}

// --- factories ---

namespace {
std::shared_ptr<Metric> counts(ConfusionMatrixMetric::Kind kind, const ThresholdOptions& o) {
  return std::make_shared<ConfusionMatrixMetric>(kind, o.thresholds, std::nullopt,
                                                 detail::name_or(o.name, kind_name(kind)));
}
}  // namespace

std::shared_ptr<Metric> TruePositives(const ThresholdOptions& o) {
  return counts(ConfusionMatrixMetric::Kind::true_positives, o);
}
std::shared_ptr<Metric> FalsePositives(const ThresholdOptions& o) {
  return counts(ConfusionMatrixMetric::Kind::false_positives, o);
}
std::shared_ptr<Metric> TrueNegatives(const ThresholdOptions& o) {
  return counts(ConfusionMatrixMetric::Kind::true_negatives, o);
}
std::shared_ptr<Metric> FalseNegatives(const ThresholdOptions& o) {
  return counts(ConfusionMatrixMetric::Kind::false_negatives, o);
}
std::shared_ptr<Metric> Precision(const PrecisionRecallOptions& o) {
  return std::make_shared<ConfusionMatrixMetric>(ConfusionMatrixMetric::Kind::precision, o.thresholds, o.class_id,
                                                 detail::name_or(o.name, "precision"));
}
std::shared_ptr<Metric> Recall(const PrecisionRecallOptions& o) {
  return std::make_shared<ConfusionMatrixMetric>(ConfusionMatrixMetric::Kind::recall, o.thresholds, o.class_id,
                                                 detail::name_or(o.name, "recall"));
}
std::shared_ptr<Metric> AUC(const AUCOptions& o) { return std::make_shared<AUCMetric>(o); }
std::shared_ptr<Metric> FBetaScore(const FBetaOptions& o) { return std::make_shared<FBetaScoreMetric>(o); }
std::shared_ptr<Metric> F1Score(FBetaOptions o) {
  o.beta = 1.0;
  if (o.name.empty()) o.name = "f1_score";
  return std::make_shared<FBetaScoreMetric>(o, "F1Score");
}

namespace detail {
namespace {
std::vector<double> config_thresholds(const Config& c) {
  const ConfigReader in = ConfigReader::for_object(c, "Metric");
  const Config* v = in.find("thresholds");
  if (!v) return {0.5};
  if (v->is_number()) return {v->get<double>()};
  return in.numbers("thresholds");
}
std::optional<int> config_class_id(const Config& c) {
  const ConfigReader in = ConfigReader::for_object(c, "Metric");
  if (!in.has("class_id")) return std::nullopt;
  return static_cast<int>(in.integer("class_id", 0));
}
FBetaOptions config_fbeta(const Config& c, const char* default_name) {
  const ConfigReader in = ConfigReader::for_object(c, "Metric");
  FBetaOptions o;
  if (in.has("average")) o.average = in.string("average", "");
  o.beta = in.number("beta", 1.0);
  if (in.has("threshold")) o.threshold = in.number("threshold", 0.5);
  o.name = config_name(c, default_name);
  return o;
}
}  // namespace

void register_confusion_metrics(Registry<Metric>& r) {
  using Factory = std::shared_ptr<Metric> (*)(const ThresholdOptions&);
  auto add_counts = [&r](Factory f, const char* default_name, std::initializer_list<const char*> names) {
    for (const char* n : names)
      r.add(n, [f, default_name](const Config& c) {
        return f({.thresholds = config_thresholds(c), .name = config_name(c, default_name)});
      });
  };
  add_counts(TruePositives, "true_positives", {"TruePositives", "true_positives"});
  add_counts(FalsePositives, "false_positives", {"FalsePositives", "false_positives"});
  add_counts(TrueNegatives, "true_negatives", {"TrueNegatives", "true_negatives"});
  add_counts(FalseNegatives, "false_negatives", {"FalseNegatives", "false_negatives"});
  for (const char* n : {"Precision", "precision"})
    r.add(n, [](const Config& c) {
      return Precision({.thresholds = config_thresholds(c), .class_id = config_class_id(c),
                        .name = config_name(c, "precision")});
    });
  for (const char* n : {"Recall", "recall"})
    r.add(n, [](const Config& c) {
      return Recall({.thresholds = config_thresholds(c), .class_id = config_class_id(c),
                     .name = config_name(c, "recall")});
    });
  for (const char* n : {"AUC", "auc"})
    r.add(n, [](const Config& c) {
      AUCOptions o;
      o.num_thresholds = config_value(c, "num_thresholds", 200);
      o.curve = config_value<std::string>(c, "curve", "ROC") == "PR" ? AUCCurve::PR : AUCCurve::ROC;
      const auto s = config_value<std::string>(c, "summation_method", "interpolation");
      o.summation_method = s == "minoring"   ? AUCSummation::minoring
                           : s == "majoring" ? AUCSummation::majoring
                                             : AUCSummation::interpolation;
      o.from_logits = config_value(c, "from_logits", false);
      o.name = config_name(c, "auc");
      return AUC(o);
    });
  for (const char* n : {"FBetaScore", "fbeta_score"})
    r.add(n, [](const Config& c) { return FBetaScore(config_fbeta(c, "fbeta_score")); });
  for (const char* n : {"F1Score", "f1_score"})
    r.add(n, [](const Config& c) { return F1Score(config_fbeta(c, "f1_score")); });
}
}  // namespace detail

}  // namespace strata::metrics
