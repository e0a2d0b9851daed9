// Optimizer behaviour beyond the update rules: clipping, weight decay, skipped gradients, the
// iteration count, learning rates and schedules, state variables, the registry and configs, and a
// small end-to-end minimisation with a GradientTape.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/optimizers/optimizers.hpp"
#include "strata/strata.hpp"

namespace st = strata;
namespace opt = strata::optimizers;
using json = nlohmann::json;

namespace {
std::vector<double> values(const st::Tensor& t) { return t.to_vector<double>(); }
st::Variable var(std::initializer_list<st::Tensor::ListElement> v, const std::string& name = "v") {
  return st::Variable(st::Tensor(v, st::float64), {.name = name});
}
st::Tensor grad(std::initializer_list<st::Tensor::ListElement> v) { return st::Tensor(v, st::float64); }
}  // namespace

TEST_CASE("optimizers: the factories read like Keras") {
  std::shared_ptr<opt::Optimizer> a = opt::Adam(1e-3);
  CHECK(a->class_name() == "Adam");
  CHECK(a->name() == "adam");
  CHECK(a->learning_rate() == 1e-3);
  auto b = opt::Adam({.learning_rate = 1e-3, .beta_1 = 0.9, .beta_2 = 0.999, .epsilon = 1e-7, .amsgrad = false});
  CHECK(b->get_config()["beta_2"] == 0.999);
  auto c = opt::SGD({.learning_rate = opt::schedules::ExponentialDecay(
                         {.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5}),
                     .momentum = 0.9});
  CHECK(c->learning_rate_schedule() != nullptr);
  CHECK(c->learning_rate() == doctest::Approx(0.1));
  auto d = std::make_shared<opt::RMSpropOptimizer>(opt::RMSpropOptions{.rho = 0.8, .centered = true});
  CHECK(d->options().rho == 0.8);
  CHECK(opt::SGD()->learning_rate() == doctest::Approx(0.01));
  CHECK(opt::AdamW()->weight_decay() == 0.004);
}

TEST_CASE("optimizers: clipnorm clips each gradient to the norm") {
  auto sgd = opt::SGD({.learning_rate = 1.0, .clipnorm = 1.0});
  auto x = var({0.0, 0.0}), y = var({0.0, 0.0});
  sgd->apply_gradients({grad({3.0, 4.0}), grad({0.3, 0.4})}, {x, y});
  CHECK(values(x)[0] == doctest::Approx(-0.6));
  CHECK(values(x)[1] == doctest::Approx(-0.8));
  CHECK(values(y)[0] == doctest::Approx(-0.3));  // under the norm: untouched
  CHECK(values(y)[1] == doctest::Approx(-0.4));
}

TEST_CASE("optimizers: clipvalue clips each element") {
  auto sgd = opt::SGD({.learning_rate = 1.0, .clipvalue = 0.5});
  auto x = var({0.0, 0.0, 0.0});
  sgd->apply_gradients({grad({3.0, -0.2, -4.0})}, {x});
  CHECK(values(x) == std::vector<double>{-0.5, 0.2, 0.5});
}

TEST_CASE("optimizers: global_clipnorm scales all gradients together") {
  auto sgd = opt::SGD({.learning_rate = 1.0, .global_clipnorm = 1.0});
  auto x = var({0.0}), y = var({0.0});
  sgd->apply_gradients({grad({3.0}), grad({4.0})}, {x, y});
  CHECK(values(x)[0] == doctest::Approx(-0.6));
  CHECK(values(y)[0] == doctest::Approx(-0.8));
  // Under the norm nothing changes.
  sgd->apply_gradients({grad({0.3}), grad({0.4})}, {x, y});
  CHECK(values(x)[0] == doctest::Approx(-0.9));
  CHECK(values(y)[0] == doctest::Approx(-1.2));
}

TEST_CASE("optimizers: only one clipping option may be set") {
  CHECK_THROWS_AS(opt::SGD({.clipnorm = 1.0, .clipvalue = 1.0}), st::ValueError);
  CHECK_THROWS_WITH_AS(opt::Adam({.clipnorm = 1.0, .global_clipnorm = 2.0}),
                       doctest::Contains("Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"), st::ValueError);
}

TEST_CASE("optimizers: weight_decay is decoupled and can exclude variables") {
  auto sgd = opt::SGD({.learning_rate = 0.5, .weight_decay = 0.1});
  auto kernel = var({2.0}, "dense/kernel"), bias = var({2.0}, "dense/bias"), other = var({2.0}, "other");
  sgd->exclude_from_weight_decay({other}, {"bias"});
  sgd->apply_gradients({grad({0.0}), grad({0.0}), grad({0.0})}, {kernel, bias, other});
  CHECK(values(kernel)[0] == doctest::Approx(1.9));  // 2 - 2 * 0.1 * 0.5
  CHECK(values(bias)[0] == 2.0);
  CHECK(values(other)[0] == 2.0);
  CHECK_THROWS_AS(opt::AdamW({.weight_decay = std::nullopt}), st::ValueError);
}

