// The CUDA backend: registration, device and stream, memory and copies, and the kernels that only
// move or make values (fill, cast, copy_strided, gather, scatter_add, random, adam_update).
#include "strata/backend/cuda/cuda_backend.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "strata/backend/cuda/common.cuh"
#include "strata/backend/philox.hpp"

namespace strata::backend {

void register_cuda_backend_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_backend("cuda", BackendFactory{
                                 [] { return cuda::device_count(); },
                                 [](int index) -> std::unique_ptr<Backend> {
                                   return std::make_unique<cuda::CudaBackend>(index);
                                 },
                                 [] {
                                   std::string reason;
                                   cuda::device_count(&reason);
                                   return reason;
                                 },
                             });
  });
}

}  // namespace strata::backend

// The plugin's entry point: libstrata (backend/backend.cpp) calls it once, on the first lookup of a
// backend, after loading this library.
extern "C" __attribute__((visibility("default"))) void strata_register_cuda_backend() {
  strata::backend::register_cuda_backend_once();
}

namespace strata::backend::cuda {

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  throw DeviceError(std::string(what) + ": " + cudaGetErrorString(status) + " (CUDA error " +
                    std::to_string(static_cast<int>(status)) + ")");
}

void check_cublas(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(std::string(what) + ": cuBLAS error " + std::to_string(static_cast<int>(status)) + " (" +
                    cublasGetStatusString(status) + ")");
}

int device_count(std::string* reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear the error so that later calls start clean
    if (reason) {
      *reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status);
      // CUDA reports a missing driver library as a driver too old: tell the two apart.
      if (status == cudaErrorInsufficientDriver) {
        if (void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
          dlclose(driver);
          *reason += "; the installed NVIDIA driver is older than CUDA runtime " + std::to_string(CUDART_VERSION / 1000) +
                     "." + std::to_string(CUDART_VERSION % 1000 / 10) + " needs";
        } else {
          *reason += "; the NVIDIA driver library libcuda.so.1 is missing (no driver installed)";
        }
      }
    }
    return 0;
  }
  if (count == 0 && reason) *reason = "cudaGetDeviceCount: no CUDA device is present";
  return count;
}

// --- pinned staging ---

namespace {
constexpr std::size_t kMaxStagedCopy = std::size_t{64} << 20;    // larger copies go straight
constexpr std::size_t kMaxStagingTotal = std::size_t{256} << 20;  // pinned memory held at most
}  // namespace

PinnedStaging::~PinnedStaging() {
  for (auto& b : blocks_) {
    cudaEventDestroy(b.done);
    cudaFreeHost(b.host);
  }
}

void PinnedStaging::copy_to_device(const void* host_src, void* device_dst, std::size_t bytes, cudaStream_t stream) {
  if (bytes > kMaxStagedCopy) {
    // From pageable memory the runtime stages the bytes itself and returns once the source may be
    // reused (it may wait for the stream).
    check(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, stream), "copy_from_host");
    return;
  }
  std::lock_guard lock(mutex_);
  Block* chosen = nullptr;
  for (auto& b : blocks_)
    if (b.bytes >= bytes && b.bytes <= 4 * std::max<std::size_t>(bytes, 4096) && cudaEventQuery(b.done) == cudaSuccess) {
      chosen = &b;
      break;
    }
  if (!chosen) {
    const std::size_t size = CachingAllocator::size_class(bytes);
    if (total_ + size > kMaxStagingTotal && !blocks_.empty()) {
      // Too much pinned memory already: wait for the oldest large-enough block (or free idle ones).
      for (auto& b : blocks_)
        if (b.bytes >= bytes && b.bytes <= 4 * std::max<std::size_t>(bytes, 4096)) {
          check(cudaEventSynchronize(b.done), "copy_from_host");
          chosen = &b;
          break;
        }
      if (!chosen) {
        check(cudaStreamSynchronize(stream), "copy_from_host");
        for (auto& b : blocks_) {
          cudaEventDestroy(b.done);
          cudaFreeHost(b.host);
        }
        blocks_.clear();
        total_ = 0;
      }
    }
    if (!chosen) {
      Block b;
      b.bytes = size;
      check(cudaHostAlloc(&b.host, size, cudaHostAllocDefault), "copy_from_host (pinned staging buffer)");
      const cudaError_t status = cudaEventCreateWithFlags(&b.done, cudaEventDisableTiming);
      if (status != cudaSuccess) {
        cudaFreeHost(b.host);
        check(status, "copy_from_host (event)");
      }
      blocks_.push_back(b);
      total_ += size;
      chosen = &blocks_.back();
    }
  }
  std::memcpy(chosen->host, host_src, bytes);
  check(cudaMemcpyAsync(device_dst, chosen->host, bytes, cudaMemcpyHostToDevice, stream), "copy_from_host");
  check(cudaEventRecord(chosen->done, stream), "copy_from_host");
}

