// Not built yet: needs strata::Model from models/model.cpp. Once it links, git mv this file to
// tests/callbacks/test_learning_rate_callbacks.cpp (the tests CMake globs test_*.cpp).
// ReduceLROnPlateau and LearningRateScheduler against a compiled model's optimizer.
#include <doctest/doctest.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/callbacks/callbacks.hpp"
#include "strata/framework/errors.hpp"
#include "strata/models/model.hpp"
#include "strata/optimizers/sgd.hpp"

using namespace strata::callbacks;

namespace {

class CaptureCout {
 public:
  CaptureCout() : old_(std::cout.rdbuf(text_.rdbuf())) {}
  ~CaptureCout() { std::cout.rdbuf(old_); }
  std::string str() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::streambuf* old_;
};

// The learning rate after each epoch end with monitor values `values`.
std::vector<double> learning_rates(strata::Model& model, const CallbackPtr& callback, const std::vector<double>& values,
                                   const std::string& monitor = "val_loss") {
  CallbackList list({callback}, &model, {.epochs = static_cast<int>(values.size())});
  list.on_train_begin();
  std::vector<double> rates;
  for (std::size_t epoch = 0; epoch < values.size(); ++epoch) {
    list.on_epoch_begin(static_cast<int>(epoch));
    list.on_epoch_end(static_cast<int>(epoch), {{monitor, values[epoch]}});
    rates.push_back(model.optimizer()->learning_rate());
  }
  list.on_train_end();
  return rates;
}

void compile(strata::Model& model, double learning_rate) {
  model.compile({.optimizer = strata::optimizers::SGD(learning_rate), .loss = "mean_squared_error"});
}

}  // namespace

TEST_CASE("ReduceLROnPlateau: factor after patience epochs without improvement, cooldown, min_lr") {
  strata::Model model;
  compile(model, 1.0);
  auto reduce = ReduceLROnPlateau({.monitor = "val_loss", .factor = 0.5, .patience = 2});
  // Improvements need more than min_delta = 1e-4.
  CHECK(learning_rates(model, reduce, {1.0, 0.99995, 1.1, 0.9, 0.95, 0.95, 0.95, 0.95}) ==
        std::vector<double>{1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125});

  compile(model, 1.0);
  auto cooled = ReduceLROnPlateau({.factor = 0.5, .patience = 1, .cooldown = 2, .min_lr = 0.2});
  CHECK(learning_rates(model, cooled, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}) ==
        std::vector<double>{1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2});
}

TEST_CASE("ReduceLROnPlateau: mode, verbose message, missing monitor, bad factor") {
  strata::Model model;
  compile(model, 0.01);
  // "acc" in the name: maximized.
  CHECK(learning_rates(model, ReduceLROnPlateau({.monitor = "val_accuracy", .patience = 1}), {0.5, 0.6, 0.6},
                       "val_accuracy") == std::vector<double>{0.01, 0.01, 0.001});
  compile(model, 0.01);
  CHECK(learning_rates(model, ReduceLROnPlateau({.monitor = "score", .patience = 1, .mode = "max"}), {1.0, 0.5}, "score")
            .back() == doctest::Approx(0.001));

  compile(model, 0.01);
  {
    CaptureCout out;
    learning_rates(model, ReduceLROnPlateau({.patience = 1, .verbose = 1}), {1.0, 2.0});
    CHECK(out.str() == "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.001.\n");
  }
  {
    strata::CaptureWarnings warnings;
    learning_rates(model, ReduceLROnPlateau(), {1.0}, "loss");
    CHECK(warnings.messages() == std::vector<std::string>{"Learning rate reduction is conditioned on metric `val_loss` which "
                                                          "is not available. Available metrics are: loss."});
  }
  CHECK_THROWS_WITH_AS(ReduceLROnPlateau({.factor = 1.0}),
                       "ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1.0", strata::ValueError);
}

TEST_CASE("LearningRateScheduler: schedule(epoch, lr) at each epoch begin") {
  strata::Model model;
  compile(model, 0.01);
  std::vector<std::pair<int, double>> seen;
  auto scheduler = LearningRateScheduler([&](int epoch, double lr) {
    seen.emplace_back(epoch, lr);
    return epoch < 2 ? lr : lr * 0.5;
  });
  CHECK(learning_rates(model, scheduler, {1.0, 1.0, 1.0, 1.0}) == std::vector<double>{0.01, 0.01, 0.005, 0.0025});
  CHECK(seen == std::vector<std::pair<int, double>>{{0, 0.01}, {1, 0.01}, {2, 0.01}, {3, 0.005}});

  // The epoch-only form, and the verbose message.
  CaptureCout out;
  auto by_epoch = LearningRateScheduler([](int epoch) { return 0.1 / (epoch + 1); }, 1);
  CHECK(learning_rates(model, by_epoch, {1.0, 1.0}) == std::vector<double>{0.1, 0.05});
  CHECK(out.str() == "\nEpoch 1: LearningRateScheduler setting learning rate to 0.1.\n"
                     "\nEpoch 2: LearningRateScheduler setting learning rate to 0.05.\n");
}