TEST_CASE("optimizers: an undefined gradient is skipped; none at all is an error") {
  auto adam = opt::Adam(0.1);
  auto x = var({1.0}, "x"), y = var({1.0}, "y");
  adam->apply_gradients({grad({1.0}), st::Tensor()}, {x, y});
  CHECK(values(x)[0] < 1.0);
  CHECK(values(y)[0] == 1.0);
  CHECK(adam->iterations() == 1);
  CHECK(adam->variables().size() == 4);  // iteration, learning_rate, x_momentum, x_velocity
  CHECK_THROWS_WITH_AS(adam->apply_gradients({st::Tensor(), st::Tensor()}, {x, y}),
                       "No gradients provided for any variable.", st::ValueError);
  CHECK_THROWS_AS(adam->apply_gradients({grad({1.0})}, {x, y}), st::ValueError);
  CHECK_THROWS_AS(adam->apply_gradients({grad({1.0, 2.0})}, {x}), st::ShapeError);
  adam->apply_gradients({}, {});  // nothing to do
  CHECK(adam->iterations() == 1);
}

TEST_CASE("optimizers: iterations() counts the steps; state variables come in Keras's order") {
  auto adam = opt::Adam({.learning_rate = 0.01, .amsgrad = true});
  auto kernel = var({1.0, 2.0}, "dense/kernel"), bias = var({0.5}, "dense/bias");
  CHECK(adam->iterations() == 0);
  for (int i = 0; i < 3; ++i) adam->apply_gradients({grad({0.1, 0.2}), grad({0.3})}, {kernel, bias});
  CHECK(adam->iterations() == 3);
  std::vector<std::string> names;
  for (const auto& v : adam->variables()) {
    names.push_back(v.name());
    CHECK_FALSE(v.trainable());
  }
  CHECK(names == std::vector<std::string>{"iteration", "learning_rate", "dense_kernel_momentum",
                                          "dense_kernel_velocity", "dense_kernel_velocity_hat", "dense_bias_momentum",
                                          "dense_bias_velocity", "dense_bias_velocity_hat"});
  CHECK(adam->variables()[2].shape() == kernel.shape());
  CHECK(adam->variables()[2].dtype() == st::float64);
  adam->set_iterations(10);
  CHECK(adam->iterations() == 10);

  auto nadam = opt::Nadam(0.01);
  nadam->apply_gradients({grad({0.1, 0.2}), grad({0.3})}, {kernel, bias});
  names.clear();
  for (const auto& v : nadam->variables()) names.push_back(v.name());
  CHECK(names.back() == "u_product");
  CHECK(names.size() == 7);
}

TEST_CASE("optimizers: slots keep the variable's dtype (float32)") {
  auto rms = opt::RMSprop({.learning_rate = 0.1, .momentum = 0.5, .centered = true});
  st::Variable x(st::Tensor({1.0, -1.0}), {.name = "x"});
  rms->apply_gradients({st::Tensor({0.5, -0.5})}, {x});
  for (const auto& v : rms->variables())
    if (v.name() != "iteration") CHECK(v.dtype() == st::float32);
  CHECK(x.to_vector<float>()[0] < 1.0f);
}

TEST_CASE("optimizers: set_learning_rate and schedules") {
  auto sgd = opt::SGD(0.1);
  CHECK(sgd->learning_rate() == 0.1);
  sgd->set_learning_rate(0.01);
  CHECK(sgd->learning_rate() == 0.01);
  CHECK(sgd->get_config()["learning_rate"] == 0.01);

  auto schedule = opt::schedules::PiecewiseConstantDecay({.boundaries = {1}, .values = {1.0, 0.5}});
  auto scheduled = opt::SGD(schedule);
  CHECK(scheduled->variables().size() == 1);  // no learning_rate variable with a schedule
  auto x = var({0.0});
  scheduled->apply_gradients({grad({1.0})}, {x});  // step 0: lr 1
  scheduled->apply_gradients({grad({1.0})}, {x});  // step 1: lr 1
  CHECK(scheduled->learning_rate() == 0.5);
  scheduled->apply_gradients({grad({1.0})}, {x});  // step 2: lr 0.5
  CHECK(values(x)[0] == doctest::Approx(-2.5));
  scheduled->set_learning_rate(0.25);  // a constant replaces the schedule
  CHECK(scheduled->learning_rate_schedule() == nullptr);
  CHECK(scheduled->learning_rate() == 0.25);
  CHECK(scheduled->variables().size() == 2);
}

TEST_CASE("optimizers: schedules check their arguments") {
  CHECK_THROWS_WITH_AS(opt::schedules::ExponentialDecay({.initial_learning_rate = 0.1, .decay_steps = 0}),
                       doctest::Contains("decay_steps"), st::ValueError);
  CHECK_THROWS_AS(opt::schedules::PiecewiseConstantDecay({.boundaries = {1, 2}, .values = {1.0}}), st::ValueError);
  CHECK_THROWS_WITH_AS(opt::schedules::deserialize(json{{"class_name", "Nope"}, {"config", json::object()}}),
                       doctest::Contains("Unknown learning rate schedule: 'Nope'"), st::ValueError);
}