// --- the backend object ---

namespace {

// Runs with the backend's device current (allocate() activates it first).
void* raw_device_allocate(std::size_t bytes) {
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, bytes);
  if (status != cudaSuccess) {
    cudaGetLastError();  // out of memory is not sticky: clear it, the allocator retries
    return nullptr;
  }
  return ptr;
}

}  // namespace

CudaBackend::CudaBackend(int index)
    : index_(index),
      allocator_([](std::size_t bytes) { return raw_device_allocate(bytes); },
                 [](void* ptr, std::size_t) { cudaFree(ptr); }) {
  std::string reason;
  const int count = device_count(&reason);
  if (count == 0) throw DeviceError("CUDA is not available (" + reason + ")");
  if (index < 0 || index >= count)
    throw DeviceError("Device cuda:" + std::to_string(index) + " does not exist: there are " +
                      std::to_string(count) + " CUDA devices");
  check(cudaSetDevice(index), "cudaSetDevice");
  check(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, index), "cudaDeviceGetAttribute");
  // Non-blocking: no implicit synchronization with the legacy default stream of other libraries.
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  check_cublas(cublasCreate(&cublas_), "cublasCreate");
  check_cublas(cublasSetStream(cublas_, stream_), "cublasSetStream");
  check_cublas(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  check(cudaMalloc(&index_error_device_, sizeof(unsigned long long)), "cudaMalloc");
  check(cudaHostAlloc(reinterpret_cast<void**>(&index_error_host_), sizeof(unsigned long long), cudaHostAllocDefault),
        "cudaHostAlloc");
}

CudaBackend::~CudaBackend() {
  // Backends live for the whole process (the registry leaks them on purpose); this runs only when
  // a constructor fails half-way or a test owns one.
  if (stream_) cudaStreamSynchronize(stream_);
  if (cublas_) cublasDestroy(cublas_);
  if (index_error_device_) cudaFree(index_error_device_);
  if (index_error_host_) cudaFreeHost(index_error_host_);
  if (stream_) cudaStreamDestroy(stream_);
}

void CudaBackend::activate() const {
  int current = -1;
  if (cudaGetDevice(&current) != cudaSuccess || current != index_) check(cudaSetDevice(index_), "cudaSetDevice");
}

int CudaBackend::blocks_for(std::int64_t n, int threads) const {
  const std::int64_t needed = (n + threads - 1) / threads;
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(needed, std::int64_t{sm_count_} * 32)));
}

void* CudaBackend::allocate(std::size_t bytes) {
  activate();
  return allocator_.allocate(bytes);
}

void CudaBackend::empty_cache() {
  activate();
  check(cudaStreamSynchronize(stream_), "empty_cache");
  allocator_.empty_cache();
}

void CudaBackend::copy_to_host(const void* src, void* host_dst, std::size_t bytes) {
  if (bytes == 0) return;
  activate();
  check(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "copy_to_host");
  check(cudaStreamSynchronize(stream_), "copy_to_host");
}

void CudaBackend::copy_from_host(const void* host_src, void* dst, std::size_t bytes) {
  if (bytes == 0) return;
  activate();
  staging_.copy_to_device(host_src, dst, bytes, stream_);
}

void CudaBackend::copy(const void* src, void* dst, std::size_t bytes) {
  if (bytes == 0 || src == dst) return;
  activate();
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_), "copy");
}

void CudaBackend::synchronize() {
  activate();
  check(cudaStreamSynchronize(stream_), "synchronize");
}

// --- fill and cast ---

namespace {

template <class T>
__global__ void fill_kernel(T* out, std::int64_t n, T value) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) out[i] = value;
}

template <class S, class T>
__global__ void cast_kernel(const S* x, T* out, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) out[i] = convert<T>(x[i]);
}

}  // namespace

