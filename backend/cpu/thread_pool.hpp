#pragma once
// The CPU backend's thread pool: workers sleep on a condition variable (never spin, since OpenBLAS
// keeps its own pthreads on the same cores) and take chunks of a parallel_for together with the
// calling thread. One parallel_for runs at a time; a nested or concurrent call runs serially.
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

}  // namespace strata::backend::cpu
