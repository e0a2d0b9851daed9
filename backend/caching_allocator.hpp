#pragma once
// A device-agnostic caching allocator: blocks freed by the caller go to a free list of their size
// class and serve the next request of that class, so a loop repeating the same computation obtains
// nothing new from the system once warm. The raw allocate/free callables make it reusable for any
// device (aligned malloc on the CPU, cudaMalloc/cudaFree on CUDA).
//
// Optionally a cached block that waits through `release_idle_after` requests without one of its
// class being asked for goes back to the system: one-off blocks (a dataset converted once, a batch
// of another size) then stop holding memory, while the blocks of a loop stay.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "strata/backend/backend.hpp"

namespace strata::backend {

class CachingAllocator {
 public:
  using RawAllocate = std::function<void*(std::size_t bytes)>;  // throws (or returns null) on failure
  using RawFree = std::function<void(void* ptr, std::size_t bytes)>;

  // release_idle_after: requests a cached block may wait unused (0: kept until empty_cache).
  CachingAllocator(RawAllocate raw_allocate, RawFree raw_free, std::uint64_t release_idle_after = 0);
  ~CachingAllocator();  // gives every cached block back
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least `bytes` (a zero-byte request gets a valid, unique block of the smallest
  // class). Throws std::bad_alloc when the system has no memory left even after emptying the cache.
  void* allocate(std::size_t bytes);
  // Returns a block from allocate(); `bytes` is the size asked for (it may be 0).
  void deallocate(void* ptr, std::size_t bytes) noexcept;

  MemoryStats stats() const;
  void empty_cache();  // gives cached free blocks back to the system

  // The size class a request of `bytes` rounds up to: multiples of 512 B up to 1 MiB, then four
  // steps per power of two (so at most 25% is wasted).
  static std::size_t size_class(std::size_t bytes);

 private:
  struct CachedBlock {
    void* ptr;
    std::uint64_t since;  // stats_.requests when it was cached
  };

  void release_cached_locked();
  void release_idle_locked();

  RawAllocate raw_allocate_;
  RawFree raw_free_;
  std::uint64_t release_idle_after_;
  mutable std::mutex mutex_;
  // Size class -> free blocks, oldest first (reuse takes the newest, so idle ones gather in front).
  std::unordered_map<std::size_t, std::vector<CachedBlock>> free_blocks_;
  MemoryStats stats_;
};

}  // namespace strata::backend
