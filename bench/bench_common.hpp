#pragma once
// What the benchmarks share: their command line (integer flags, the peers' spelling), timing, and
// the fit() run that prints one line per epoch, so that bench_mlp, bench_cnn and bench_cuda time an
// epoch the same way.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include <strata/strata.hpp>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One "--name VALUE" integer flag; `metavar` names the value in the usage line.
struct IntFlag {
  const char* name;
  const char* metavar;
  int* value;
};

// Sets each flag given on the command line; on an unknown one prints the usage line and returns false.
inline bool parse_flags(int argc, char** argv, std::initializer_list<IntFlag> flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const auto it =
        std::find_if(flags.begin(), flags.end(), [&](const IntFlag& f) { return argv[i] == std::string(f.name); });
    if (it == flags.end()) {
      std::string usage = std::string("usage: ") + argv[0];
      for (const IntFlag& f : flags) usage += std::string(" [") + f.name + " " + f.metavar + "]";
      std::fprintf(stderr, "%s\n", usage.c_str());
      return false;
    }
    *it->value = std::atoi(argv[i + 1]);
  }
  return true;
}

// The two ways fit runs a step: traced graphs (Keras's default) and plain C++ (run_eagerly).
inline const char* mode_name(bool run_eagerly) { return run_eagerly ? "eager" : "compiled"; }

// Compiles `model` as every benchmark does (Adam(1e-3), sparse categorical cross-entropy from
// logits, accuracy) and trains it with fit(), batch 128. After each epoch: `settle` (waits for a
// device, may be empty), the epoch's seconds from on_epoch_begin to then, an untimed evaluate on the
// test set, and report(epoch from 1, seconds, loss, test accuracy).
inline void fit_timed(strata::Sequential& model, const strata::Tensor& x, const strata::Tensor& y,
                      const strata::Tensor& x_test, const strata::Tensor& y_test, int epochs,
                      const std::function<void(int, double, double, double)>& report,
                      const std::function<void()>& settle = {}, bool run_eagerly = false) {
  namespace st = strata;
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"},
                 .run_eagerly = run_eagerly});
  Clock::time_point start;
  auto timer = st::callbacks::LambdaCallback({
      .on_epoch_begin = [&](int, const st::callbacks::Logs&) { start = Clock::now(); },
      .on_epoch_end =
          [&](int epoch, const st::callbacks::Logs& logs) {
            if (settle) settle();
            const double seconds = seconds_since(start);
            auto scores = model.evaluate(x_test, y_test, {.batch_size = 1024, .verbose = 0});
            report(epoch + 1, seconds, logs.at("loss"), scores.at("accuracy"));
            std::fflush(stdout);
          },
  });
  model.fit(x, y, {.epochs = epochs, .batch_size = 128, .callbacks = {timer}, .verbose = 0});
}

}  // namespace bench
