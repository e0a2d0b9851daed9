// Sequence classification: Fashion-MNIST read as sequences of 28 rows of 28 pixels (one row per
// timestep) into an LSTM, then Dense(10). Adam(2e-3), batch 128, epochs from the command line
// (4 by default: test accuracy 0.86; each epoch is about 11 s of CPU time); then evaluate on the
// test set.
//   sequence_classification [epochs] [units]
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 4;
  const int units = argc > 2 ? std::atoi(argv[2]) : 64;
  st::set_random_seed(42);
  // Each timestep works on small (128 x 256) tensors: handing them to worker threads costs more
  // than the work (measured: 2.5x the wall time on two busy cores), so one thread runs it all.
  st::backend::set_cpu_threads(1);

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::cast(train.x, st::float32) / 255.0f;  // (60000, 28, 28): 28 steps of 28 features
  auto x_test = st::cast(test.x, st::float32) / 255.0f;

  st::Sequential model({
      Input({28, 28}),
      LSTM(units),
      Dense(10),
  });
  model.compile({.optimizer = st::optimizers::Adam(2e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  model.summary();
  const auto start = std::chrono::steady_clock::now();
  model.fit(x_train, train.y, {.epochs = epochs, .batch_size = 128, .verbose = 2});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto scores = model.evaluate(x_test, test.y, {.batch_size = 256, .verbose = 0});
  std::cout << std::fixed << std::setprecision(4) << "test_loss=" << scores["loss"]
            << " test_accuracy=" << scores["accuracy"] << " train_seconds=" << std::setprecision(1) << seconds
            << " epochs=" << epochs << "\n";
  return 0;
}