void CudaBackend::fill(Out out, double value) {
  const std::int64_t n = out.shape.num_elements();
  visit_dtype(out.dtype, [&]<class T>() {
    if (n == 0) return;
    activate();
    const T v = convert<T>(value);
    if (v == T(0) && !(std::is_floating_point_v<T> && std::signbit(value))) {
      check(cudaMemsetAsync(out.data, 0, static_cast<std::size_t>(n) * sizeof(T), stream_), "fill");
      return;
    }
    launch(*this, "fill", n, fill_kernel<T>, static_cast<T*>(out.data), n, v);
  });
}

void CudaBackend::cast(In x, Out out) {
  check_cast(x, out);
  const std::int64_t n = x.shape.num_elements();
  if (x.dtype == out.dtype) return copy(x.data, out.data, static_cast<std::size_t>(n) * dtype_size(x.dtype));
  visit_dtype(x.dtype, [&]<class S>() {
    visit_dtype(out.dtype, [&]<class T>() {
      if (n == 0) return;
      activate();
      launch(*this, "cast", n, cast_kernel<S, T>, static_cast<const S*>(x.data), static_cast<T*>(out.data), n);
    });
  });
}

// --- copy_strided ---

namespace {

// Up to kMaxDims collapsed dimensions with a source and a destination stride each.
struct StridedPlan {
  int rank = 1;
  std::int64_t dims[kMaxDims] = {};
  std::int64_t src_strides[kMaxDims] = {};
  std::int64_t dst_strides[kMaxDims] = {};
};

// Copies elements of `Bytes` bytes (dtypes of the same size copy alike).
template <class Word>
__global__ void strided_copy_kernel(const Word* src, Word* dst, StridedPlan p, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    std::int64_t flat = i, so = 0, dof = 0;
    for (int d = p.rank - 1; d > 0; --d) {
      const std::int64_t q = flat / p.dims[d];
      const std::int64_t r = flat - q * p.dims[d];
      flat = q;
      so += r * p.src_strides[d];
      dof += r * p.dst_strides[d];
    }
    so += flat * p.src_strides[0];
    dof += flat * p.dst_strides[0];
    dst[dof] = src[so];
  }
}

template <class Word>
void launch_strided(const CudaBackend& be, const void* src, void* dst, const StridedPlan& p, std::int64_t n) {
  launch(be, "copy_strided", n, strided_copy_kernel<Word>, static_cast<const Word*>(src), static_cast<Word*>(dst), p,
         n);
}

}  // namespace

void CudaBackend::copy_strided(const StridedCopyArgs& args) {
  // Size-1 dimensions dropped, dimensions contiguous on both sides merged (as the CPU does).
  const StridedRuns runs = merge_strided_dims(args);
  const std::vector<std::int64_t>& dims = runs.dims;
  const std::vector<std::int64_t>& ss = runs.src_strides;
  const std::vector<std::int64_t>& ds = runs.dst_strides;
  const std::int64_t n = args.shape.num_elements();
  if (n == 0) return;
  const std::size_t elem = dtype_size(args.dtype);
  const auto* src = static_cast<const char*>(args.src) + args.src_offset * static_cast<std::int64_t>(elem);
  auto* dst = static_cast<char*>(args.dst) + args.dst_offset * static_cast<std::int64_t>(elem);
  activate();
  if (dims.size() == 1 && ss[0] == 1 && ds[0] == 1) {
    check(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * elem, cudaMemcpyDeviceToDevice, stream_),
          "copy_strided");
    return;
  }
  if (dims.size() > static_cast<std::size_t>(kMaxDims))
    throw NotImplementedError("copy_strided: more than " + std::to_string(kMaxDims) +
                              " dimensions that cannot be merged are not supported on CUDA (shape " +
                              args.shape.to_string() + ")");
  StridedPlan p;
  p.rank = static_cast<int>(dims.size());
  for (int d = 0; d < p.rank; ++d) p.dims[d] = dims[d], p.src_strides[d] = ss[d], p.dst_strides[d] = ds[d];
  switch (elem) {
    case 1: return launch_strided<std::uint8_t>(*this, src, dst, p, n);
    case 2: return launch_strided<std::uint16_t>(*this, src, dst, p, n);
    case 4: return launch_strided<std::uint32_t>(*this, src, dst, p, n);
    case 8: return launch_strided<std::uint64_t>(*this, src, dst, p, n);
    default: throw DTypeError("copy_strided: unsupported element size " + std::to_string(elem));
  }
}

