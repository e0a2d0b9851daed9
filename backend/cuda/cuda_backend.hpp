#pragma once
// The CUDA backend: kernels on one GPU, queued on one stream per device (so the caching allocator
// may hand a freed block to the next kernel at once: stream order keeps them apart), cuBLAS for
// GEMM, and pinned staging buffers so that copies from the host return before the GPU has them.
// Internal: included by backend/cuda/*.cu only, never installed.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/backend/caching_allocator.hpp"

namespace strata::backend::cuda {

// Throws DeviceError "<what>: <CUDA's error string>" unless `status` is cudaSuccess.
void check(cudaError_t status, const char* what);
void check_cublas(cublasStatus_t status, const char* what);

// Host copies through page-locked buffers: copy_from_host copies the caller's bytes into a pinned
// buffer and queues the DMA, returning before the GPU has the data (the caller may free its buffer
// at once). A buffer is reused once the event recorded after its copy has passed.
class PinnedStaging {
 public:
  PinnedStaging() = default;
  ~PinnedStaging();
  void copy_to_device(const void* host_src, void* device_dst, std::size_t bytes, cudaStream_t stream);

 private:
  struct Block {
    void* host = nullptr;
    std::size_t bytes = 0;
    cudaEvent_t done = nullptr;
  };
  std::mutex mutex_;
  std::vector<Block> blocks_;
  std::size_t total_ = 0;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int index);
  ~CudaBackend() override;

  Device device() const override { return Device("cuda", index_); }

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) noexcept override { allocator_.deallocate(ptr, bytes); }
  MemoryStats memory_stats() const override { return allocator_.stats(); }
  void empty_cache() override;
  void copy_to_host(const void* src, void* host_dst, std::size_t bytes) override;
  void copy_from_host(const void* host_src, void* dst, std::size_t bytes) override;
  void copy(const void* src, void* dst, std::size_t bytes) override;
  void synchronize() override;

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
  void conv2d(const ConvArgs& args, const void* x, const void* kernel, void* y) override;
  void conv2d_backward(const ConvArgs& args, const void* x, const void* kernel, const void* dy, void* dx,
                       void* dkernel) override;
  void pool2d(PoolOp op, const PoolArgs& args, const void* x, void* y) override;
  void pool2d_backward(PoolOp op, const PoolArgs& args, const void* x, const void* dy, void* dx) override;

  cudaStream_t stream() const { return stream_; }
  // Makes this backend's GPU current on the calling thread (every entry point calls it first).
  void activate() const;
  int blocks_for(std::int64_t n, int threads = 256) const;

 private:
  // Checks the indices of gather / scatter_add on the GPU and throws ValueError naming the first
  // one outside [0, limit), as the CPU does (this waits for the GPU: the error must be raised here).
  void check_indices(const char* op, In indices, std::int64_t limit, int axis);

  int index_;
  int sm_count_ = 1;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  std::mutex cublas_mutex_;  // the handle's math mode is set per call
  bool cublas_tf32_ = false;
  CachingAllocator allocator_;
  PinnedStaging staging_;
  unsigned long long* index_error_device_ = nullptr;  // first bad position of an index check
  unsigned long long* index_error_host_ = nullptr;    // pinned
  std::mutex index_error_mutex_;
};

// The number of CUDA devices, or 0 (with the reason in *reason when asked) when the runtime finds
// none: no GPU, no driver, a driver too old for this runtime.
int device_count(std::string* reason = nullptr);

}  // namespace strata::backend::cuda
