// Keras's mnist_convnet as a benchmark, next to the libtorch peer's `--model cnn`:
// Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten ->
// Dropout(0.5) -> Dense(10), Adam(1e-3), batch 128, seed 42, trained with fit() on Fashion-MNIST.
// One line per epoch (epoch_s timed from on_epoch_begin to on_epoch_end; the test pass after it is
// untimed):
//
//   bench=cnn backend=cpu epoch=1 epoch_s=… loss=… test_acc=… threads=2 train_n=60000
//
// Usage: bench_cnn [--epochs N] [--threads T] [--seed S]   (the peer's flags; seed 42 by default)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int epochs = 1, threads = 2, seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (key == "--epochs") epochs = value;
    else if (key == "--threads") threads = value;
    else if (key == "--seed") seed = value;
    else {
      std::fprintf(stderr, "usage: %s [--epochs N] [--threads T] [--seed S]\n", argv[0]);
      return 2;
    }
  }
  st::backend::set_cpu_threads(threads);
  st::set_random_seed(static_cast<std::uint64_t>(seed));

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::reshape(st::cast(train.x, st::float32) / 255.0f, {-1, 28, 28, 1});
  auto x_test = st::reshape(st::cast(test.x, st::float32) / 255.0f, {-1, 28, 28, 1});

  st::Sequential model({Input({28, 28, 1}), Conv2D(32, 3, "relu"), MaxPooling2D(2), Conv2D(64, 3, "relu"),
                        MaxPooling2D(2), Flatten(), Dropout(0.5), Dense(10)});
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});

  Clock::time_point epoch_start;
  auto timer = st::callbacks::LambdaCallback({
      .on_epoch_begin = [&](int, const st::callbacks::Logs&) { epoch_start = Clock::now(); },
      .on_epoch_end =
          [&](int epoch, const st::callbacks::Logs& logs) {
            const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
            auto scores = model.evaluate(x_test, test.y, {.batch_size = 1024, .verbose = 0});
            std::printf("bench=cnn backend=cpu epoch=%d epoch_s=%.3f loss=%.4f test_acc=%.4f threads=%d seed=%d train_n=%lld\n",
                        epoch + 1, seconds, logs.at("loss"), scores.at("accuracy"), threads, seed,
                        static_cast<long long>(x_train.shape()[0]));
            std::fflush(stdout);
          },
  });
  model.fit(x_train, train.y, {.epochs = epochs, .batch_size = 128, .callbacks = {timer}, .verbose = 0});
  return 0;
}
