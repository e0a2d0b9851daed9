#pragma once
// Shared pieces of the CUDA kernels: launching grid-stride kernels, the math of one element for
// float and double, value conversion as the CPU does it, NumPy broadcasting as a fixed-size plan
// the kernels can take by value, and scratch memory from the backend's caching allocator. The
// dtype dispatch and the host-side broadcast planning are the CPU backend's own headers (header-only,
// free of xtensor), so both backends raise the same errors with the same messages.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "strata/backend/cpu/broadcast.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cuda/cuda_backend.hpp"
#include "strata/backend/element_math.hpp"
#include "strata/framework/errors.hpp"

namespace strata::backend::cuda {

using cpu::visit_dtype;
using cpu::visit_floating;

constexpr int kThreads = 256;

__device__ inline std::int64_t thread_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t thread_count() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

// Launches a grid-stride kernel over n elements on the backend's stream.
template <class... KernelArgs, class... Args>
void launch(const CudaBackend& be, const char* what, std::int64_t n, void (*kernel)(KernelArgs...), Args&&... args) {
  if (n <= 0) return;
  kernel<<<be.blocks_for(n), kThreads, 0, be.stream()>>>(static_cast<KernelArgs>(args)...);
  check(cudaGetLastError(), what);
}

// --- the math of one element ---

template <class T>
__device__ inline T d_exp(T x) { if constexpr (sizeof(T) == 4) return expf(x); else return exp(x); }
template <class T>
__device__ inline T d_expm1(T x) { if constexpr (sizeof(T) == 4) return expm1f(x); else return expm1(x); }
template <class T>
__device__ inline T d_log(T x) { if constexpr (sizeof(T) == 4) return logf(x); else return log(x); }
template <class T>
__device__ inline T d_log1p(T x) { if constexpr (sizeof(T) == 4) return log1pf(x); else return log1p(x); }
template <class T>
__device__ inline T d_sqrt(T x) { if constexpr (sizeof(T) == 4) return sqrtf(x); else return sqrt(x); }
template <class T>
__device__ inline T d_sin(T x) { if constexpr (sizeof(T) == 4) return sinf(x); else return sin(x); }
template <class T>
__device__ inline T d_cos(T x) { if constexpr (sizeof(T) == 4) return cosf(x); else return cos(x); }
template <class T>
__device__ inline T d_tanh(T x) { if constexpr (sizeof(T) == 4) return tanhf(x); else return tanh(x); }
template <class T>
__device__ inline T d_erf(T x) { if constexpr (sizeof(T) == 4) return erff(x); else return erf(x); }
template <class T>
__device__ inline T d_floor(T x) { if constexpr (sizeof(T) == 4) return floorf(x); else return floor(x); }
template <class T>
__device__ inline T d_ceil(T x) { if constexpr (sizeof(T) == 4) return ceilf(x); else return ceil(x); }
template <class T>
__device__ inline T d_rint(T x) { if constexpr (sizeof(T) == 4) return rintf(x); else return rint(x); }  // half to even
template <class T>
__device__ inline T d_abs(T x) { if constexpr (sizeof(T) == 4) return fabsf(x); else return fabs(x); }
template <class T>
__device__ inline T d_pow(T x, T y) { if constexpr (sizeof(T) == 4) return powf(x, y); else return pow(x, y); }
template <class T>
__device__ inline T d_nextafter(T x, T y) {
  if constexpr (sizeof(T) == 4) return nextafterf(x, y); else return nextafter(x, y);
}
template <class T>
__device__ inline bool d_isinf(T x) { return isinf(x); }

// --- broadcasting ---

constexpr int kMaxDims = 8;

// The CPU's collapsed broadcast plan in a form a kernel takes by value: for output element `flat`,
// input i reads at offset(flat)[i].
template <int N>
struct Broadcast {
  int rank = 1;
  std::int64_t dims[kMaxDims] = {};
  std::int64_t strides[N][kMaxDims] = {};

  __device__ void offsets(std::int64_t flat, std::int64_t (&off)[N]) const {
    for (int i = 0; i < N; ++i) off[i] = 0;
    for (int d = rank - 1; d > 0; --d) {
      const std::int64_t q = flat / dims[d];
      const std::int64_t r = flat - q * dims[d];
      flat = q;
      for (int i = 0; i < N; ++i) off[i] += r * strides[i][d];
    }
    for (int i = 0; i < N; ++i) off[i] += flat * strides[i][0];
  }
};

template <int N>
Broadcast<N> plan_broadcast(const char* op, const Shape& out, const std::array<const Shape*, N>& inputs) {
  const auto plan = cpu::plan_broadcast<N>(op, out, inputs);
  if (plan.dims.size() > static_cast<std::size_t>(kMaxDims))
    throw NotImplementedError(std::string(op) + ": broadcasting over more than " + std::to_string(kMaxDims) +
                              " dimensions that cannot be merged is not supported on CUDA (output shape " +
                              out.to_string() + ")");
  Broadcast<N> b;
  b.rank = static_cast<int>(plan.dims.size());
  for (int d = 0; d < b.rank; ++d) {
    b.dims[d] = plan.dims[static_cast<std::size_t>(d)];
    for (int i = 0; i < N; ++i) b.strides[i][d] = plan.strides[static_cast<std::size_t>(i)][static_cast<std::size_t>(d)];
  }
  return b;
}

// --- scratch memory from the caching allocator (stream order makes an early release safe) ---

class Scratch {
 public:
  Scratch(Backend& backend, std::size_t bytes)
      : backend_(backend), bytes_(bytes), data_(bytes ? backend.allocate(bytes) : nullptr) {}
  ~Scratch() {
    if (data_) backend_.deallocate(data_, bytes_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  Backend& backend_;
  std::size_t bytes_;
  void* data_;
};

}  // namespace strata::backend::cuda
