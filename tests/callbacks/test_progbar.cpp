// Progbar and ProgbarLogger: Keras's text, driven through a CallbackList with a fake clock.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "strata/callbacks/callbacks.hpp"
#include "strata/callbacks/detail/python_format.hpp"
#include "strata/framework/errors.hpp"

using namespace strata::callbacks;

namespace {

// "━" repeated.
std::string bars(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "\u2501";
  return out;
}

struct FakeClock {
  std::shared_ptr<double> now = std::make_shared<double>(0.0);
  std::function<double()> fn() const {
    return [now = now] { return *now; };
  }
  void set(double t) const { *now = t; }
};

// The options of a Progbar drawing into `out` as on a terminal, timed by `clock`.
ProgbarOptions terminal_options(std::ostream& out, const FakeClock& clock, double interval = 0.0) {
  ProgbarOptions options;
  options.stream = &out;
  options.interactive = true;
  options.interval = interval;
  options.clock = clock.fn();
  return options;
}

const Logs kEpochLogs{{"accuracy", 0.8264}, {"loss", 0.4951}, {"val_accuracy", 0.8512}, {"val_loss", 0.4102}};

// One epoch of `steps` batches: begin at t=0, batch i ends at 1 + 0.004 i, the epoch 0.004 after
// the last batch.
void run_epoch(CallbackList& list, const FakeClock& clock, int epoch, int steps, const Logs& end_logs = kEpochLogs) {
  clock.set(0.0);
  list.on_epoch_begin(epoch);
  for (int b = 0; b < steps; ++b) {
    clock.set(1.0 + 0.004 * b);
    list.on_train_batch_begin(b);
    list.on_train_batch_end(b, {{"accuracy", 0.5 + 0.01 * b}, {"loss", 1.0 - 0.1 * b}});
  }
  // Validation inside fit draws nothing.
  list.on_test_begin();
  list.on_test_batch_end(0, {{"accuracy", 0.9}, {"loss", 0.1}});
  list.on_test_end({{"accuracy", 0.9}, {"loss", 0.1}});
  clock.set(1.0 + 0.004 * steps);
  list.on_epoch_end(epoch, end_logs);
}

ProgbarLoggerOptions test_options(std::ostream& out, const FakeClock& clock, bool interactive) {
  ProgbarLoggerOptions options;
  options.stream = &out;
  options.interactive = interactive;
  options.interval = 0.0;
  options.clock = clock.fn();
  return options;
}

}  // namespace

TEST_CASE("Progbar: Keras's time, ETA and value formats") {
  CHECK(Progbar::format_time(2.0, "step") == " 2s/step");
  CHECK(Progbar::format_time(1.0, "step") == " 1s/step");
  CHECK(Progbar::format_time(0.0, "step") == " 0s/step");
  CHECK(Progbar::format_time(0.004, "step") == " 4ms/step");
  CHECK(Progbar::format_time(0.012, "step") == " 12ms/step");
  CHECK(Progbar::format_time(0.001, "step") == " 1ms/step");
  CHECK(Progbar::format_time(45e-6, "step") == " 45us/step");
  CHECK(Progbar::format_time(0.5, "sample") == " 500ms/sample");

  CHECK(Progbar::format_eta(30.7) == "30s");
  CHECK(Progbar::format_eta(0.2) == "0s");
  CHECK(Progbar::format_eta(125.0) == "2:05");
  CHECK(Progbar::format_eta(3725.5) == "1:02:05");

  CHECK(Progbar::format_value(0.49512) == "0.4951");
  CHECK(Progbar::format_value(0.82635) == "0.8264");  // the nearest double, rounded as Python does
  CHECK(Progbar::format_value(0.82645) == "0.8265");
  CHECK(Progbar::format_value(12345.6789) == "12345.6789");
  CHECK(Progbar::format_value(-0.5) == "-0.5000");
  CHECK(Progbar::format_value(1e-4) == "1.0000e-04");
  CHECK(Progbar::format_value(-2e-4) == "-2.0000e-04");
  CHECK(Progbar::format_value(0.0) == "0.0000e+00");
  CHECK(Progbar::format_value(std::nan("")) == "nan");
  CHECK(Progbar::format_value(-std::nan("")) == "nan");
  CHECK(Progbar::format_value(INFINITY) == "inf");
}

TEST_CASE("Progbar: python repr of floats") {
  using detail::python_repr;
  CHECK(python_repr(0.1) == "0.1");
  CHECK(python_repr(0.30000000000000004) == "0.30000000000000004");
  CHECK(python_repr(1.0) == "1.0");
  CHECK(python_repr(123.0) == "123.0");
  CHECK(python_repr(-0.0) == "-0.0");
  CHECK(python_repr(0.0001) == "0.0001");
  CHECK(python_repr(1e-5) == "1e-05");
  CHECK(python_repr(1.5e-5) == "1.5e-05");
  CHECK(python_repr(0.0009999999776482583) == "0.0009999999776482583");
  CHECK(python_repr(1234567890123456.0) == "1234567890123456.0");
  CHECK(python_repr(1e16) == "1e+16");
  CHECK(python_repr(2.5e100) == "2.5e+100");
  CHECK(python_repr(std::nan("")) == "nan");
  CHECK(python_repr(-INFINITY) == "-inf");
}

