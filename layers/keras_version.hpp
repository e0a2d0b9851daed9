#pragma once
// Which Keras wrote the config being read, for the few functions whose meaning changed between
// Keras versions (the table is docs/KERAS_VERSIONS.md). The model loaders open a Scope from the
// file's keras_version while they rebuild a model; layer and optimizer factories ask the
// predicates below. Outside a scope the version is unknown and every predicate answers as Keras 3
// (the recurrent layers alone keep a guess of their own, see recurrent/config.cpp).
//
// Saving: a layer that follows an older version's meaning notes it from its get_config(); a
// writer collects the notes with a Recorder and records a keras_version under which every note
// holds, so that reading the file back gives the same functions.
#include <string>
#include <vector>

namespace strata::keras_version {

struct Version {
  int major = 0, minor = 0, patch = 0;
  bool tf_keras = false;  // "2.2.4-tf": tf.keras inside TensorFlow, not multi-backend Keras
  std::string text;       // as the file wrote it; empty: unknown
  bool known() const { return !text.empty(); }
};

// "2.2.4-tf", "2.15.0", "3.3.3", "1.2.2": the leading numbers; unparsable text is unknown.
Version parse(const std::string& text);

// The version of the config being read on this thread (unknown outside a Scope).
const Version& current();

// Sets current() for its lifetime (nests; an empty or unparsable text leaves the outer one).
class Scope {
 public:
  explicit Scope(const std::string& text);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Version previous_;
};

// Multi-backend Keras (Keras 1, and 2.x up to 2.3 without tf.keras's "-tf"), not tf.keras or Keras 3.
bool multi_backend(const Version& v);

// The behaviours that changed (each true for the old meaning; false for an unknown version).
// hard_sigmoid is clip(0.2 x + 0.5, 0, 1) in Keras 1/2 and tf.keras 2, relu6(x + 3) / 6 in Keras 3.
bool keras2_hard_sigmoid(const Version& v);
// UpSampling2D(interpolation="bilinear") without half-pixel centres (TF 1's resize_bilinear):
// multi-backend Keras <= 2.3 and tf.keras before "2.2.4-tf" (TensorFlow 1.x).
bool corner_aligned_bilinear(const Version& v);
// Bidirectional(return_sequences) repeats the last output at masked steps instead of writing
// zeros: multi-backend Keras <= 2.3, which has no zero_output_for_mask.
bool bidirectional_repeats_masked(const Version& v);
// RMSprop (without momentum) and Adagrad divide by sqrt(a) + epsilon, not sqrt(a + epsilon):
// multi-backend Keras and tf.keras's OptimizerV2 (before 2.11, or is_legacy_optimizer).
bool epsilon_outside_sqrt(const Version& v);
// Adagrad's accumulators start at 0 (multi-backend Keras has no initial_accumulator_value).
bool adagrad_zero_accumulator(const Version& v);
// BatchNormalization in training moves its moving variance toward the unbiased batch variance:
// multi-backend Keras 2.1.4-2.3 by n / (n - (1 + epsilon)) for every input;
bool bn_multi_backend_unbiased(const Version& v);
// tf.keras 2 by n / (n - 1) where its fused kernel runs: float32 4-D inputs with the channels on
// axis 1 or 3, and (from 2.9) 5-D ones with them on axis 1 or 4.
bool bn_fused_unbiased(const Version& v);
bool bn_fused_5d(const Version& v);

using Behaviour = bool (*)(const Version&);

// Called from get_config by a layer whose function depends on the version: `behaviour` must answer
// `value` under the version the file records; `source` is the version the layer was read under
// (may be empty). A no-op unless a Recorder is active on this thread.
void note(const char* what, Behaviour behaviour, bool value, const std::string& source = "");

// Collects the notes made while it lives (on this thread).
class Recorder {
 public:
  Recorder();
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  // `preferred` when every note holds under it, else the first version that satisfies them all
  // (the layers' own versions first, then tf.keras 2.15 and Keras 2.3.1); none: a warning, and
  // `preferred`.
  std::string version(const std::string& preferred) const;

  struct Note {
    std::string what;
    Behaviour behaviour;
    bool value;
    std::string source;
  };

 private:
  std::vector<Note> notes_;
  Recorder* previous_;
  friend void note(const char*, Behaviour, bool, const std::string&);
};

}  // namespace strata::keras_version
