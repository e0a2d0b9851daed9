// The CPU backend: registration, memory, copies, fill and cast.
#include "strata/backend/cpu/cpu_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <type_traits>

#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/thread_pool.hpp"
#include "strata/backend/element_math.hpp"

namespace strata::backend {

void register_cpu_backend_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_backend("cpu", BackendFactory{
                                [] { return 1; },
                                [](int) -> std::unique_ptr<Backend> { return std::make_unique<cpu::CpuBackend>(); },
                            });
  });
}

}  // namespace strata::backend

namespace strata::backend::cpu {
namespace {

constexpr std::size_t kAlignment = 64;

void* aligned_allocate(std::size_t bytes) {
  void* ptr = ::operator new(bytes, std::align_val_t(kAlignment));
  return ptr;
}

void aligned_free(void* ptr, std::size_t) { ::operator delete(ptr, std::align_val_t(kAlignment)); }

}  // namespace

void parallel_memcpy(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0 || dst == src) return;
  auto* d = static_cast<char*>(dst);
  const auto* s = static_cast<const char*>(src);
  // Large copies split across threads (memory bandwidth of one core is rarely the machine's).
  parallel_for(
      static_cast<std::int64_t>(bytes), 1 << 18,
      [&](std::int64_t begin, std::int64_t end) { std::memcpy(d + begin, s + begin, static_cast<std::size_t>(end - begin)); },
      std::int64_t{1} << 22);
}

// A cached block unused for this many requests goes back to the system (a training step makes a
// few hundred, so a loop's blocks stay; a dataset's one-off conversion buffers do not).
constexpr std::uint64_t kReleaseIdleAfter = std::uint64_t{1} << 16;

CpuBackend::CpuBackend() : allocator_(aligned_allocate, aligned_free, kReleaseIdleAfter) {}

void CpuBackend::copy_to_host(const void* src, void* host_dst, std::size_t bytes) { parallel_memcpy(host_dst, src, bytes); }
void CpuBackend::copy_from_host(const void* host_src, void* dst, std::size_t bytes) { parallel_memcpy(dst, host_src, bytes); }
void CpuBackend::copy(const void* src, void* dst, std::size_t bytes) { parallel_memcpy(dst, src, bytes); }

void CpuBackend::fill(Out out, double value) {
  const std::int64_t n = out.shape.num_elements();
  visit_dtype(out.dtype, [&]<class T>() {
    const T v = convert<T>(value);
    T* p = static_cast<T*>(out.data);
    parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) { std::fill(p + begin, p + end, v); });
  });
}

void CpuBackend::cast(In x, Out out) {
  check_cast(x, out);
  const std::int64_t n = x.shape.num_elements();
  if (x.dtype == out.dtype) return copy(x.data, out.data, static_cast<std::size_t>(n) * dtype_size(x.dtype));
  visit_dtype(x.dtype, [&]<class S>() {
    visit_dtype(out.dtype, [&]<class T>() {
      const S* src = static_cast<const S*>(x.data);
      T* dst = static_cast<T*>(out.data);
      parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        if constexpr (std::is_same_v<S, bool> && !std::is_same_v<T, bool>) {
          // A bool is stored as byte 0 or 1: read as bytes, the loop vectorises (as bool it did not).
          const auto* bytes = reinterpret_cast<const std::uint8_t*>(src);
          for (std::int64_t i = begin; i < end; ++i) dst[i] = static_cast<T>(bytes[i]);
        } else {
          for (std::int64_t i = begin; i < end; ++i) dst[i] = convert<T>(src[i]);
        }
      });
    });
  });
}

}  // namespace strata::backend::cpu
