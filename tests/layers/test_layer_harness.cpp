// The layer-test harness (tests/support/layer_harness.hpp) applied to every layer in layers/.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "strata/layers/layers.hpp"
#include "support/layer_harness.hpp"

using namespace strata;
using namespace strata::layers;
using strata::testing::InputValues;
using strata::testing::run_layer_test;

namespace {
Config serialized(const initializers::InitializerPtr& init) { return initializers::serialize(*init); }
}  // namespace

TEST_CASE("layer harness: InputLayer") {
  run_layer_test({.name = "InputLayer",
                  .make = [] { return std::make_shared<InputLayer>(Shape{4}); },
                  .input_shape = {3, 4},
                  .expected_output_shape = {3, 4},
                  .expected_config = {{"batch_shape", Config::array({nullptr, 4})}, {"sparse", false}},
                  .has_trainable_key = false,
                  .training_step = true});
}

TEST_CASE("layer harness: Dense") {
  run_layer_test({.name = "Dense",
                  .make = [] { return Dense(3, "tanh").ptr(); },
                  .make_f64 = [] { return Dense(3, "tanh", {.dtype = float64}).ptr(); },
                  .input_shape = {2, 4},
                  .expected_output_shape = {2, 3},
                  .trainable_weights = 2,
                  .expected_config = {{"units", 3},
                                      {"activation", "tanh"},
                                      {"use_bias", true},
                                      {"kernel_initializer", serialized(initializers::GlorotUniform())},
                                      {"bias_initializer", serialized(initializers::Zeros())},
                                      {"kernel_regularizer", nullptr},
                                      {"bias_constraint", nullptr}},
                  .bad_input_shape = Shape{4}});
}

TEST_CASE("layer harness: Dense on rank-3 inputs, no bias, regularized and constrained") {
  run_layer_test({.name = "Dense",
                  .make = [] {
                    return Dense(2, {.use_bias = false,
                                     .kernel_regularizer = regularizers::L2(0.1),
                                     .activity_regularizer = regularizers::L1(0.01),
                                     .kernel_constraint = constraints::MaxNorm(3.0)})
                        .ptr();
                  },
                  .make_f64 = [] { return Dense(2, {.use_bias = false, .dtype = float64}).ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 2},
                  .trainable_weights = 1,
                  .expected_config = {{"use_bias", false},
                                      {"kernel_regularizer", regularizers::serialize(*regularizers::L2(0.1))},
                                      {"kernel_constraint", constraints::serialize(*constraints::MaxNorm(3.0))}}});
}

TEST_CASE("layer harness: Flatten") {
  run_layer_test({.name = "Flatten",
                  .make = [] { return Flatten().ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 12},
                  .expected_config = {{"data_format", "channels_last"}}});
}

TEST_CASE("layer harness: Dropout") {
  run_layer_test({.name = "Dropout",
                  .make = [] { return Dropout(0.5, {.seed = 3}).ptr(); },
                  .input_shape = {4, 5},
                  .expected_output_shape = {4, 5},
                  .expected_config = {{"rate", 0.5}, {"seed", 3}, {"noise_shape", nullptr}}});
}

TEST_CASE("layer harness: Activation") {
  run_layer_test({.name = "Activation",
                  .make = [] { return Activation("softplus").ptr(); },
                  .input_shape = {2, 5},
                  .expected_output_shape = {2, 5},
                  .expected_config = {{"activation", "softplus"}}});
}

TEST_CASE("layer harness: Lambda") {
  run_layer_test({.name = "Lambda",
                  .make = [] { return Lambda([](const Tensor& x) { return square(x) * 2.0; }).ptr(); },
                  .input_shape = {2, 3},
                  .expected_output_shape = {2, 3},
                  .config_throws = true});
  run_layer_test({.name = "Lambda",
                  .make = [] {
                    return Lambda([](const Tensor& x) { return sum(x, -1, true); }, {.output_shape = Shape{1}}).ptr();
                  },
                  .input_shape = {2, 3},
                  .expected_output_shape = {2, 1},
                  .config_throws = true});
}

TEST_CASE("layer harness: Reshape") {
  run_layer_test({.name = "Reshape",
                  .make = [] { return Reshape({3, -1}).ptr(); },
                  .input_shape = {2, 12},
                  .expected_output_shape = {2, 3, 4},
                  .expected_config = {{"target_shape", {3, -1}}},
                  .bad_input_shape = Shape{2, 7}});
}

TEST_CASE("layer harness: Permute") {
  run_layer_test({.name = "Permute",
                  .make = [] { return Permute({2, 3, 1}).ptr(); },
                  .input_shape = {2, 3, 4, 5},
                  .expected_output_shape = {2, 4, 5, 3},
                  .expected_config = {{"dims", {2, 3, 1}}},
                  .bad_input_shape = Shape{2, 3, 4}});
}

TEST_CASE("layer harness: RepeatVector") {
  run_layer_test({.name = "RepeatVector",
                  .make = [] { return RepeatVector(3).ptr(); },
                  .input_shape = {2, 4},
                  .expected_output_shape = {2, 3, 4},
                  .expected_config = {{"n", 3}},
                  .bad_input_shape = Shape{2, 4, 1}});
}