// --- gather and scatter_add ---

namespace {

constexpr unsigned long long kNoError = ~0ull;


// Records the smallest position whose index is outside [0, limit).
template <class I>
__global__ void check_indices_kernel(const I* idx, std::int64_t count, std::int64_t limit, unsigned long long* first_bad) {
  for (std::int64_t i = thread_index(); i < count; i += thread_count()) {
    const std::int64_t v = idx[i];
    if (v < 0 || v >= limit) atomicMin(first_bad, static_cast<unsigned long long>(i));
  }
}

template <class T, class I>
__global__ void gather_kernel(const T* x, const I* idx, T* out, std::int64_t count, std::int64_t n, std::int64_t inner,
                              std::int64_t total) {
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t c = e % inner, r = e / inner;
    const std::int64_t j = r % count, o = r / count;
    out[e] = x[(o * n + static_cast<std::int64_t>(idx[j])) * inner + c];
  }
}

// out[i] += v for every dtype: native atomics where they exist, a compare-and-swap on the aligned
// 32-bit word holding a byte for uint8 and bool (bool adds as or, as the CPU does).
template <class T>
__device__ void atomic_accumulate(T* address, T value) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    atomicAdd(address, value);
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    atomicAdd(reinterpret_cast<int*>(address), static_cast<int>(value));
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(address), static_cast<unsigned long long>(value));
  } else {
    static_assert(sizeof(T) == 1);
    auto* word = reinterpret_cast<unsigned int*>(reinterpret_cast<std::uintptr_t>(address) & ~std::uintptr_t{3});
    const unsigned int shift = static_cast<unsigned int>(reinterpret_cast<std::uintptr_t>(address) & 3) * 8;
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      const auto byte = static_cast<std::uint8_t>((assumed >> shift) & 0xffu);
      std::uint8_t updated;
      if constexpr (std::is_same_v<T, bool>)
        updated = static_cast<std::uint8_t>((byte != 0) || static_cast<bool>(value));
      else
        updated = static_cast<std::uint8_t>(byte + static_cast<std::uint8_t>(value));
      const unsigned int replaced = (assumed & ~(0xffu << shift)) | (static_cast<unsigned int>(updated) << shift);
      old = atomicCAS(word, assumed, replaced);
    } while (old != assumed);
  }
}

template <class T, class I>
__global__ void scatter_add_kernel(const T* updates, const I* idx, T* out, std::int64_t count, std::int64_t n,
                                   std::int64_t inner, std::int64_t total) {
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t c = e % inner, r = e / inner;
    const std::int64_t j = r % count, o = r / count;
    atomic_accumulate(out + (o * n + static_cast<std::int64_t>(idx[j])) * inner + c, updates[e]);
  }
}

template <class Fn>
void visit_index(const char* op, DType dtype, Fn&& fn) {
  if (dtype == DType::int32) return fn.template operator()<std::int32_t>();
  if (dtype == DType::int64) return fn.template operator()<std::int64_t>();
  throw DTypeError(std::string(op) + ": indices must be int32 or int64, got " + std::string(dtype_name(dtype)));
}

}  // namespace

void CudaBackend::check_indices(const char* op, In indices, std::int64_t limit, int axis) {
  const std::int64_t count = indices.shape.num_elements();
  visit_index(op, indices.dtype, [&]<class I>() {
    if (count == 0) return;
    activate();
    std::lock_guard lock(index_error_mutex_);
    check(cudaMemsetAsync(index_error_device_, 0xff, sizeof(unsigned long long), stream_), op);
    launch(*this, op, count, check_indices_kernel<I>, static_cast<const I*>(indices.data), count, limit,
           index_error_device_);
    check(cudaMemcpyAsync(index_error_host_, index_error_device_, sizeof(unsigned long long), cudaMemcpyDeviceToHost,
                          stream_),
          op);
    check(cudaStreamSynchronize(stream_), op);
    const unsigned long long first_bad = *index_error_host_;
    if (first_bad == kNoError) return;
    I value{};
    check(cudaMemcpyAsync(&value, static_cast<const I*>(indices.data) + first_bad, sizeof(I), cudaMemcpyDeviceToHost,
                          stream_),
          op);
    check(cudaStreamSynchronize(stream_), op);
    throw ValueError(std::string(op) + ": index " + std::to_string(static_cast<std::int64_t>(value)) +
                     " is out of range [0, " + std::to_string(limit) + ") along axis " + std::to_string(axis));
  });
}

