// Keras's mnist_convnet as a benchmark, next to the libtorch peer's `--model cnn`:
// Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten ->
// Dropout(0.5) -> Dense(10), Adam(1e-3), batch 128, seed 42, trained with fit() on Fashion-MNIST.
// One line per epoch (epoch_s timed from on_epoch_begin to on_epoch_end; the test pass after it is
// untimed):
//
//   bench=cnn backend=cpu epoch=1 epoch_s=… loss=… test_acc=… threads=2 train_n=60000
//
// Usage: bench_cnn [--epochs N] [--threads T] [--seed S]   (the peer's flags; seed 42 by default)
#include <cstdio>

#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"

namespace st = strata;
using namespace strata::layers;

int main(int argc, char** argv) {
  int epochs = 1, threads = 2, seed = 42;
  if (!bench::parse_flags(argc, argv,
                          {{"--epochs", "N", &epochs}, {"--threads", "T", &threads}, {"--seed", "S", &seed}}))
    return 2;
  st::backend::set_cpu_threads(threads);
  st::set_random_seed(static_cast<std::uint64_t>(seed));

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::reshape(st::cast(train.x, st::float32) / 255.0f, {-1, 28, 28, 1});
  auto x_test = st::reshape(st::cast(test.x, st::float32) / 255.0f, {-1, 28, 28, 1});

  // Each mode trains its own model from the same seed: eager, then compiled (the default).
  for (const bool eager : {true, false}) {
    st::set_random_seed(static_cast<std::uint64_t>(seed));
    const char* mode = bench::mode_name(eager);
    st::Sequential model({Input({28, 28, 1}), Conv2D(32, 3, "relu"), MaxPooling2D(2), Conv2D(64, 3, "relu"),
                          MaxPooling2D(2), Flatten(), Dropout(0.5), Dense(10)});
    auto report = [&](int epoch, double seconds, double loss, double acc) {
      std::printf("bench=cnn backend=cpu mode=%s epoch=%d epoch_s=%.3f loss=%.4f test_acc=%.4f threads=%d seed=%d "
                  "train_n=%lld\n",
                  mode, epoch, seconds, loss, acc, threads, seed, static_cast<long long>(x_train.shape()[0]));
    };
    bench::fit_timed(model, x_train, train.y, x_test, test.y, epochs, report, {}, eager);
  }
  return 0;
}