TEST_CASE("layer harness: ActivityRegularization") {
  run_layer_test({.name = "ActivityRegularization",
                  .make = [] { return ActivityRegularization({.l1 = 0.1, .l2 = 0.2}).ptr(); },
                  .input_shape = {2, 3},
                  .expected_output_shape = {2, 3},
                  .expected_config = {{"l1", 0.1}, {"l2", 0.2}},
                  .input_values = InputValues::away_from_zero});
}

TEST_CASE("layer harness: GaussianNoise") {
  run_layer_test({.name = "GaussianNoise",
                  .make = [] { return GaussianNoise(0.5, {.seed = 1}).ptr(); },
                  .input_shape = {3, 4},
                  .expected_output_shape = {3, 4},
                  .expected_config = {{"stddev", 0.5}, {"seed", 1}}});
}

TEST_CASE("layer harness: GaussianDropout") {
  run_layer_test({.name = "GaussianDropout",
                  .make = [] { return GaussianDropout(0.3).ptr(); },
                  .input_shape = {3, 4},
                  .expected_output_shape = {3, 4},
                  .expected_config = {{"rate", 0.3}, {"seed", nullptr}}});
}

TEST_CASE("layer harness: ReLU") {
  run_layer_test({.name = "ReLU",
                  .make = [] { return ReLU().ptr(); },
                  .input_shape = {2, 6},
                  .expected_output_shape = {2, 6},
                  .expected_config = {{"max_value", nullptr}, {"negative_slope", 0.0}, {"threshold", 0.0}},
                  .gradient_check_training = true,
                  .input_values = InputValues::away_from_zero});
  run_layer_test({.name = "ReLU",
                  .make = [] { return ReLU({.max_value = 0.9, .negative_slope = 0.1, .threshold = 0.1}).ptr(); },
                  .input_shape = {3, 8},
                  .expected_output_shape = {3, 8},
                  .expected_config = {{"max_value", 0.9}, {"negative_slope", 0.1}, {"threshold", 0.1}},
                  // distinct values: none on the kinks at 0.1 and 0.9
                  .input_values = InputValues::distinct});
}

TEST_CASE("layer harness: LeakyReLU") {
  run_layer_test({.name = "LeakyReLU",
                  .make = [] { return LeakyReLU().ptr(); },
                  .input_shape = {2, 5},
                  .expected_output_shape = {2, 5},
                  .expected_config = {{"negative_slope", 0.3}},
                  .input_values = InputValues::away_from_zero});
}

TEST_CASE("layer harness: PReLU") {
  run_layer_test({.name = "PReLU",
                  .make = [] { return PReLU({.alpha_initializer = initializers::Constant(0.25)}).ptr(); },
                  .make_f64 = [] {
                    return PReLU({.alpha_initializer = initializers::Constant(0.25), .dtype = float64}).ptr();
                  },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 4},
                  .trainable_weights = 1,
                  .expected_config = {{"alpha_initializer", serialized(initializers::Constant(0.25))},
                                      {"alpha_regularizer", nullptr},
                                      {"alpha_constraint", nullptr},
                                      {"shared_axes", nullptr}},
                  .input_values = InputValues::away_from_zero,
                  .bad_input_shape = Shape{4}});
  run_layer_test({.name = "PReLU",
                  // alpha = 0 would give alpha no gradient under sum(square(y)): start elsewhere
                  .make = [] { return PReLU({.alpha_initializer = "ones", .shared_axes = {1}}).ptr(); },
                  .make_f64 = [] {
                    return PReLU({.alpha_initializer = "ones", .shared_axes = {1}, .dtype = float64}).ptr();
                  },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 4},
                  .trainable_weights = 1,
                  .expected_config = {{"alpha_initializer", serialized(initializers::Ones())}, {"shared_axes", {1}}},
                  .input_values = InputValues::away_from_zero});
}

TEST_CASE("layer harness: ELU") {
  run_layer_test({.name = "ELU",
                  .make = [] { return ELU(0.5).ptr(); },
                  .input_shape = {2, 5},
                  .expected_output_shape = {2, 5},
                  .expected_config = {{"alpha", 0.5}},
                  .input_values = InputValues::away_from_zero});
}

TEST_CASE("layer harness: ThresholdedReLU") {
  run_layer_test({.name = "ThresholdedReLU",
                  .make = [] { return ThresholdedReLU(0.5).ptr(); },
                  .input_shape = {3, 8},
                  .expected_output_shape = {3, 8},
                  .expected_config = {{"theta", 0.5}},
                  // distinct values: none on the step at 0.5
                  .input_values = InputValues::distinct});
}

TEST_CASE("layer harness: Softmax") {
  run_layer_test({.name = "Softmax",
                  .make = [] { return Softmax({.axis = 1}).ptr(); },
                  .input_shape = {2, 3, 4},
                  .expected_output_shape = {2, 3, 4},
                  .expected_config = {{"axis", 1}}});
}
