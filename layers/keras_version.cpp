#include "strata/layers/keras_version.hpp"

#include <cctype>

#include "strata/framework/warnings.hpp"

namespace strata::keras_version {

namespace {
thread_local Version current_version;
thread_local Recorder* active_recorder = nullptr;

bool at_most(const Version& v, int major, int minor) {
  return v.major < major || (v.major == major && v.minor <= minor);
}
}  // namespace

// keras-team/keras up to 2.3.1; 2.4 is a shim over tf.keras.
bool multi_backend(const Version& v) { return v.known() && !v.tf_keras && at_most(v, 2, 3); }

Version parse(const std::string& text) {
  Version v;
  int parts[3] = {0, 0, 0};
  std::size_t i = 0;
  for (int k = 0; k < 3; ++k) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (k == 0) return {};
      break;
    }
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && parts[k] < 100000)
      parts[k] = parts[k] * 10 + (text[i++] - '0');
    if (k < 2 && i < text.size() && text[i] == '.') ++i;
    else break;
  }
  v.major = parts[0];
  v.minor = parts[1];
  v.patch = parts[2];
  v.tf_keras = text.find("-tf") != std::string::npos;
  v.text = text;
  return v;
}

const Version& current() { return current_version; }

Scope::Scope(const std::string& text) : previous_(current_version) {
  const Version v = parse(text);
  if (v.known()) current_version = v;
}

Scope::~Scope() { current_version = previous_; }

bool keras2_hard_sigmoid(const Version& v) { return v.known() && v.major < 3; }

bool corner_aligned_bilinear(const Version& v) {
  // tf.keras wrote "2.1.x-tf" under TensorFlow 1.x only; "2.2.4-tf" is TensorFlow 1.13-2.1, read
  // as TensorFlow 2 (half-pixel), which wrote most of those files.
  return multi_backend(v) || (v.known() && v.tf_keras && at_most(v, 2, 1));
}

bool bidirectional_repeats_masked(const Version& v) { return multi_backend(v); }

bool epsilon_outside_sqrt(const Version& v) { return v.known() && (v.major < 2 || (v.major == 2 && v.minor < 11)); }

// Asked only for a config without initial_accumulator_value, which OptimizerV2 and Keras 3 always
// write: such a config comes from Keras 1/2's own Adagrad (multi-backend, or tf.keras's copy on
// TensorFlow 1).
bool adagrad_zero_accumulator(const Version& v) { return v.known() && v.major < 3; }

bool bn_multi_backend_unbiased(const Version& v) {
  return multi_backend(v) && !(v.major < 2 || (v.major == 2 && (v.minor == 0 || (v.minor == 1 && v.patch < 4))));
}

bool bn_fused_unbiased(const Version& v) { return v.known() && v.major == 2 && !multi_backend(v); }

bool bn_fused_5d(const Version& v) { return bn_fused_unbiased(v) && !v.tf_keras && v.minor >= 9; }

void note(const char* what, Behaviour behaviour, bool value, const std::string& source) {
  if (active_recorder) active_recorder->notes_.push_back({what, behaviour, value, source});
}

Recorder::Recorder() : previous_(active_recorder) { active_recorder = this; }

Recorder::~Recorder() { active_recorder = previous_; }

std::string Recorder::version(const std::string& preferred) const {
  const auto holds = [this](const std::string& text) {
    const Version v = parse(text);
    if (!v.known()) return false;
    for (const auto& n : notes_)
      if (n.behaviour(v) != n.value) return false;
    return true;
  };
  if (holds(preferred)) return preferred;
  for (const auto& n : notes_)
    if (parse(n.source).known() && n.source.find('.') != std::string::npos && holds(n.source)) return n.source;
  for (const char* fallback : {"2.15.0", "2.3.1"})
    if (holds(fallback)) return fallback;
  std::string what;
  for (const auto& n : notes_) what += (what.empty() ? "" : ", ") + n.what;
  warn("No single Keras version gives every layer of this model the meaning it has in Strata (" + what +
       "); the file records keras_version " + preferred + ", under which some of them read back differently");
  return preferred;
}

}  // namespace strata::keras_version
