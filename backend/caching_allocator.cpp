#include "strata/backend/caching_allocator.hpp"

#include <algorithm>
#include <bit>
#include <iterator>
#include <new>
#include <utility>

namespace strata::backend {

CachingAllocator::CachingAllocator(RawAllocate raw_allocate, RawFree raw_free, std::uint64_t release_idle_after)
    : raw_allocate_(std::move(raw_allocate)), raw_free_(std::move(raw_free)), release_idle_after_(release_idle_after) {}

CachingAllocator::~CachingAllocator() {
  std::lock_guard lock(mutex_);
  release_cached_locked();
}

std::size_t CachingAllocator::size_class(std::size_t bytes) {
  constexpr std::size_t kSmallStep = 512;
  constexpr std::size_t kSmallLimit = std::size_t{1} << 20;
  if (bytes <= kSmallStep) return kSmallStep;
  if (bytes <= kSmallLimit) return (bytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  // Quarter steps between powers of two: 1, 1.25, 1.5, 1.75 times 2^p.
  const std::size_t power = std::bit_floor(bytes);
  const std::size_t step = power / 4;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::allocate(std::size_t bytes) {
  const std::size_t size = size_class(bytes);
  {
    std::lock_guard lock(mutex_);
    ++stats_.requests;
    // A sweep every quarter of the idle limit: a block goes between 1 and 1.25 limits idle.
    if (release_idle_after_ && stats_.requests % std::max<std::uint64_t>(release_idle_after_ / 4, 1) == 0)
      release_idle_locked();
    auto it = free_blocks_.find(size);
    if (it != free_blocks_.end() && !it->second.empty()) {
      void* ptr = it->second.back().ptr;
      it->second.pop_back();
      ++stats_.cache_hits;
      stats_.bytes_cached -= size;
      stats_.bytes_in_use += size;
      return ptr;
    }
  }
  void* ptr = nullptr;
  try {
    ptr = raw_allocate_(size);
  } catch (const std::bad_alloc&) {
    ptr = nullptr;
  }
  if (!ptr) {
    // Out of memory: give the cache back and try once more.
    empty_cache();
    ptr = raw_allocate_(size);
    if (!ptr) throw std::bad_alloc();
  }
  std::lock_guard lock(mutex_);
  ++stats_.system_allocations;
  stats_.bytes_in_use += size;
  return ptr;
}

void CachingAllocator::deallocate(void* ptr, std::size_t bytes) noexcept {
  if (!ptr) return;
  const std::size_t size = size_class(bytes);
  std::lock_guard lock(mutex_);
  try {
    free_blocks_[size].push_back({ptr, stats_.requests});
  } catch (...) {
    // No memory for the free list itself: give the block straight back.
    raw_free_(ptr, size);
    stats_.bytes_in_use -= size;
    return;
  }
  stats_.bytes_in_use -= size;
  stats_.bytes_cached += size;
}

MemoryStats CachingAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(mutex_);
  release_cached_locked();
}

void CachingAllocator::release_cached_locked() {
  for (auto& [size, blocks] : free_blocks_) {
    for (const auto& block : blocks) raw_free_(block.ptr, size);
    stats_.bytes_cached -= size * blocks.size();
    blocks.clear();
  }
  free_blocks_.clear();
}

void CachingAllocator::release_idle_locked() {
  for (auto it = free_blocks_.begin(); it != free_blocks_.end();) {
    auto& [size, blocks] = *it;
    std::size_t idle = 0;
    while (idle < blocks.size() && stats_.requests - blocks[idle].since >= release_idle_after_) raw_free_(blocks[idle++].ptr, size);
    blocks.erase(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(idle));
    stats_.bytes_cached -= size * idle;
    it = blocks.empty() ? free_blocks_.erase(it) : std::next(it);
  }
}

}  // namespace strata::backend