void CudaBackend::gather(In x, In indices, int axis, Out out) {
  const AxisSplit s = check_gather(x, indices, axis, out);
  check_indices("gather", indices, s.n, axis);
  const std::int64_t count = indices.shape.num_elements();
  const std::int64_t total = s.outer * count * s.inner;
  if (total == 0) return;
  activate();
  visit_index("gather", indices.dtype, [&]<class I>() {
    visit_dtype(x.dtype, [&]<class T>() {
      launch(*this, "gather", total, gather_kernel<T, I>, static_cast<const T*>(x.data),
             static_cast<const I*>(indices.data), static_cast<T*>(out.data), count, s.n, s.inner, total);
    });
  });
}

void CudaBackend::scatter_add(In updates, In indices, int axis, Out out) {
  const AxisSplit s = check_scatter_add(updates, indices, axis, out);
  check_indices("scatter_add", indices, s.n, axis);
  const std::int64_t count = indices.shape.num_elements();
  const std::int64_t total = s.outer * count * s.inner;
  if (total == 0) return;
  activate();
  visit_index("scatter_add", indices.dtype, [&]<class I>() {
    visit_dtype(out.dtype, [&]<class T>() {
      launch(*this, "scatter_add", total, scatter_add_kernel<T, I>, static_cast<const T*>(updates.data),
             static_cast<const I*>(indices.data), static_cast<T*>(out.data), count, s.n, s.inner, total);
    });
  });
}

// --- random numbers: the CPU's Philox streams, element i from (seed, i) ---

namespace {

template <class T>
__global__ void random_kernel(T* out, std::int64_t n, Distribution dist, std::uint64_t seed, double a, double b) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    const auto index = static_cast<std::uint64_t>(i);
    switch (dist) {
      case Distribution::uniform: {
        const T lo = static_cast<T>(a), hi = static_cast<T>(b);
        const T u = philox::uniform<T>(seed, index);
        // The CPU's expression; both compilers contract it to a fused multiply-add by default.
        T v = lo + (hi - lo) * u;
        if (v >= hi && hi > lo) v = d_nextafter(hi, lo);  // keep [a, b) after rounding
        out[i] = v;
        break;
      }
      case Distribution::normal:
        out[i] = static_cast<T>(a + b * philox::standard_normal(seed, index));
        break;
      case Distribution::truncated_normal:
        out[i] = static_cast<T>(a + b * philox::truncated_standard_normal(seed, index));
        break;
    }
  }
}

}  // namespace

void CudaBackend::random(Distribution dist, std::uint64_t seed, double a, double b, Out out) {
  const std::int64_t n = out.shape.num_elements();
  visit_floating(out.dtype, "random", [&]<class T>() {
    if (n == 0) return;
    activate();
    launch(*this, "random", n, random_kernel<T>, static_cast<T*>(out.data), n, dist, seed, a, b);
  });
}

// --- fused Adam ---

namespace {

template <class T>
__global__ void adam_kernel(T* w, const T* g, T* m, T* v, T* v_max, std::int64_t n, T one_minus_beta_1,
                            T one_minus_beta_2, T alpha, T epsilon) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    const T gi = g[i];
    const T mi = m[i] + (gi - m[i]) * one_minus_beta_1;
    const T vi = v[i] + (gi * gi - v[i]) * one_minus_beta_2;
    m[i] = mi;
    v[i] = vi;
    T v_hat = vi;
    if (v_max) {
      v_hat = v_max[i] < vi ? vi : v_max[i];
      v_max[i] = v_hat;
    }
    w[i] -= mi * alpha / (d_sqrt(v_hat) + epsilon);
  }
}

}  // namespace

void CudaBackend::adam_update(const AdamUpdateArgs& args) {
  visit_floating(args.dtype, "adam_update", [&]<class T>() {
    if (args.size <= 0) return;
    activate();
    launch(*this, "adam_update", args.size, adam_kernel<T>, static_cast<T*>(args.variable),
           static_cast<const T*>(args.grad), static_cast<T*>(args.m), static_cast<T*>(args.v),
           static_cast<T*>(args.v_max), args.size, static_cast<T>(1 - args.beta_1), static_cast<T>(1 - args.beta_2),
           static_cast<T>(args.alpha), static_cast<T>(args.epsilon));
  });
}

}  // namespace strata::backend::cuda
