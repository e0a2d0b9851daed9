// The default fused elementwise program: the backend's own unary / binary kernels over chunks, the
// intermediates in scratch that stays in cache.
#include <algorithm>

#include "strata/backend/backend.hpp"

namespace strata::backend {

void Backend::run_fused_chunk(const FusedElementwiseArgs& args, std::int64_t begin, std::int64_t n,
                              void* const* scratch) {
  const std::size_t size = dtype_size(args.dtype);
  const Shape chunk{n}, one{1};
  const std::size_t last = args.steps.size() - 1;
  auto operand = [&](int i) -> In {
    if (i >= 0) {
      const bool scalar = args.input_scalar[static_cast<std::size_t>(i)];
      const char* base = static_cast<const char*>(args.inputs[static_cast<std::size_t>(i)]);
      return {scalar ? base : base + static_cast<std::size_t>(begin) * size, scalar ? one : chunk, args.dtype};
    }
    return {scratch[-1 - i], chunk, args.dtype};
  };
  for (std::size_t s = 0; s <= last; ++s) {
    const FusedStep& step = args.steps[s];
    void* target = s == last ? static_cast<char*>(args.out) + static_cast<std::size_t>(begin) * size : scratch[s];
    if (step.unary)
      unary(static_cast<UnaryOp>(step.op), operand(step.a), {target, chunk, args.dtype}, step.alpha);
    else
      binary(static_cast<BinaryOp>(step.op), operand(step.a), operand(step.b), {target, chunk, args.dtype});
  }
}

void Backend::fused_elementwise(const FusedElementwiseArgs& args) {
  if (args.count == 0 || args.steps.empty()) return;
  const std::size_t bytes = static_cast<std::size_t>(kFusedChunk) * dtype_size(args.dtype);
  std::vector<void*> scratch(args.steps.size(), nullptr);
  for (std::size_t s = 0; s + 1 < args.steps.size(); ++s) scratch[s] = allocate(bytes);
  try {
    for (std::int64_t begin = 0; begin < args.count; begin += kFusedChunk)
      run_fused_chunk(args, begin, std::min(kFusedChunk, args.count - begin), scratch.data());
  } catch (...) {
    for (std::size_t s = 0; s + 1 < args.steps.size(); ++s) deallocate(scratch[s], bytes);
    throw;
  }
  for (std::size_t s = 0; s + 1 < args.steps.size(); ++s) deallocate(scratch[s], bytes);
}

}  // namespace strata::backend
