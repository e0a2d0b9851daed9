// What callbacks::TensorBoard costs the main job: the main job's model (bench_mlp.cpp) trained with
// fit(), batch 128, with and without TensorBoard(update_freq="epoch") in alternating rounds, so
// that a drift of the machine's load hits both alike. Prints one line per epoch and a summary:
//
//   bench=tensorboard tb=0|1 round=r epoch=e epoch_s=…
//   bench=tensorboard epochs=… without_s=<median> with_s=<median> growth_pct=… hook_ms=<median per epoch>
//
// epoch_s runs from the first callback's on_epoch_begin to the last one's on_epoch_end, so it holds
// TensorBoard's own hooks (the epoch scalars, the flush). hook_ms is the time spent inside
// TensorBoard's hooks per epoch, timed in-process: it does not depend on the machine's load.
//
// Usage: bench_tensorboard [--rounds R] [--epochs N] [--threads T]    (default 3, 2, 2)
#include <cstdio>
#include <filesystem>
#include <vector>

#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"

namespace st = strata;
namespace cb = strata::callbacks;
using namespace strata::layers;
using bench::Clock;
using bench::seconds_since;

namespace {

// Forwards every hook fit calls to `inner`, adding up the time spent in it.
class TimedCallback : public cb::Callback {
 public:
  explicit TimedCallback(cb::CallbackPtr inner) : inner_(std::move(inner)) {}
  double seconds = 0;
  void on_train_begin(const cb::Logs& l) override { timed([&] { prepare(); inner_->on_train_begin(l); }); }
  void on_train_end(const cb::Logs& l) override { timed([&] { inner_->on_train_end(l); }); }
  void on_epoch_begin(int e, const cb::Logs& l) override { timed([&] { inner_->on_epoch_begin(e, l); }); }
  void on_epoch_end(int e, const cb::Logs& l) override { timed([&] { inner_->on_epoch_end(e, l); }); }
  void on_train_batch_begin(std::int64_t b, const cb::Logs& l) override { timed([&] { inner_->on_train_batch_begin(b, l); }); }
  void on_train_batch_end(std::int64_t b, const cb::Logs& l) override { timed([&] { inner_->on_train_batch_end(b, l); }); }
  void on_test_end(const cb::Logs& l) override { timed([&] { inner_->on_test_end(l); }); }

 private:
  void prepare() {
    inner_->set_model(model());
    inner_->set_params(params());
  }
  template <class F>
  void timed(F f) {
    const auto t0 = Clock::now();
    f();
    seconds += seconds_since(t0);
  }
  cb::CallbackPtr inner_;
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3, epochs = 2, threads = 2;
  if (!bench::parse_flags(argc, argv, {{"--rounds", "R", &rounds}, {"--epochs", "N", &epochs}, {"--threads", "T", &threads}}))
    return 2;
  st::backend::set_cpu_threads(threads);
  bench::print_machine();
  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::cast(train.x, st::float32) / 255.0f;
  const auto logdir = std::filesystem::temp_directory_path() / "strata_bench_tensorboard";
  std::filesystem::remove_all(logdir);

  std::vector<double> without, with, hook;
  for (int round = 0; round < rounds; ++round) {
    for (const bool tb : {round % 2 == 0, round % 2 != 0}) {
      st::set_random_seed(42);
      st::Sequential model({Input({28, 28}), Flatten(), Dense(256, "relu"), Dense(128, "relu"), Dense(10)});
      model.compile({.optimizer = st::optimizers::Adam(1e-3),
                     .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                     .metrics = {"accuracy"}});
      Clock::time_point start;
      auto timed_tb = std::make_shared<TimedCallback>(cb::TensorBoard({.log_dir = logdir.string()}));
      double hook_before = 0;
      std::vector<cb::CallbackPtr> callbacks{cb::LambdaCallback({.on_epoch_begin = [&](int, const cb::Logs&) {
        start = Clock::now();
        hook_before = timed_tb->seconds;
      }})};
      if (tb) callbacks.push_back(timed_tb);
      callbacks.push_back(cb::LambdaCallback({.on_epoch_end = [&](int epoch, const cb::Logs&) {
        const double seconds = seconds_since(start);
        (tb ? with : without).push_back(seconds);
        if (tb) hook.push_back(timed_tb->seconds - hook_before);
        std::printf("bench=tensorboard tb=%d round=%d epoch=%d epoch_s=%.3f\n", tb ? 1 : 0, round, epoch + 1, seconds);
        std::fflush(stdout);
      }}));
      model.fit(x_train, train.y, {.epochs = epochs, .batch_size = 128, .callbacks = callbacks, .verbose = 0});
    }
  }
  const double a = bench::median(without), b = bench::median(with);
  std::printf("bench=tensorboard epochs=%zu without_s=%.3f with_s=%.3f growth_pct=%.2f hook_ms=%.3f\n", with.size(), a, b,
              100.0 * (b - a) / a, 1e3 * bench::median(hook));
  std::filesystem::remove_all(logdir);
  return 0;
}