TEST_CASE("ProgbarLogger: one final line per epoch when the stream is not a terminal") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, false));
  CallbackList list({logger}, nullptr, {.epochs = 2, .steps = 3, .verbose = 1});
  list.on_train_begin();
  run_epoch(list, clock, 0, 3);
  run_epoch(list, clock, 1, 3, {{"accuracy", 0.9}, {"loss", 0.25}, {"val_accuracy", 0.0005}, {"val_loss", 0.3}});
  list.on_train_end();

  // Time per step leaves out the first step: (1.012 - 1.000) / 2 = 6ms.
  const std::string expected = "Epoch 1/2\n"
                               "3/3 " + bars(20) + " 1s 6ms/step - accuracy: 0.8264 - loss: 0.4951 - val_accuracy: "
                               "0.8512 - val_loss: 0.4102\n"
                               "Epoch 2/2\n"
                               "3/3 " + bars(20) + " 1s 6ms/step - accuracy: 0.9000 - loss: 0.2500 - val_accuracy: "
                               "5.0000e-04 - val_loss: 0.3000\n";
  CHECK(out.str() == expected);
  CHECK(out.str().find('\r') == std::string::npos);
  CHECK(out.str().find('\x1b') == std::string::npos);
}

TEST_CASE("ProgbarLogger: the Keras example line") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, false));
  CallbackList list({logger}, nullptr, {.epochs = 10, .steps = 469, .verbose = 1});
  list.on_train_begin();
  list.on_epoch_begin(0);
  for (int b = 0; b < 469; ++b) {
    clock.set(0.1 + 0.004 * b);
    list.on_train_batch_end(b, {{"accuracy", 0.8}, {"loss", 0.5}});
  }
  clock.set(0.1 + 0.004 * 468 + 0.004);
  list.on_epoch_end(0, kEpochLogs);
  CHECK(out.str() == "Epoch 1/10\n469/469 " + bars(20) +
                         " 2s 4ms/step - accuracy: 0.8264 - loss: 0.4951 - val_accuracy: 0.8512 - val_loss: 0.4102\n");
}

TEST_CASE("ProgbarLogger: a single epoch prints no Epoch line; unknown steps count the batches") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, false));
  CallbackList list({logger}, nullptr, {.epochs = 1, .steps = -1, .verbose = 1});
  list.on_train_begin();
  run_epoch(list, clock, 0, 5, {{"loss", 0.125}});
  list.on_train_end();
  // Values missing from the epoch logs keep the bar's average of the batch values (Keras).
  CHECK(out.str() == "5/5 " + bars(20) + " 1s 5ms/step - accuracy: 0.5200 - loss: 0.1250\n");
}

TEST_CASE("ProgbarLogger: verbose 2 prints one plain line per epoch") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, true));  // even on a terminal
  CallbackList list({logger}, nullptr, {.epochs = 2, .steps = 3, .verbose = 2});
  list.on_train_begin();
  run_epoch(list, clock, 0, 3);
  list.on_train_end();
  // Time per step over the whole epoch: 1.012 / 3.
  CHECK(out.str() == "Epoch 1/2\n3/3 - 1s - 337ms/step - accuracy: 0.8264 - loss: 0.4951 - val_accuracy: 0.8512 - "
                     "val_loss: 0.4102\n");
}

TEST_CASE("ProgbarLogger: verbose 0 prints nothing") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, true));
  CallbackList list({logger}, nullptr, {.epochs = 3, .steps = 3, .verbose = 0});
  list.on_train_begin();
  run_epoch(list, clock, 0, 3);
  list.on_train_end();
  CHECK(out.str().empty());
}

