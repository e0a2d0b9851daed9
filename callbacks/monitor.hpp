#pragma once
// What EarlyStopping (and other callbacks that watch a metric) share: Keras's `mode` argument
// and the direction of a monitored quantity, as keras.callbacks.MonitorCallback.
#include <string>

namespace strata::callbacks {

enum class MonitorDirection { minimize, maximize };

// Keras's `mode`: "auto", "min" or "max". Anything else sends `warning` to strata::warn and
// returns "auto".
std::string checked_monitor_mode(const std::string& mode, const std::string& warning);

// The direction for `mode`. "auto" decides from the name, without the "val_" prefix and any "_<n>"
// suffix, as Keras does from the metric's declared direction: "loss" and the error / crossentropy /
// hinge / divergence metrics are minimized; accuracy ("acc", "*accuracy"), auc, precision, recall,
// f1_score, fbeta_score, r2_score, cosine_similarity, iou, true_positives / true_negatives and the
// "*_at_*" metrics are maximized. Any other name with "auto" raises Keras's ValueError naming
// `callback_name`.
MonitorDirection monitor_direction(const std::string& monitor, const std::string& mode,
                                   const std::string& callback_name);

}  // namespace strata::callbacks
