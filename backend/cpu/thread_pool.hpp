#pragma once
// The CPU backend's thread pool, the only threads the backend uses: OpenBLAS runs single-threaded
// inside them (its own workers busy-wait with sched_yield for ~0.1 s after each call, and on two
// cores they took a quarter of the CPU time of a convnet's training step from the pool's threads).
// Workers poll for ~0.5 ms after their last region (through a training step's serial stretches),
// then sleep on a condition variable, and take chunks of a parallel_for together with the calling
// thread. One parallel region runs at a time; a nested or concurrent
// call runs serially.
#include <cstdint>
#include <functional>

namespace strata::backend::cpu {

// Work below this many elements runs on the calling thread: waking workers costs more.
inline constexpr std::int64_t kParallelThreshold = 1 << 16;

// Calls fn(begin, end) over [0, n) in contiguous chunks of at least `grain` elements, on the pool's
// threads when n >= threshold and more than one thread is configured; otherwise fn(0, n).
// Exceptions thrown by fn are rethrown in the caller (the first one).
void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& fn,
                  std::int64_t threshold = kParallelThreshold);

// The number of chunks parallel_for would use for n elements (1 when it would run serially).
int parallel_chunks(std::int64_t n, std::int64_t grain, std::int64_t threshold = kParallelThreshold);
// The number of threads a parallel region started here would get: the pool's size, or 1 inside a
// pool task (regions do not nest).
int parallel_threads();
// Calls task(i) for i in [0, tasks) on the pool's threads (serially when tasks < 2, inside a pool
// task, or while another thread uses the pool). For work split by hand: one task per thread, each
// with its own slice and scratch.
void parallel_tasks(int tasks, const std::function<void(int)>& task);

}  // namespace strata::backend::cpu