TEST_CASE("ProgbarLogger: redrawn in place on a terminal, with Keras's styling and averaging") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, true));
  CallbackList list({logger}, nullptr, {.epochs = 1, .steps = 3, .verbose = 1});
  list.on_train_begin();
  clock.set(0.0);
  list.on_epoch_begin(0);
  clock.set(1.0);
  list.on_train_batch_end(0, {{"loss", 1.0}});
  const std::string bold = "\x1b[1m", green = "\x1b[32m", grey = "\x1b[37m", reset = "\x1b[0m";
  // 1 step of 3 in 1s: ETA 2s; 6 of 20 bar characters done.
  const std::string first = "\r" + bold + "1/3" + reset + " " + green + bars(6) + reset + grey + bars(14) + reset + " " +
                            bold + "2s" + reset + " 1s/step - loss: 1.0000";
  CHECK(out.str() == first);

  clock.set(1.5);
  list.on_train_batch_end(1, {{"loss", 0.5}});
  // The bar averages the values it was given over the steps: (1.0 + 0.5) / 2; the first step is left
  // out of the time per step: 0.5s per step, ETA 0.5s.
  const std::string second = "\r" + bold + "2/3" + reset + " " + green + bars(13) + reset + grey + bars(7) + reset +
                             " " + bold + "0s" + reset + " 500ms/step - loss: 0.7500";
  CHECK(out.str() == first + second);

  clock.set(2.0);
  list.on_train_batch_end(2, {{"loss", 0.4}});
  clock.set(2.25);
  list.on_epoch_end(0, {{"loss", 0.45}});
  const std::string text = out.str();
  // The final line: elapsed time, no ETA, the epoch logs as given, and a line break.
  const std::string last = "\r" + bold + "3/3" + reset + " " + green + bars(20) + reset + grey + reset + " " + bold +
                           "2s" + reset + " 625ms/step - loss: 0.4500\n";
  REQUIRE(text.size() > last.size());
  CHECK(text.substr(text.size() - last.size()) == last);
  CHECK(std::count(text.begin(), text.end(), '\r') == 4);
}

TEST_CASE("Progbar: a shorter redraw pads the previous line with spaces") {
  std::ostringstream out;
  FakeClock clock;
  Progbar bar(10, terminal_options(out, clock));
  clock.set(1.0);
  bar.update(1, {{"loss", 1.0}, {"long_metric_name", 2.0}});
  clock.set(2.0);
  bar.update(2, {{"loss", 1.0}, {"long_metric_name", 2.0}});
  out.str("");
  clock.set(200.2);  // ETA 11:37, 100s/step: a wider line, no padding
  bar.update(3, {});
  CHECK(out.str().back() == '0');
  out.str("");
  clock.set(201.0);  // ETA 6:40, 67s/step: two characters shorter, padded with two spaces
  bar.update(4, {});
  const std::string text = out.str();
  CHECK(text.find(" 67s/step") != std::string::npos);
  CHECK(text.size() - text.find_last_not_of(' ') - 1 == 2);
}

TEST_CASE("Progbar: updates closer than the interval are skipped on a terminal") {
  std::ostringstream out;
  FakeClock clock;
  Progbar bar(100, terminal_options(out, clock, 0.05));
  clock.set(1.0);
  bar.update(1);
  clock.set(1.01);
  bar.update(2);
  clock.set(1.07);
  bar.update(3);
  const std::string text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\r') == 2);
}

TEST_CASE("Progbar: stateful_metrics are shown as given; unknown target") {
  std::ostringstream out;
  FakeClock clock;
  ProgbarOptions options = terminal_options(out, clock);
  options.stateful_metrics = std::set<std::string>{"acc"};
  Progbar bar(std::nullopt, options);
  clock.set(1.0);
  bar.update(1, {{"acc", 0.5}, {"loss", 1.0}});
  clock.set(2.0);
  bar.update(2, {{"acc", 0.7}, {"loss", 0.5}});
  const std::string text = out.str();
  CHECK(text.find("      2/Unknown") != std::string::npos);
  CHECK(text.substr(text.rfind("acc")) == "acc: 0.7000 - loss: 0.7500");
  CHECK_THROWS_AS(Progbar(1, {.stateful_metrics = std::set<std::string>{}, .stateless_metrics = std::set<std::string>{}}),
                  strata::ValueError);
}

TEST_CASE("ProgbarLogger: evaluate and predict outside fit draw their own bar") {
  std::ostringstream out;
  FakeClock clock;
  auto logger = ProgbarLogger(test_options(out, clock, false));
  {
    CallbackList list({logger}, nullptr, {.epochs = 1, .steps = 2, .verbose = 1});
    clock.set(0.0);
    list.on_test_begin();
    clock.set(0.5);
    list.on_test_batch_end(0, {{"loss", 0.3}});
    clock.set(0.502);
    list.on_test_batch_end(1, {{"loss", 0.2}});
    list.on_test_end({{"accuracy", 0.75}, {"loss", 0.2}});
  }
  CHECK(out.str() == "2/2 " + bars(20) + " 1s 2ms/step - loss: 0.2000 - accuracy: 0.7500\n");
  out.str("");
  {
    CallbackList list({logger}, nullptr, {.epochs = 1, .steps = 4, .verbose = 1});
    clock.set(0.0);
    list.on_predict_begin();
    for (int b = 0; b < 4; ++b) {
      clock.set(0.01 * (b + 1));
      list.on_predict_batch_end(b, {{"ignored", 1.0}});
    }
    list.on_predict_end();
  }
  CHECK(out.str() == "4/4 " + bars(20) + " 0s 10ms/step\n");
}

TEST_CASE("ProgbarLogger: a string stream is not a terminal") {
  std::ostringstream out;
  CHECK_FALSE(is_terminal(out));
  Progbar bar(3, {.stream = &out});
  CHECK_FALSE(bar.interactive());
}
