#include "strata/metrics/reduction.hpp"

#include <nlohmann/json.hpp>

#include <numeric>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/metrics/builtin.hpp"

namespace strata::metrics {

namespace {

std::vector<int> axes_from(int first, int rank) {
  std::vector<int> axes(static_cast<std::size_t>(std::max(rank - first, 0)));
  std::iota(axes.begin(), axes.end(), first);
  return axes;
}

Tensor as_floating(const Tensor& x) { return is_floating(x.dtype()) ? x : cast(x, float32); }

// Values and weights brought to the same rank and broadcast, as Keras's reduce_to_samplewise_values;
// ShapeError naming the metric when they do not fit.
std::pair<Tensor, Tensor> weighted(const std::string& metric, const Tensor& values, const Tensor& sample_weight,
                                   bool mean_reduce) {
  Tensor w = cast(sample_weight, values.dtype());
  auto [v, ww] = losses::detail::squeeze_or_expand_to_same_rank(values, w);
  if (v.rank() > ww.rank()) {
    auto axes = axes_from(ww.rank(), v.rank());
    v = mean_reduce ? mean(v, axes) : sum(v, axes);
  }
  try {
    ww = broadcast_to(ww, v.shape());
  } catch (const ShapeError&) {
    throw ShapeError("Metric '" + metric + "': sample_weight of shape " + sample_weight.shape().to_string() +
                     " does not match the values of shape " + values.shape().to_string());
  }
  return {v * ww, ww};
}

}  // namespace

MeanMetric::MeanMetric(std::string name) : Metric(std::move(name)) {}

void MeanMetric::update_state(const Tensor& values, const Tensor& sample_weight, const Tensor& unused) {
  if (unused.defined())
    throw ValueError("Metric '" + this->name() + "': Mean.update_state takes (values, sample_weight)");
  accumulate(values, sample_weight);
}

void MeanMetric::accumulate(const Tensor& values, const Tensor& sample_weight) {
  autodiff::NoRecordScope no_record;
  Tensor v = as_floating(values);
  if (sample_weight.defined()) {
    auto [vv, ww] = weighted(name(), v, sample_weight, /*mean_reduce=*/true);
    if (ww.rank() > 1) ww = mean(ww, axes_from(1, ww.rank()));
    if (vv.rank() > 1) vv = mean(vv, axes_from(1, vv.rank()));
    const auto sums = stack({sum(vv), sum(ww)}).to_vector<double>();
    total_ += sums[0];
    count_ += sums[1];
    return;
  }
  const double samples = v.rank() >= 1 ? static_cast<double>(v.shape()[0]) : 1.0;
  if (v.rank() > 1) v = mean(v, axes_from(1, v.rank()));
  total_ += sum(v).item<double>();
  count_ += samples;
}

double MeanMetric::result() const { return detail::divide_no_nan(total_, count_); }

void MeanMetric::reset_state() {
  total_ = 0.0;
  count_ = 0.0;
}

SumMetric::SumMetric(std::string name) : Metric(std::move(name)) {}

void SumMetric::update_state(const Tensor& values, const Tensor& sample_weight, const Tensor& unused) {
  if (unused.defined()) throw ValueError("Metric '" + name() + "': Sum.update_state takes (values, sample_weight)");
  autodiff::NoRecordScope no_record;
  Tensor v = as_floating(values);
  if (sample_weight.defined()) v = weighted(name(), v, sample_weight, /*mean_reduce=*/false).first;
  total_ += sum(v).item<double>();
}

MeanMetricWrapper::MeanMetricWrapper(MetricFunction fn, std::string name, std::string class_name,
                                     std::shared_ptr<const Config> config)
    : MeanMetric(std::move(name)), fn_(std::move(fn)), class_name_(std::move(class_name)), config_(std::move(config)) {
  if (!fn_) throw ValueError("MeanMetricWrapper: the metric function is empty");
}

void MeanMetricWrapper::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  update_state_masked(y_true, y_pred, sample_weight, Tensor());
}

void MeanMetricWrapper::update_state_masked(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight,
                                            const Tensor& y_pred_mask) {
  autodiff::NoRecordScope no_record;
  Tensor values = as_floating(fn_(y_true, y_pred));
  accumulate(values, losses::detail::apply_mask("Metric '" + name() + "'", sample_weight, y_pred_mask, values.dtype(),
                                                losses::Reduction::sum));
}

Config MeanMetricWrapper::get_config() const {
  Config config = Metric::get_config();
  if (config_)
    for (const auto& [key, value] : config_->items()) config[key] = value;
  return config;
}

std::shared_ptr<Metric> Mean(const MetricOptions& o) {
  return std::make_shared<MeanMetric>(o.name.empty() ? "mean" : o.name);
}
std::shared_ptr<Metric> Sum(const MetricOptions& o) { return std::make_shared<SumMetric>(o.name.empty() ? "sum" : o.name); }

std::shared_ptr<Metric> from_loss(std::shared_ptr<losses::Loss> loss, std::string name) {
  if (!loss) throw ValueError("metrics::from_loss: the loss is null");
  if (name.empty()) name = loss->name();
  const std::string class_name = loss->class_name();
  auto config = std::make_shared<const Config>(loss->get_config());
  return std::make_shared<MeanMetricWrapper>(
      [loss](const Tensor& t, const Tensor& p) { return loss->call(t, p); }, std::move(name), class_name,
      std::move(config));
}

std::shared_ptr<Metric> from_function(MetricFunction fn, std::string name) {
  return std::make_shared<MeanMetricWrapper>(std::move(fn), std::move(name));
}

namespace detail {
void register_reduction_metrics(Registry<Metric>& r) {
  r.add("Mean", [](const Config& c) { return Mean({.name = config_name(c, "mean")}); });
  r.add("mean", [](const Config& c) { return Mean({.name = config_name(c, "mean")}); });
  r.add("Sum", [](const Config& c) { return Sum({.name = config_name(c, "sum")}); });
  r.add("sum", [](const Config& c) { return Sum({.name = config_name(c, "sum")}); });
}
}  // namespace detail

}  // namespace strata::metrics
