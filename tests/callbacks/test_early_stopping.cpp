// Not built yet: needs strata::Model from models/model.cpp. Once it links, git mv this file to
// tests/callbacks/test_early_stopping.cpp (the tests CMake globs test_*.cpp).
// EarlyStopping and TerminateOnNaN driven through a CallbackList with synthetic epoch logs, on a
// strata::Model holding one weight.
#include <doctest/doctest.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/callbacks/callbacks.hpp"
#include "strata/framework/errors.hpp"
#include "strata/models/model.hpp"

using namespace strata::callbacks;

namespace {

// Redirects std::cout or std::cerr into a string while alive.
class Capture {
 public:
  explicit Capture(std::ostream& stream) : stream_(stream), old_(stream.rdbuf(text_.rdbuf())) {}
  ~Capture() { stream_.rdbuf(old_); }
  std::string str() const { return text_.str(); }

 private:
  std::ostream& stream_;
  std::ostringstream text_;
  std::streambuf* old_;
};

// Runs the epochs with `monitor` = values[i] until the model asks to stop; returns how many ran.
int run(strata::Model& model, const CallbackPtr& callback, const std::vector<double>& values,
        const std::string& monitor = "val_loss") {
  model.stop_training = false;
  CallbackList list({callback}, &model, {.epochs = static_cast<int>(values.size())});
  list.on_train_begin();
  int epochs = 0;
  for (std::size_t epoch = 0; epoch < values.size() && !model.stop_training; ++epoch, ++epochs) {
    list.on_epoch_begin(static_cast<int>(epoch));
    Logs logs{{monitor, values[epoch]}};
    logs.emplace("loss", 1.0);  // unless the monitor is the loss
    list.on_epoch_end(static_cast<int>(epoch), logs);
  }
  list.on_train_end();
  return epochs;
}

}  // namespace

TEST_CASE("EarlyStopping: patience counts epochs without improvement") {
  strata::Model model;
  auto stop = EarlyStopping({.monitor = "val_loss", .patience = 2});
  CHECK(run(model, stop, {1.0, 0.9, 0.95, 0.96, 0.97, 0.5}) == 4);
  CHECK(stop->stopped_epoch() == 3);
  CHECK(stop->best() == 0.9);
  CHECK(stop->best_epoch() == 1);

  // patience 0 (the default): the first epoch without improvement stops, never epoch 0.
  auto eager = EarlyStopping({.monitor = "loss"});
  CHECK(run(model, eager, {1.0, 1.0, 0.5}, "loss") == 2);
  CHECK(eager->stopped_epoch() == 1);

  // Reused: on_train_begin resets the counters but, as Keras, keeps the best value (0.9).
  CHECK(run(model, stop, {0.8, 0.7, 0.6, 0.5}) == 4);
  CHECK(stop->stopped_epoch() == 0);
  CHECK(model.stop_training == false);
}

TEST_CASE("EarlyStopping: min_delta") {
  strata::Model model;
  auto stop = EarlyStopping({.monitor = "val_loss", .min_delta = -0.1, .patience = 1});  // |min_delta| is used
  CHECK(run(model, stop, {1.0, 0.95, 0.85}) == 2);
  auto loose = EarlyStopping({.monitor = "val_loss", .min_delta = 0.01, .patience = 1});
  CHECK(run(model, loose, {1.0, 0.95, 0.85, 0.849}) == 4);
}

TEST_CASE("EarlyStopping: mode auto, min and max") {
  strata::Model model;
  // accuracy is maximized in auto mode.
  CHECK(run(model, EarlyStopping({.monitor = "val_accuracy", .patience = 1}), {0.5, 0.6, 0.55, 0.7}, "val_accuracy") == 3);
  CHECK(run(model, EarlyStopping({.monitor = "val_auc", .patience = 1}), {0.5, 0.6, 0.7}, "val_auc") == 3);
  CHECK(run(model, EarlyStopping({.monitor = "val_accuracy", .patience = 1, .mode = "min"}), {0.5, 0.6}, "val_accuracy") == 2);
  CHECK(run(model, EarlyStopping({.monitor = "score", .patience = 1, .mode = "max"}), {1.0, 2.0, 3.0, 2.0}, "score") == 4);
  CHECK(run(model, EarlyStopping({.monitor = "val_mean_squared_error", .patience = 1}), {1.0, 2.0}, "val_mean_squared_error") ==
        2);

  // An unknown mode warns and falls back to auto.
  {
    strata::CaptureWarnings warnings;
    auto stop = EarlyStopping({.mode = "sideways"});
    CHECK(warnings.messages() == std::vector<std::string>{"EarlyStopping mode sideways is unknown, fallback to auto mode."});
    CHECK(stop->options().mode == "auto");
  }
  // auto cannot tell the direction of an unknown name: Keras's ValueError at the first epoch end.
  CHECK_THROWS_AS(run(model, EarlyStopping({.monitor = "score"}), {1.0}, "score"), strata::ValueError);
}

