// The main job's model as a benchmark: Flatten -> Dense(256, relu) ->
// Dense(128, relu) -> Dense(10), Adam(1e-3), batch 128, shuffled with seed 42, trained with fit() on
// Fashion-MNIST. Prints one line per epoch and one predict line, key=value, comparable with the
// libtorch peer (../shared/peers/torch_cpp) that bench/run.sh runs in the same invocation:
//
//   machine cpu=… family=… model=… cores=… isa=avx2,fma,…       (bench_common.hpp)
//   bench=mlp backend=cpu epoch=1 epoch_s=… loss=… test_acc=… threads=2 train_n=60000
//   bench=mlp backend=cpu predict_b1_us=… predict_b1_us_min=… predict_b1024_sps=… predict_b1024_ms=…
//   bench=mlp backend=cpu peak_rss_mb=… allocator_in_use_mb=… allocator_cached_mb=… system_allocations=…
//
// epoch_s is fit()'s own epoch (batch gather + forward + backward + Adam + metrics), timed from
// on_epoch_begin to on_epoch_end; the test pass runs after it, untimed. predict is what
// model.predict returns plus a softmax, as the peer measures it: 50 warm-up calls then the median of
// 1000 batch-1 calls; batch 1024: 3 warm-up calls, then calls for 2 s (10 to 200), 1024 / median.
// Then the process's peak resident memory and what the CPU allocator holds at the end, and one
// blas_choice line per GEMM shape class: the library the CPU backend picked for it.
//
// Usage: bench_mlp [--epochs N] [--threads T] [--predict-calls N] [--mode 0|1|2]
//   --mode: 0 both (default), 1 eager only, 2 compiled only; --predict-calls 0 skips predict (both
//   for profiling the epoch alone)
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <strata/backend/backend.hpp>
#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"

namespace st = strata;
using namespace strata::layers;
using bench::Clock;
using bench::median;
using bench::seconds_since;

int main(int argc, char** argv) {
  int epochs = 1, threads = 2, predict_calls = 1000, modes = 0;
  if (!bench::parse_flags(argc, argv,
                          {{"--epochs", "N", &epochs},
                           {"--threads", "T", &threads},
                           {"--predict-calls", "N", &predict_calls},
                           {"--mode", "0|1|2", &modes}}))
    return 2;
  st::backend::set_cpu_threads(threads);
  bench::print_machine();
  st::set_random_seed(42);

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::cast(train.x, st::float32) / 255.0f;
  auto x_test = st::cast(test.x, st::float32) / 255.0f;

  // Each mode trains its own model from the same seed: eager first, then compiled (the default).
  for (const bool eager : {true, false}) {
    if ((eager && modes == 2) || (!eager && modes == 1)) continue;
    st::set_random_seed(42);
    const char* mode = bench::mode_name(eager);
    st::Sequential model({Input({28, 28}), Flatten(), Dense(256, "relu"), Dense(128, "relu"), Dense(10)});
    auto report = [&](int epoch, double seconds, double loss, double acc) {
      std::printf("bench=mlp backend=cpu mode=%s epoch=%d epoch_s=%.3f loss=%.4f test_acc=%.4f threads=%d train_n=%lld\n",
                  mode, epoch, seconds, loss, acc, threads, static_cast<long long>(x_train.shape()[0]));
    };
    bench::fit_timed(model, x_train, train.y, x_test, test.y, epochs, report, {}, eager);

    if (predict_calls <= 0) continue;  // training only (profiling the epoch)
    // Predict: the model's output plus softmax, one image at a time, then 1024 at a time.
    auto predict = [&](const st::Tensor& x) { return st::softmax(model.predict_on_batch(x)); };
    const auto one = st::slice(x_test, 0, 0, 1);
    std::vector<double> b1;
    for (int i = 0; i < 50; ++i) predict(one);
    for (int i = 0; i < predict_calls; ++i) {
      const auto t0 = Clock::now();
      predict(one);
      b1.push_back(seconds_since(t0));
    }
    const auto batch = st::slice(x_test, 0, 0, 1024);
    std::vector<double> b1024;
    for (int i = 0; i < 3; ++i) predict(batch);
    const auto start = Clock::now();
    while (b1024.size() < 10 || (b1024.size() < 200 && seconds_since(start) < 2.0)) {
      const auto t0 = Clock::now();
      predict(batch);
      b1024.push_back(seconds_since(t0));
    }
    std::printf("bench=mlp backend=cpu mode=%s predict_b1_us=%.1f predict_b1_us_min=%.1f predict_b1024_sps=%.0f "
                "predict_b1024_ms=%.3f calls_b1=%zu calls_b1024=%zu threads=%d\n",
                mode, median(b1) * 1e6, *std::min_element(b1.begin(), b1.end()) * 1e6, 1024 / median(b1024),
                median(b1024) * 1e3, b1.size(), b1024.size(), threads);
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto memory = st::backend::get_backend(st::Device("cpu")).memory_stats();
  std::printf("bench=mlp backend=cpu peak_rss_mb=%.1f allocator_in_use_mb=%.1f allocator_cached_mb=%.1f "
              "system_allocations=%llu\n",
              usage.ru_maxrss / 1024.0, memory.bytes_in_use / 1048576.0, memory.bytes_cached / 1048576.0,
              static_cast<unsigned long long>(memory.system_allocations));
  bench::print_blas_choices();
  return 0;
}
