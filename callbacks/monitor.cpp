#include "strata/callbacks/monitor.hpp"

#include <array>
#include <cctype>
#include <iostream>
#include <optional>
#include <string_view>

#include "strata/framework/errors.hpp"
#include "strata/framework/warnings.hpp"

namespace strata::callbacks {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "val_precision_1" -> "precision".
std::string metric_base_name(std::string name) {
  if (name.rfind("val_", 0) == 0) name.erase(0, 4);
  auto underscore = name.rfind('_');
  if (underscore != std::string::npos && underscore + 1 < name.size()) {
    bool digits = true;
    for (auto i = underscore + 1; i < name.size(); ++i) digits = digits && std::isdigit(static_cast<unsigned char>(name[i]));
    if (digits) name.erase(underscore);
  }
  return name;
}

std::optional<MonitorDirection> direction_from_name(const std::string& name) {
  using enum MonitorDirection;
  if (name == "loss") return minimize;
  static constexpr std::array up_exact{"acc", "auc", "precision", "recall", "f1_score", "fbeta_score", "r2_score",
                                       "cosine_similarity", "true_positives", "true_negatives", "iou", "mean_iou"};
  for (const char* n : up_exact)
    if (name == n) return maximize;
  if (ends_with(name, "accuracy") || ends_with(name, "_iou") || name.find("_at_") != std::string::npos) return maximize;
  static constexpr std::array down_exact{"mse", "mae", "mape", "msle", "kld", "kl_divergence", "poisson", "logcosh",
                                         "log_cosh", "false_positives", "false_negatives", "huber", "hinge"};
  for (const char* n : down_exact)
    if (name == n) return minimize;
  if (ends_with(name, "_error") || ends_with(name, "crossentropy") || ends_with(name, "hinge") ||
      ends_with(name, "_loss"))
    return minimize;
  return std::nullopt;
}

}  // namespace

std::string checked_monitor_mode(const std::string& mode, const std::string& warning) {
  if (mode == "auto" || mode == "min" || mode == "max") return mode;
  warn(warning);
  return "auto";
}

MonitorDirection monitor_direction(const std::string& monitor, const std::string& mode,
                                   const std::string& callback_name) {
  if (mode == "min") return MonitorDirection::minimize;
  if (mode == "max") return MonitorDirection::maximize;
  if (auto direction = direction_from_name(metric_base_name(monitor))) return *direction;
  const bool early_stopping = callback_name == "EarlyStopping";
  throw ValueError(callback_name + " callback received monitor=" + monitor + (early_stopping ? "" : ",") +
                   " but Keras isn't able to automatically determine whether that metric should be maximized "
                   "or minimized. Pass `mode='max'` in order to " +
                   (early_stopping ? "do early stopping" : "monitor") +
                   " based on the highest metric value, or pass `mode='min'` in order to use the lowest value.");
}

}  // namespace strata::callbacks