TEST_CASE("EarlyStopping: baseline") {
  strata::Model model;
  // Improvements that do not beat the baseline keep counting the wait.
  auto stop = EarlyStopping({.monitor = "val_loss", .patience = 2, .baseline = 0.5});
  CHECK(run(model, stop, {0.8, 0.7, 0.6, 0.65, 0.4}) == 4);
  CHECK(stop->stopped_epoch() == 3);
  // Beating the baseline restarts the wait.
  CHECK(run(model, EarlyStopping({.monitor = "val_loss", .patience = 2, .baseline = 0.5}), {0.4, 0.45, 0.46, 0.3}) == 3);
}

TEST_CASE("EarlyStopping: start_from_epoch") {
  strata::Model model;
  auto stop = EarlyStopping({.monitor = "val_loss", .start_from_epoch = 2});
  CHECK(run(model, stop, {1.0, 2.0, 3.0, 4.0, 5.0}) == 4);
  CHECK(stop->stopped_epoch() == 3);
}

TEST_CASE("EarlyStopping: a missing monitor warns and does nothing") {
  strata::Model model;
  auto stop = EarlyStopping({.patience = 0});
  strata::CaptureWarnings warnings;
  CHECK(run(model, stop, {1.0, 2.0, 3.0}, "val_accuracy_other") == 3);
  REQUIRE_FALSE(warnings.messages().empty());
  CHECK(warnings.messages()[0] == "Early stopping conditioned on metric `val_loss` which is not available. "
                                  "Available metrics are: loss,val_accuracy_other");
  CHECK(stop->stopped_epoch() == 0);
}

TEST_CASE("EarlyStopping: restore_best_weights") {
  strata::Model model;
  auto w = model.add_weight("w", {1}, "zeros");
  auto stop = EarlyStopping({.monitor = "val_loss", .patience = 2, .verbose = 1, .restore_best_weights = true});
  const std::vector<double> values{1.0, 0.5, 0.7, 0.8, 0.9};
  model.stop_training = false;
  CallbackList list({stop}, &model, {.epochs = 5});
  Capture out(std::cout);
  list.on_train_begin();
  int epoch = 0;
  for (; epoch < 5 && !model.stop_training; ++epoch) {
    list.on_epoch_begin(epoch);
    w.assign(strata::Tensor::from_vector<float>({static_cast<float>(epoch)}, {1}));  // "training" changes it
    list.on_epoch_end(epoch, {{"val_loss", values[epoch]}});
  }
  CHECK(model.get_weights()[0].to_vector<float>() == std::vector<float>{3.0f});
  list.on_train_end();
  CHECK(epoch == 4);
  CHECK(stop->best_epoch() == 1);
  CHECK(model.get_weights()[0].to_vector<float>() == std::vector<float>{1.0f});
  CHECK(out.str() == "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n");
}

TEST_CASE("TerminateOnNaN: a NaN or infinite batch loss stops training") {
  strata::Model model;
  auto terminate = TerminateOnNaN();
  CallbackList list({terminate}, &model, {});
  Capture out(std::cout);
  list.on_train_batch_end(0, {{"loss", 1.0}});
  list.on_train_batch_end(1, {{"accuracy", NAN}});  // only the loss counts
  list.on_test_batch_end(2, {{"loss", NAN}});        // only training batches
  CHECK_FALSE(model.stop_training);
  list.on_train_batch_end(3, {{"loss", INFINITY}});
  CHECK(model.stop_training);
  CHECK(out.str() == "Batch 3: Invalid loss, terminating training\n");

  model.stop_training = false;
  CallbackList strict({TerminateOnNaN({.raise_error = true})}, &model, {});
  CHECK_THROWS_WITH_AS(strict.on_train_batch_end(7, {{"loss", NAN}}),
                       "NaN or Inf loss encountered at batch 7. Loss value: nan. Terminating training immediately.",
                       strata::Error);
  CHECK_FALSE(model.stop_training);
}
