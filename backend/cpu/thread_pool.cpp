#include "strata/backend/cpu/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "strata/backend/cpu_threads.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

namespace strata::backend::cpu {
namespace {

thread_local bool inside_pool_task = false;

// How long a thread polls before it sleeps on a condition variable. Waking a sleeping thread costs
// tens of microseconds on a virtual machine (the idle vCPU is halted; the main job's first
// backward GEMM after the loss's serial ops measured 80-87 us split over two threads against 48-53
// us with both threads polling), and a training step's serial stretches between two parallel
// kernels last ~20-150 us: a worker that polls through them is there for the next kernel. Polling
// yields the core, so another process that wants it gets it.
constexpr auto kWorkerPoll = std::chrono::microseconds(500);
// The caller of a parallel region, once its own chunks are done, polls for the others' end: it has
// nothing else to do, and sleeping would add a wake-up to the region.
constexpr auto kCallerPoll = std::chrono::milliseconds(2);

// Polls `done` for up to `limit`, yielding the core between polls; true when it held.
template <class Predicate>
bool spin_until(Predicate done, std::chrono::microseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { start(threads); }

  int threads() const { return threads_; }

  // Restarts the workers with a new count (called with run_mutex held).
  void resize(int threads) {
    stop();
    start(threads);
  }

  // Runs task(i) for i in [0, chunks) on the workers and the calling thread.
  void run(int chunks, const std::function<void(int)>& task) {
    {
      std::unique_lock lock(mutex_);
      idle_.wait(lock, [&] { return active_ == 0; });  // late wakers of the last run have left
      task_ = &task;
      chunks_ = chunks;
      next_.store(0, std::memory_order_relaxed);
      remaining_.store(chunks, std::memory_order_relaxed);
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    work(task, chunks);
    // The other chunks are usually about done: poll before sleeping.
    spin_until([&] { return remaining_.load(std::memory_order_acquire) == 0; }, kCallerPoll);
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return remaining_.load(std::memory_order_relaxed) == 0 && active_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  std::mutex run_mutex;  // one run at a time

 private:
  void start(int threads) {
    threads_ = std::max(1, threads);
    stop_ = false;
    stopping_.store(false);
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // Takes chunks until none is left; returns after counting the ones it finished.
  void work(const std::function<void(int)>& task, int chunks) {
    int finished = 0;
    for (int i = next_.fetch_add(1); i < chunks; i = next_.fetch_add(1)) {
      try {
        inside_pool_task = true;
        task(i);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      inside_pool_task = false;
      ++finished;
    }
    if (finished && remaining_.fetch_sub(finished, std::memory_order_acq_rel) == finished) {
      std::lock_guard lock(mutex_);  // pairs with the caller's wait on idle_
      idle_.notify_all();
    }
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = generation_.load(std::memory_order_relaxed);
    }
    for (;;) {
      const std::function<void(int)>* task = nullptr;
      int chunks = 0;
      // Back-to-back kernels (a small model's forward pass, a training step) arrive within
      // microseconds of each other, and waking a sleeping thread costs more than such a kernel:
      // poll first, then sleep.
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen || stopping_.load(); }, kWorkerPoll);
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        task = task_;
        chunks = chunks_;
        ++active_;
      }
      if (task) work(*task, chunks);
      {
        std::lock_guard lock(mutex_);
        --active_;
      }
      idle_.notify_all();
    }
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  std::atomic<int> next_{0};
  std::atomic<int> remaining_{0};
  int active_ = 0;
  std::atomic<std::uint64_t> generation_{0};
  bool stop_ = false;
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
};

int default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Never destroyed: kernels may run from static destructors.
ThreadPool& pool() {
  static ThreadPool* instance = [] {
    openblas_set_num_threads(1);  // GEMMs are split over this pool (gemm.cpp, conv_pool.cpp)
    return new ThreadPool(default_threads());
  }();
  return *instance;
}

}  // namespace

int parallel_chunks(std::int64_t n, std::int64_t grain, std::int64_t threshold) {
  const int threads = pool().threads();
  if (threads <= 1 || n < threshold || inside_pool_task) return 1;
  const std::int64_t by_grain = n / std::max<std::int64_t>(grain, 1);
  return static_cast<int>(std::clamp<std::int64_t>(by_grain, 1, threads));
}

void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& fn,
                  std::int64_t threshold) {
  if (n <= 0) return;
  const int chunks = parallel_chunks(n, grain, threshold);
  if (chunks <= 1) return fn(0, n);
  auto& p = pool();
  std::unique_lock run_lock(p.run_mutex, std::try_to_lock);
  if (!run_lock.owns_lock()) return fn(0, n);  // another thread is using the pool
  // Chunk boundaries on multiples of 64 elements keep SIMD loops and cache lines whole.
  std::int64_t chunk = (n + chunks - 1) / chunks;
  chunk = (chunk + 63) / 64 * 64;
  const int used = static_cast<int>((n + chunk - 1) / chunk);
  p.run(used, [&](int i) {
    const std::int64_t begin = i * chunk;
    fn(begin, std::min(n, begin + chunk));
  });
}

int parallel_threads() { return inside_pool_task ? 1 : pool().threads(); }

void parallel_tasks(int tasks, const std::function<void(int)>& task) {
  const auto serial = [&] {
    for (int i = 0; i < tasks; ++i) task(i);
  };
  if (tasks < 2 || parallel_threads() < 2) return serial();
  auto& p = pool();
  std::unique_lock run_lock(p.run_mutex, std::try_to_lock);
  if (!run_lock.owns_lock()) return serial();
  p.run(tasks, task);
}

}  // namespace strata::backend::cpu

namespace strata::backend {

void set_cpu_threads(int n) {
  n = std::max(1, n);
  auto& p = cpu::pool();
  {
    std::lock_guard lock(p.run_mutex);
    if (p.threads() != n) p.resize(n);
  }
}

int cpu_threads() { return cpu::pool().threads(); }

}  // namespace strata::backend
