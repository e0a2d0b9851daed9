#pragma once
// The CPU backend: kernels on host memory (xtensor + xsimd for elementwise work, OpenBLAS for GEMM),
// split over the backend's thread pool when large. Internal: not installed.
#include "strata/backend/backend.hpp"
#include "strata/backend/caching_allocator.hpp"

namespace strata::backend::cpu {

class CpuBackend final : public Backend {
 public:
  CpuBackend();

  Device device() const override { return Device("cpu", 0); }

  void* allocate(std::size_t bytes) override { return allocator_.allocate(bytes); }
  void deallocate(void* ptr, std::size_t bytes) noexcept override { allocator_.deallocate(ptr, bytes); }
  MemoryStats memory_stats() const override { return allocator_.stats(); }
  void empty_cache() override { allocator_.empty_cache(); }
  void copy_to_host(const void* src, void* host_dst, std::size_t bytes) override;
  void copy_from_host(const void* host_src, void* dst, std::size_t bytes) override;
  void copy(const void* src, void* dst, std::size_t bytes) override;
  void synchronize() override {}

  void fill(Out out, double value) override;
  void cast(In x, Out out) override;
  void unary(UnaryOp op, In x, Out out, double alpha = 0.0) override;
  void binary(BinaryOp op, In a, In b, Out out) override;
  void where(In condition, In a, In b, Out out) override;
  void reduce(ReduceOp op, In x, const std::vector<int>& axes, Out out) override;
  void gemm(const GemmArgs& args) override;
  void copy_strided(const StridedCopyArgs& args) override;
  void gather(In x, In indices, int axis, Out out) override;
  void scatter_add(In updates, In indices, int axis, Out out) override;
  void softmax(In x, int axis, bool log, Out out) override;
  void random(Distribution dist, std::uint64_t seed, double a, double b, Out out) override;
  void adam_update(const AdamUpdateArgs& args) override;
  void fused_elementwise(const FusedElementwiseArgs& args) override;
  void conv2d(const ConvArgs& args, const void* x, const void* kernel, void* y) override;
  void conv2d_backward(const ConvArgs& args, const void* x, const void* kernel, const void* dy, void* dx,
                       void* dkernel) override;
  void pool2d(PoolOp op, const PoolArgs& args, const void* x, void* y) override;
  void pool2d_backward(PoolOp op, const PoolArgs& args, const void* x, const void* dy, void* dx) override;

 private:
  CachingAllocator allocator_;
};

// Parallel memcpy for large blocks.
void parallel_memcpy(void* dst, const void* src, std::size_t bytes);

}  // namespace strata::backend::cpu
