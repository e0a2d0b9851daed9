// Reductions over any set of axes, argmax/argmin, and softmax / log-softmax.
//
// A reduction collapses the input into kept and reduced groups of dimensions (as the CPU does),
// then either one thread reduces each output (few elements per output) or blocks do: each block
// reduces a slice of one output's elements in shared memory, and a second pass combines the
// slices of an output in order, so results do not depend on timing. Float inputs accumulate in
// double (a float32 sum of millions of values stays exact to float precision); integers in int64.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "strata/backend/cuda/common.cuh"

namespace strata::backend::cuda {
namespace {

enum class Kind { sum, prod, max, min };

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

template <class A>
__device__ A identity(Kind k) {
  switch (k) {
    case Kind::sum: return A(0);
    case Kind::prod: return A(1);
    case Kind::max:
      if constexpr (std::is_floating_point_v<A>) return -INFINITY;
      else return std::numeric_limits<A>::lowest();
    default:
      if constexpr (std::is_floating_point_v<A>) return INFINITY;
      else return std::numeric_limits<A>::max();
  }
}

// max and min propagate NaN from either side, as the CPU's.
template <class A>
__device__ A combine(Kind k, A a, A b) {
  switch (k) {
    case Kind::sum:
      if constexpr (std::is_integral_v<A>) return A(static_cast<unsigned long long>(a) + static_cast<unsigned long long>(b));
      else return a + b;
    case Kind::prod:
      if constexpr (std::is_integral_v<A>) return A(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
      else return a * b;
    case Kind::max: return (b > a || b != b) ? b : a;
    default: return (b < a || b != b) ? b : a;
  }
}

template <class T, class A>
__device__ T finish(A value, bool mean, std::int64_t count) {
  if (mean) {
    if constexpr (std::is_floating_point_v<A>) value = value / static_cast<A>(count);
    else value = count ? value / count : 0;
  }
  return static_cast<T>(value);
}

// Kept and reduced groups of the input; output `o` starts at kept_offset(o), its elements are at
// reduced_offset(r) from there for r in [0, count).
struct ReducePlan {
  int kept_rank = 0, reduced_rank = 0;
  std::int64_t kept_dims[kMaxDims] = {}, kept_strides[kMaxDims] = {};
  std::int64_t reduced_dims[kMaxDims] = {}, reduced_strides[kMaxDims] = {};
  std::int64_t outputs = 1, count = 1;

  __device__ static std::int64_t offset(std::int64_t flat, int rank, const std::int64_t* dims,
                                        const std::int64_t* strides) {
    std::int64_t off = 0;
    for (int d = rank - 1; d > 0; --d) {
      const std::int64_t q = flat / dims[d];
      off += (flat - q * dims[d]) * strides[d];
      flat = q;
    }
    return rank ? off + flat * strides[0] : 0;
  }
  __device__ std::int64_t kept_offset(std::int64_t o) const { return offset(o, kept_rank, kept_dims, kept_strides); }
  __device__ std::int64_t reduced_offset(std::int64_t r) const {
    return offset(r, reduced_rank, reduced_dims, reduced_strides);
  }
};

ReducePlan plan_reduce(const char* name, const Shape& shape, const std::vector<int>& axes) {
  ReducePlan plan;
  const std::vector<ReduceGroup> groups = reduce_groups(shape, axes);
  for (const auto& g : groups) (g.reduced ? plan.count : plan.outputs) *= g.size;
  for (const auto& g : groups) {
    int& rank = g.reduced ? plan.reduced_rank : plan.kept_rank;
    if (rank == kMaxDims)
      throw NotImplementedError(std::string(name) + ": more than " + std::to_string(kMaxDims) +
                                " alternating groups of reduced and kept axes are not supported on CUDA (shape " +
                                shape.to_string() + ")");
    (g.reduced ? plan.reduced_dims : plan.kept_dims)[rank] = g.size;
    (g.reduced ? plan.reduced_strides : plan.kept_strides)[rank] = g.stride;
    ++rank;
  }
  return plan;
}

// One thread per output.
template <class T>
__global__ void reduce_per_thread_kernel(Kind k, bool mean, ReducePlan p, const T* x, T* out) {
  using A = Acc<T>;
  for (std::int64_t o = thread_index(); o < p.outputs; o += thread_count()) {
    const T* base = x + p.kept_offset(o);
    A acc = identity<A>(k);
    if (p.reduced_rank == 1) {
      const std::int64_t s = p.reduced_strides[0];
      for (std::int64_t r = 0; r < p.count; ++r) acc = combine<A>(k, acc, static_cast<A>(base[r * s]));
    } else {
      for (std::int64_t r = 0; r < p.count; ++r) acc = combine<A>(k, acc, static_cast<A>(base[p.reduced_offset(r)]));
    }
    out[o] = finish<T>(acc, mean, p.count);
  }
}

// Tree reduction of one value per thread in shared memory; thread 0 gets the result.
template <class A>
__device__ A block_reduce(Kind k, A value, A* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shared[threadIdx.x] = combine<A>(k, shared[threadIdx.x], shared[threadIdx.x + half]);
    __syncthreads();
  }
  return shared[0];
}

// Block (output o = blockIdx.x, slice s = blockIdx.y) reduces elements [s * chunk, (s + 1) * chunk)
// of output o; with one slice it writes the result, else the slice's partial.
template <class T>
__global__ void reduce_per_block_kernel(Kind k, bool mean, ReducePlan p, std::int64_t chunk, const T* x, T* out,
                                        Acc<T>* partials) {
  using A = Acc<T>;
  __shared__ A shared[kThreads];
  const std::int64_t o = blockIdx.x;
  const std::int64_t begin = blockIdx.y * chunk, end = min(p.count, begin + chunk);
  const T* base = x + p.kept_offset(o);
  A acc = identity<A>(k);
  for (std::int64_t r = begin + threadIdx.x; r < end; r += blockDim.x)
    acc = combine<A>(k, acc, static_cast<A>(base[p.reduced_offset(r)]));
  acc = block_reduce<A>(k, acc, shared);
  if (threadIdx.x == 0) {
    if (gridDim.y == 1) out[o] = finish<T>(acc, mean, p.count);
    else partials[o * gridDim.y + blockIdx.y] = acc;
  }
}

template <class T>
__global__ void reduce_partials_kernel(Kind k, bool mean, std::int64_t outputs, std::int64_t slices, std::int64_t count,
                                       const Acc<T>* partials, T* out) {
  using A = Acc<T>;
  for (std::int64_t o = thread_index(); o < outputs; o += thread_count()) {
    A acc = identity<A>(k);
    for (std::int64_t s = 0; s < slices; ++s) acc = combine<A>(k, acc, partials[o * slices + s]);
    out[o] = finish<T>(acc, mean, count);
  }
}

// argmax/argmin along one axis: the first index of the extreme value; a NaN counts as the extreme.
template <class T>
__global__ void arg_extreme_kernel(bool is_max, const T* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                                   std::int64_t* out) {
  const std::int64_t total = outer * inner;
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t o = e / inner, j = e - o * inner;
    const T* p = x + o * n * inner + j;
    std::int64_t at = 0;
    if (n > 0) {
      T best = p[0];
      for (std::int64_t i = 1; i < n; ++i) {
        const T v = p[i * inner];
        bool better;
        if constexpr (std::is_floating_point_v<T>) {
          better = !(best != best) && ((v != v) || (is_max ? v > best : v < best));
        } else {
          better = is_max ? v > best : v < best;
        }
        if (better) best = v, at = i;
      }
    }
    out[e] = at;
  }
}

// --- softmax ---

// Rows of n contiguous values, one block per row.
template <class T>
__global__ void softmax_rows_kernel(const T* x, T* y, std::int64_t rows, std::int64_t n, bool log) {
  __shared__ T shared[kThreads];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = x + r * n;
    T* res = y + r * n;
    T m = -INFINITY;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      const T v = row[i];
      m = (v > m || v != v) ? v : m;
    }
    m = block_reduce<T>(Kind::max, m, shared);
    __syncthreads();  // everyone has read shared[0] before it is reused
    if (d_isinf(m)) m = m > T(0) ? m : T(0);
    T s = 0;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      const T e = d_exp(row[i] - m);
      if (!log) res[i] = e;
      s += e;
    }
    s = block_reduce<T>(Kind::sum, s, shared);
    __syncthreads();
    if (log) {
      const T log_sum = d_log(s);
      for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) res[i] = (row[i] - m) - log_sum;
    } else {
      const T scale = T(1) / s;
      for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) res[i] = res[i] * scale;
    }
  }
}

