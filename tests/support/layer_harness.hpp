#pragma once
// The one layer-test harness of the suite, applied to every layer:
//
//   run_layer_test({.name = "Dense",
//                   .make = [] { return Dense(3).ptr(); },
//                   .make_f64 = [] { return Dense(3, {.dtype = float64}).ptr(); },
//                   .input_shape = {2, 4},
//                   .expected_output_shape = {2, 3},
//                   .trainable_weights = 2,
//                   .expected_config = {{"units", 3}}});
//
// It builds the layer and calls it, checks the output shape against compute_output_shape (also
// with an unknown batch size), counts the trainable and non-trainable weights, checks the config
// (Keras's base keys, the expected entries, JSON round trip, and Keras's
// run_class_serialization_test: layer_from_config(serialize_layer(layer)) has the same config and,
// on the same weights, the same outputs), freezing, set_weights with a wrong
// shape (ValueError, nothing changed), one training step (a GradientTape over sum(square(output))
// plus the layer's losses: a gradient for every trainable weight, and a plain SGD step changes
// them), a float64 gradient check against finite differences with respect to the inputs and every
// trainable weight, and — when given — that a wrong input shape raises ShapeError naming the layer
// and the shape.
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "strata/framework/config.hpp"
#include "strata/layers/layer.hpp"
#include "support/gradient_check.hpp"

namespace strata::testing {

enum class InputValues {
  uniform,          // uniform in [-1, 1)
  away_from_zero,   // |x| in [0.2, 1.5), random signs: no input sits on a kink at 0
  distinct,         // distinct values (no ties), for max-like layers
  indices,          // int64 indices in [0, index_limit) (Embedding); not differentiated
};

struct LayerTestSpec {
  std::string name;                           // for messages
  std::function<LayerPtr()> make;             // a new float32 layer
  std::function<LayerPtr()> make_f64 = {};    // the same layer in float64 (needed when it has weights)
  Shape input_shape;                          // concrete, batch axis first
  Shape expected_output_shape;
  std::size_t trainable_weights = 0;
  std::size_t non_trainable_weights = 0;
  std::string class_name = {};                // Keras class name; the spec's name when empty
  Config expected_config = {};                // entries get_config() must hold (besides name/trainable/dtype)
  bool has_trainable_key = true;              // InputLayer's config has no "trainable", as Keras
  bool config_throws = false;                 // Lambda: get_config raises ValueError
  bool training_step = true;
  bool gradient_check = true;
  bool gradient_check_training = false;       // also check with training=true (deterministic layers)
  InputValues input_values = InputValues::uniform;
  std::int64_t index_limit = 10;              // for InputValues::indices
  GradCheckOptions grad_options = {};
  std::optional<Shape> bad_input_shape = {};  // a shape the layer must refuse with ShapeError
};

void run_layer_test(const LayerTestSpec& spec);

// Uniform float32 values in [low, high), deterministic in `seed`.
Tensor random_f32(const Shape& shape, double low = -1.0, double high = 1.0, std::uint64_t seed = 3);

}  // namespace strata::testing
