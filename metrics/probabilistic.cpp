#include "strata/metrics/probabilistic.hpp"

#include <nlohmann/json.hpp>

#include "strata/losses/hinge.hpp"
#include "strata/losses/probabilistic.hpp"
#include "strata/metrics/builtin.hpp"

namespace strata::metrics {

namespace {
// The loss function on y_true / y_pred brought to the same rank (as the loss objects do).
std::shared_ptr<Metric> wrap(losses::LossFunction fn, const std::string& name, const char* default_name,
                             const char* class_name, Config config = Config::object()) {
  auto same_rank = [fn = std::move(fn)](const Tensor& t, const Tensor& p) {
    auto [tt, pp] = losses::detail::squeeze_or_expand_to_same_rank(t, p);
    return fn(tt, pp);
  };
  return detail::mean_wrapper(same_rank, name, default_name, class_name, std::move(config));
}
}  // namespace

std::shared_ptr<Metric> BinaryCrossentropy(const CrossentropyOptions& o) {
  return wrap([o](const Tensor& t, const Tensor& p) { return losses::binary_crossentropy(t, p, o.from_logits, o.label_smoothing); },
              o.name, "binary_crossentropy", "BinaryCrossentropy",
              Config{{"from_logits", o.from_logits}, {"label_smoothing", o.label_smoothing}});
}
std::shared_ptr<Metric> CategoricalCrossentropy(const CrossentropyOptions& o) {
  return wrap(
      [o](const Tensor& t, const Tensor& p) { return losses::categorical_crossentropy(t, p, o.from_logits, o.label_smoothing); },
      o.name, "categorical_crossentropy", "CategoricalCrossentropy",
      Config{{"from_logits", o.from_logits}, {"label_smoothing", o.label_smoothing}, {"axis", -1}});
}
std::shared_ptr<Metric> SparseCategoricalCrossentropy(const CrossentropyOptions& o) {
  const bool from_logits = o.from_logits;
  return std::make_shared<MeanMetricWrapper>(
      [from_logits](const Tensor& t, const Tensor& p) { return losses::sparse_categorical_crossentropy(t, p, from_logits); },
      detail::name_or(o.name, "sparse_categorical_crossentropy"), "SparseCategoricalCrossentropy",
      std::make_shared<const Config>(Config{{"from_logits", from_logits}, {"axis", -1}}));
}
std::shared_ptr<Metric> KLDivergence(const MetricOptions& o) {
  return wrap(losses::kl_divergence, o.name, "kl_divergence", "KLDivergence");
}
std::shared_ptr<Metric> Poisson(const MetricOptions& o) { return wrap(losses::poisson, o.name, "poisson", "Poisson"); }
std::shared_ptr<Metric> Hinge(const MetricOptions& o) { return wrap(losses::hinge, o.name, "hinge", "Hinge"); }
std::shared_ptr<Metric> SquaredHinge(const MetricOptions& o) {
  return wrap(losses::squared_hinge, o.name, "squared_hinge", "SquaredHinge");
}
std::shared_ptr<Metric> CategoricalHinge(const MetricOptions& o) {
  return wrap(losses::categorical_hinge, o.name, "categorical_hinge", "CategoricalHinge");
}

namespace detail {
void register_probabilistic_metrics(Registry<Metric>& r) {
  using CeFactory = std::shared_ptr<Metric> (*)(const CrossentropyOptions&);
  auto add_ce = [&r](CeFactory f, const char* default_name, std::initializer_list<const char*> names) {
    for (const char* n : names)
      r.add(n, [f, default_name](const Config& c) {
        return f({.from_logits = config_value(c, "from_logits", false),
                  .label_smoothing = config_value(c, "label_smoothing", 0.0),
                  .name = config_name(c, default_name)});
      });
  };
  add_ce(BinaryCrossentropy, "binary_crossentropy", {"BinaryCrossentropy", "binary_crossentropy"});
  add_ce(CategoricalCrossentropy, "categorical_crossentropy", {"CategoricalCrossentropy", "categorical_crossentropy"});
  add_ce(SparseCategoricalCrossentropy, "sparse_categorical_crossentropy",
         {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"});
  using Factory = std::shared_ptr<Metric> (*)(const MetricOptions&);
  auto add = [&r](Factory f, const char* default_name, std::initializer_list<const char*> names) {
    for (const char* n : names)
      r.add(n, [f, default_name](const Config& c) { return f({.name = config_name(c, default_name)}); });
  };
  add(KLDivergence, "kl_divergence", {"KLDivergence", "kl_divergence", "kld", "KLD", "kullback_leibler_divergence"});
  add(Poisson, "poisson", {"Poisson", "poisson"});
  add(Hinge, "hinge", {"Hinge", "hinge"});
  add(SquaredHinge, "squared_hinge", {"SquaredHinge", "squared_hinge"});
  add(CategoricalHinge, "categorical_hinge", {"CategoricalHinge", "categorical_hinge"});
}
}  // namespace detail

}  // namespace strata::metrics