TEST_CASE("optimizers: the registry resolves Keras names case-insensitively") {
  for (const auto& [name, class_name] : std::vector<std::pair<std::string, std::string>>{
           {"sgd", "SGD"}, {"adam", "Adam"}, {"adamw", "AdamW"}, {"rmsprop", "RMSprop"}, {"adagrad", "Adagrad"},
           {"adadelta", "Adadelta"}, {"adamax", "Adamax"}, {"nadam", "Nadam"}, {"ftrl", "Ftrl"}, {"lion", "Lion"}}) {
    CAPTURE(name);
    CHECK(opt::get(name)->class_name() == class_name);
    CHECK(opt::get(class_name)->class_name() == class_name);
  }
  CHECK(opt::get("ADAM")->learning_rate() == doctest::Approx(0.001));
  CHECK_THROWS_WITH_AS(opt::get("adamm"),
                       "Unknown optimizer: 'adamm'. Known optimizers: adadelta, adagrad, adam, adamax, adamw, ftrl, "
                       "lion, nadam, rmsprop, sgd",
                       st::ValueError);
}

TEST_CASE("optimizers: get_config has Keras's layout and round-trips") {
  auto adam = opt::Adam({.learning_rate = 0.01, .beta_1 = 0.8, .amsgrad = true, .clipnorm = 1.0});
  const json config = adam->get_config();
  CHECK(config["name"] == "adam");
  CHECK(config["learning_rate"] == 0.01);
  CHECK(config["beta_1"] == 0.8);
  CHECK(config["beta_2"] == 0.999);
  CHECK(config["epsilon"] == 1e-7);
  CHECK(config["amsgrad"] == true);
  CHECK(config["clipnorm"] == 1.0);
  CHECK(config["weight_decay"].is_null());
  CHECK(config["global_clipnorm"].is_null());
  CHECK(config["use_ema"] == false);
  CHECK(opt::get(opt::serialize(*adam))->get_config() == config);
  CHECK(opt::get(config)->get_config() == config);  // a bare config resolves by its name

  for (const auto& name : opt::registered_names()) {
    CAPTURE(name);
    auto o = opt::get(name);
    const json saved = opt::serialize(*o);
    CHECK(saved["module"] == "keras.optimizers");
    CHECK(opt::get(saved)->get_config() == o->get_config());
  }

  auto scheduled = opt::SGD({.learning_rate = opt::schedules::CosineDecay(
                                 {.initial_learning_rate = 0.1, .decay_steps = 100, .warmup_target = 0.2,
                                  .warmup_steps = 10}),
                             .momentum = 0.5, .nesterov = true});
  const json sc = scheduled->get_config();
  CHECK(sc["learning_rate"]["class_name"] == "CosineDecay");
  CHECK(sc["learning_rate"]["config"]["decay_steps"] == 100);
  CHECK(sc["name"] == "SGD");
  CHECK(opt::get(opt::serialize(*scheduled))->get_config() == sc);

  CHECK_THROWS_WITH_AS(opt::get(json{{"class_name", "Adam"}, {"config", {{"beta_3", 0.5}}}}),
                       doctest::Contains("not recognized: 'beta_3'"), st::ValueError);
  CHECK_THROWS_AS(opt::get(json{{"class_name", "Adam"}, {"config", {{"beta_1", "high"}}}}), st::ValueError);
  CHECK_THROWS_AS(opt::get(json{{"class_name", "Adam"}, {"config", {{"use_ema", true}}}}), st::ValueError);
  // Keras's own defaults for what Strata does not implement are accepted.
  CHECK(opt::get(json{{"class_name", "Adam"}, {"config", {{"use_ema", false}, {"loss_scale_factor", nullptr}}}}) != nullptr);
}

TEST_CASE("optimizers: SGD with a GradientTape minimises (x - 4)^2") {
  st::Variable x(0.0);
  auto sgd = opt::SGD(0.1);
  for (int step = 0; step < 100; ++step) {
    st::GradientTape tape;
    auto loss = st::square(x - 4.0f);
    auto g = tape.gradient(loss, std::vector<st::Variable>{x});
    sgd->apply_gradients(g, {x});
  }
  CHECK(x.item<float>() == doctest::Approx(4.0f).epsilon(1e-4));
  CHECK(sgd->iterations() == 100);
}

TEST_CASE("optimizers: an update is not recorded on an open tape") {
  st::Variable x(st::Tensor({1.0, 2.0}, st::float64));
  auto adam = opt::Adam(0.1);
  st::GradientTape tape({.persistent = true});
  auto y = st::sum(st::square(x));
  adam->apply_gradients({grad({1.0, 1.0})}, {x});
  CHECK(tape.watched_variables().size() == 1);  // the optimizer read x and its slots off the tape
  auto g = tape.gradient(y, x);
  CHECK(values(g) == std::vector<double>{2.0, 4.0});  // the value x had when y was computed
}
