#include "support/layer_harness.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "strata/layers/registry.hpp"

namespace strata::testing {

namespace {

Tensor make_input(const LayerTestSpec& spec, DType dtype, std::uint64_t seed) {
  Tensor x;
  switch (spec.input_values) {
    case InputValues::uniform: x = random_f64(spec.input_shape, -1.0, 1.0, seed); break;
    case InputValues::away_from_zero: x = random_away_from_zero(spec.input_shape, 0.2, 1.5, seed); break;
    case InputValues::distinct: x = distinct_f64(spec.input_shape, -1.0, 1.0, seed); break;
    case InputValues::indices:
      return cast(floor(random_f64(spec.input_shape, 0.0, static_cast<double>(spec.index_limit), seed)), int64);
  }
  return cast(x, dtype);
}

Shape with_unknown_batch(Shape shape) {
  if (!shape.empty()) shape[0] = -1;
  return shape;
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<double>() == b.to_vector<double>();
}

void check_shapes_and_weights(const LayerTestSpec& spec) {
  LayerPtr layer = spec.make();
  REQUIRE(layer);
  CHECK_FALSE(layer->name().empty());
  CHECK(layer->class_name() == (spec.class_name.empty() ? spec.name : spec.class_name));

  const Tensor x = make_input(spec, float32, 3);
  const Tensor y = (*layer)(x);
  CHECK(layer->built());
  CHECK_MESSAGE(y.shape() == spec.expected_output_shape,
                "output shape " << y.shape().to_string() << ", expected " << spec.expected_output_shape.to_string());
  CHECK(y.dtype() == layer->dtype());
  CHECK(layer->compute_output_shape(spec.input_shape) == spec.expected_output_shape);
  CHECK_MESSAGE(layer->compute_output_shape(with_unknown_batch(spec.input_shape)) ==
                    with_unknown_batch(spec.expected_output_shape),
                "compute_output_shape with an unknown batch gave "
                    << layer->compute_output_shape(with_unknown_batch(spec.input_shape)).to_string());

  CHECK(layer->trainable_weights().size() == spec.trainable_weights);
  CHECK(layer->non_trainable_weights().size() == spec.non_trainable_weights);
  CHECK(layer->weights().size() == spec.trainable_weights + spec.non_trainable_weights);
  CHECK(layer->get_weights().size() == layer->weights().size());
  std::int64_t params = 0;
  for (const auto& w : layer->weights()) params += w.size();
  CHECK(layer->count_params() == params);

  // A second call reuses the weights (no new build).
  const auto before = layer->weights().size();
  (void)(*layer)(x);
  CHECK(layer->weights().size() == before);

  // Freezing moves every weight to non_trainable_weights.
  layer->set_trainable(false);
  CHECK(layer->trainable_weights().empty());
  CHECK(layer->non_trainable_weights().size() == spec.trainable_weights + spec.non_trainable_weights);
  layer->set_trainable(true);
  CHECK(layer->trainable_weights().size() == spec.trainable_weights);

  // set_weights: the same values round-trip; a wrong shape raises ValueError and changes nothing.
  auto values = layer->get_weights();
  layer->set_weights(values);
  if (!values.empty()) {
    auto bad = values;
    const Shape& s = bad.back().shape();
    std::vector<std::int64_t> dims(s.begin(), s.end());
    dims.push_back(2);
    bad.back() = zeros(Shape(dims), bad.back().dtype());
    bad.front() = full(bad.front().shape(), 42.0, bad.front().dtype());
    CHECK_THROWS_AS(layer->set_weights(bad), ValueError);
    const auto after = layer->get_weights();
    for (std::size_t i = 0; i < values.size(); ++i) CHECK(same_values(after[i], values[i]));
    CHECK_THROWS_AS(layer->set_weights({}), ValueError);
  }

  // A different layer from the same factory gets another name.
  CHECK(spec.make()->name() != layer->name());
}

void check_config(const LayerTestSpec& spec) {
  LayerPtr layer = spec.make();
  (void)(*layer)(make_input(spec, float32, 3));
  if (spec.config_throws) {
    CHECK_THROWS_AS((void)layer->get_config(), ValueError);
    return;
  }
  const Config config = layer->get_config();
  REQUIRE(config.is_object());
  CHECK(config.value("name", std::string()) == layer->name());
  CHECK(config.value("dtype", std::string()) == std::string(dtype_name(layer->dtype())));
  if (spec.has_trainable_key) {
    REQUIRE(config.contains("trainable"));
    CHECK(config["trainable"] == layer->trainable());
  }
  for (const auto& [key, value] : spec.expected_config.items()) {
    REQUIRE_MESSAGE(config.contains(key), spec.name << ": config has no key '" << key << "': " << config.dump());
    CHECK_MESSAGE(config[key] == value,
                  spec.name << ": config['" << key << "'] is " << config[key].dump() << ", expected " << value.dump());
  }
  // The config is plain JSON: it survives text.
  CHECK(Config::parse(config.dump()) == config);

  // The real round trip, as Keras's run_class_serialization_test: the layer made from its
  // serialized form has the same config, and the same outputs on the same weights.
  REQUIRE_MESSAGE(is_layer_registered(layer->class_name()),
                  spec.name << ": class '" << layer->class_name() << "' is not registered");
  LayerPtr restored = layer_from_config(serialize_layer(*layer));
  REQUIRE(restored);
  CHECK(restored->class_name() == layer->class_name());
  CHECK_MESSAGE(restored->get_config() == config,
                spec.name << ": the restored config " << restored->get_config().dump() << " differs from " << config.dump());
  const Tensor x = make_input(spec, float32, 3);
  (void)(*restored)(x, false);  // builds it
  restored->set_weights(layer->get_weights());
  const Tensor expected = (*layer)(x, false);
  const Tensor got = (*restored)(x, false);
  CHECK_MESSAGE(same_values(got, expected), spec.name << ": the restored layer gives other outputs");
}

void check_training_step(const LayerTestSpec& spec) {
  LayerPtr layer = spec.make();
  const Tensor x = make_input(spec, float32, 5);
  (void)(*layer)(x);  // build
  const auto weights = layer->trainable_weights();
  const auto before = layer->get_weights();
  std::vector<Tensor> grads;
  {
    GradientTape tape;
    layer->clear_losses();
    const Tensor y = (*layer)(x, true);
    Tensor loss = sum(square(y));
    for (const auto& extra : layer->losses()) loss = loss + extra;
    grads = tape.gradient(loss, weights);
  }
  REQUIRE(grads.size() == weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) {
    REQUIRE_MESSAGE(grads[i].defined(), spec.name << ": no gradient for weight '" << weights[i].name() << "'");
    CHECK(grads[i].shape() == weights[i].shape());
    Variable w = weights[i];
    w.assign_sub(grads[i] * 0.1);
  }
  if (!weights.empty()) {
    const auto after = layer->get_weights();
    bool changed = false;
    for (std::size_t i = 0; i < after.size(); ++i) changed = changed || !same_values(after[i], before[i]);
    CHECK_MESSAGE(changed, spec.name << ": one SGD step changed no weight");
  }
}

void check_layer_gradients(const LayerTestSpec& spec, bool training) {
  LayerPtr layer = spec.make_f64 ? spec.make_f64() : spec.make();
  const Tensor x = make_input(spec, float64, 9);
  layer->ensure_built(x.shape());
  auto weights = layer->trainable_weights();
  for (const auto& w : weights)
    REQUIRE_MESSAGE(w.dtype() == float64, spec.name << ": weight '" << w.name()
                                                    << "' is not float64: give the spec a make_f64 factory");
  const auto originals = layer->get_weights();
  // Layers without a float64 option (weightless) are called directly, past the float32 autocast.
  const bool via_call = layer->dtype() != float64;
  std::vector<Tensor> inputs{x};
  for (const auto& w : weights) inputs.push_back(w);
  check_gradients(
      [&](const std::vector<Tensor>& in) {
        // A perturbed copy, or the original value back when the checker passes the weight itself
        // (else the last perturbation of a weight checked earlier would linger).
        for (std::size_t i = 0; i < weights.size(); ++i)
          weights[i].assign(in[i + 1].id() != weights[i].id() ? in[i + 1] : originals[i]);
        return via_call ? layer->call(in[0], training) : (*layer)(in[0], training);
      },
      inputs, spec.grad_options);
  layer->set_weights(originals);
}

void check_bad_input(const LayerTestSpec& spec) {
  LayerPtr layer = spec.make();
  const Shape bad = *spec.bad_input_shape;
  try {
    (void)(*layer)(zeros(bad));
    FAIL_CHECK(spec.name << ": inputs of shape " << bad.to_string() << " were accepted");
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    CHECK_MESSAGE(message.find(layer->name()) != std::string::npos,
                  spec.name << ": the error does not name the layer: " << message);
    CHECK_MESSAGE(message.find(bad.to_string()) != std::string::npos,
                  spec.name << ": the error does not name the shape " << bad.to_string() << ": " << message);
  }
}

}  // namespace

Tensor random_f32(const Shape& shape, double low, double high, std::uint64_t seed) {
  return cast(random_f64(shape, low, high, seed), float32);
}

void run_layer_test(const LayerTestSpec& spec) {
  INFO("layer harness: " << spec.name);
  REQUIRE(spec.make);
  {
    INFO("shapes and weights");
    check_shapes_and_weights(spec);
  }
  {
    INFO("config");
    check_config(spec);
  }
  if (spec.training_step) {
    INFO("training step");
    check_training_step(spec);
  }
  if (spec.gradient_check) {
    INFO("float64 gradient check (training=false)");
    check_layer_gradients(spec, false);
  }
  if (spec.gradient_check_training) {
    INFO("float64 gradient check (training=true)");
    check_layer_gradients(spec, true);
  }
  if (spec.bad_input_shape) {
    INFO("bad input shape");
    check_bad_input(spec);
  }
}

}  // namespace strata::testing
