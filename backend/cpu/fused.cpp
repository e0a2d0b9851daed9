// Fused elementwise programs on the CPU: chunks of the program split across the pool, each thread
// with its own scratch (kept between calls, so a replayed graph allocates nothing).
#include <algorithm>
#include <cstddef>
#include <vector>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {

void CpuBackend::fused_elementwise(const FusedElementwiseArgs& args) {
  if (args.count == 0 || args.steps.empty()) return;
  const std::size_t bytes = static_cast<std::size_t>(kFusedChunk) * dtype_size(args.dtype);
  parallel_for(
      args.count, kFusedChunk,
      [&](std::int64_t first, std::int64_t end) {
        thread_local std::vector<std::byte> scratch;
        thread_local std::vector<void*> slots;
        if (scratch.size() < bytes * args.steps.size()) scratch.resize(bytes * args.steps.size());
        slots.resize(args.steps.size());
        for (std::size_t s = 0; s < slots.size(); ++s) slots[s] = scratch.data() + s * bytes;
        for (std::int64_t begin = first; begin < end; begin += kFusedChunk)
          run_fused_chunk(args, begin, std::min(kFusedChunk, end - begin), slots.data());
      },
      kParallelThreshold / 4);
}

}  // namespace strata::backend::cpu