// Strided along the axis: one thread per (outer, inner) column.
template <class T>
__global__ void softmax_columns_kernel(const T* x, T* y, std::int64_t outer, std::int64_t n, std::int64_t inner,
                                       bool log) {
  const std::int64_t total = outer * inner;
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t o = e / inner, j = e - o * inner;
    const T* col = x + o * n * inner + j;
    T* res = y + o * n * inner + j;
    T m = col[0];
    for (std::int64_t i = 1; i < n; ++i) {
      const T v = col[i * inner];
      m = (v > m || v != v) ? v : m;
    }
    if (d_isinf(m)) m = m > T(0) ? m : T(0);
    T s = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const T e2 = d_exp(col[i * inner] - m);
      res[i * inner] = e2;
      s += e2;
    }
    s = log ? d_log(s) : T(1) / s;
    for (std::int64_t i = 0; i < n; ++i)
      res[i * inner] = log ? (col[i * inner] - m) - s : res[i * inner] * s;
  }
}

int block_size_for(std::int64_t n) {
  int threads = 32;
  while (threads < kThreads && threads < n) threads *= 2;
  return threads;
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, In x, const std::vector<int>& axes, Out out) {
  const char* name = reduce_name(op);
  check_reduce(op, x, axes, out);
  if (op == ReduceOp::argmax || op == ReduceOp::argmin) {
    const AxisSplit split = split_at(x.shape, axes[0]);
    const std::int64_t outer = split.outer, n = split.n, inner = split.inner;
    if (outer * inner == 0) return;
    activate();
    visit_dtype(x.dtype, [&]<class T>() {
      if constexpr (!std::is_same_v<T, bool>) {
        launch(*this, name, outer * inner, arg_extreme_kernel<T>, op == ReduceOp::argmax, static_cast<const T*>(x.data),
               outer, n, inner, static_cast<std::int64_t*>(out.data));
      }
    });
    return;
  }
  if (out.shape.num_elements() == 0) return;
  const ReducePlan plan = plan_reduce(name, x.shape, axes);
  const Kind kind = op == ReduceOp::prod  ? Kind::prod
                    : op == ReduceOp::max ? Kind::max
                    : op == ReduceOp::min ? Kind::min
                                          : Kind::sum;
  const bool mean = op == ReduceOp::mean;
  activate();
  visit_dtype(x.dtype, [&]<class T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      const T* src = static_cast<const T*>(x.data);
      T* dst = static_cast<T*>(out.data);
      if (plan.count <= 64) {
        launch(*this, name, plan.outputs, reduce_per_thread_kernel<T>, kind, mean, plan, src, dst);
        return;
      }
      // Slices of at least 2048 elements, enough of them to fill the GPU, at most 1024 per output.
      const std::int64_t wanted = std::max<std::int64_t>(1, (std::int64_t{sm_count_} * 8 + plan.outputs - 1) / plan.outputs);
      const std::int64_t slices =
          std::clamp<std::int64_t>(std::min(wanted, (plan.count + 2047) / 2048), 1, 1024);
      const std::int64_t chunk = (plan.count + slices - 1) / slices;
      if (plan.outputs > 0x7fffffff)
        throw NotImplementedError(std::string(name) + ": more than 2^31 outputs are not supported on CUDA");
      Scratch partials(*this, slices > 1 ? static_cast<std::size_t>(plan.outputs * slices) * sizeof(Acc<T>) : 0);
      const dim3 grid(static_cast<unsigned int>(plan.outputs), static_cast<unsigned int>(slices));
      reduce_per_block_kernel<T><<<grid, kThreads, 0, stream_>>>(kind, mean, plan, chunk, src, dst,
                                                                 partials.as<Acc<T>>());
      check(cudaGetLastError(), name);
      if (slices > 1)
        launch(*this, name, plan.outputs, reduce_partials_kernel<T>, kind, mean, plan.outputs, slices, plan.count,
               partials.as<Acc<T>>(), dst);
    }
  });
}

void CudaBackend::softmax(In x, int axis, bool log, Out out) {
  const char* name = log ? "log_softmax" : "softmax";
  const AxisSplit split = check_softmax(x, axis, log, out);
  const std::int64_t outer = split.outer, n = split.n, inner = split.inner;
  if (outer * n * inner == 0) return;
  visit_floating(x.dtype, name, [&]<class T>() {
    activate();
    const T* src = static_cast<const T*>(x.data);
    T* dst = static_cast<T*>(out.data);
    if (inner == 1) {
      const int threads = block_size_for(n);
      const auto blocks = static_cast<int>(std::min<std::int64_t>(outer, std::int64_t{sm_count_} * 64));
      softmax_rows_kernel<T><<<blocks, threads, 0, stream_>>>(src, dst, outer, n, log);
      check(cudaGetLastError(), name);
      return;
    }
    launch(*this, name, outer * inner, softmax_columns_kernel<T>, src, dst, outer, n, inner, log);
  });
}

}  // namespace strata::backend::cuda
