#pragma once
// The backend interface: the kernels every device implements, and the registry that finds the
// backend serving a device. Kernels work on contiguous row-major buffers that live on the backend's
// own device; they know nothing of autodiff, layers or Tensor handles. This header must stay free
// of xtensor, BLAS and CUDA includes: it is public, and a third-party backend implements it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/framework/device.hpp"
#include "strata/framework/dtype.hpp"
#include "strata/framework/shape.hpp"

namespace strata::backend {

// A read-only operand: `data` points at shape.num_elements() elements of `dtype` on the device.
struct In {
  const void* data;
  const Shape& shape;
  DType dtype;
};

// A result buffer, allocated by the caller with exactly shape.num_elements() elements.
struct Out {
  void* data;
  const Shape& shape;
  DType dtype;
};

// Elementwise ops of one operand. The output dtype equals the input's (logical_not: bool -> bool).
// `alpha` is the slope of leaky_relu and the alpha of elu; other ops ignore it.
enum class UnaryOp {
  negative, abs, sign, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p,
  sin, cos, tanh, sigmoid, erf, floor, ceil, round,
  relu, relu6, leaky_relu, elu, selu, softplus, softsign, gelu, gelu_tanh, hard_sigmoid, swish,
  logical_not,
};

// Elementwise ops of two operands with NumPy broadcasting: both inputs have the same dtype and
// shapes that broadcast to out.shape. Comparisons and logical ops write bool; the rest write the
// input dtype. Integer divide rounds toward negative infinity (Python's //) and gives 0 for a
// zero divisor rather than trapping.
enum class BinaryOp {
  add, subtract, multiply, divide, pow, maximum, minimum,
  equal, not_equal, less, less_equal, greater, greater_equal,
  logical_and, logical_or, logical_xor,
};

// Reductions over a set of axes. The output keeps reduced axes as size 1 (keepdims), so
// out.shape has x's rank. argmax/argmin reduce exactly one axis and write int64 (first index of
// the extreme value). mean of an integer tensor truncates.
enum class ReduceOp { sum, mean, max, min, prod, argmax, argmin };

enum class Distribution {
  uniform,           // [a, b)
  normal,            // mean a, standard deviation b
  truncated_normal,  // mean a, standard deviation b, redrawn outside two standard deviations
};

// C = alpha * op(A) * op(B) + beta * C for `batch` row-major matrices (float32 or float64).
// op(A) is m x k, op(B) is k x n, C is m x n. lda/ldb/ldc are row strides in elements; stride_* is
// the distance in elements between consecutive matrices of the batch (0 repeats one matrix).
struct GemmArgs {
  DType dtype = DType::float32;
  bool transpose_a = false, transpose_b = false;
  std::int64_t batch = 1, m = 0, n = 0, k = 0;
  const void* a = nullptr;
  std::int64_t lda = 0, stride_a = 0;
  const void* b = nullptr;
  std::int64_t ldb = 0, stride_b = 0;
  void* c = nullptr;
  std::int64_t ldc = 0, stride_c = 0;
  double alpha = 1.0, beta = 0.0;
  // Epilogue on every C: C = relu?(C + bias), bias a row of n values of `dtype` (null: none). Dense
  // layers use it so that bias and activation cost no extra kernel and no extra pass over memory.
  const void* bias = nullptr;
  bool relu = false;
};

// The general N-d copy: for every index i of `shape`,
//   dst[dst_offset + sum(i_d * dst_strides[d])] = src[src_offset + sum(i_d * src_strides[d])]
// with offsets and strides counted in elements (a source stride of 0 broadcasts). It implements
// transpose, slicing, concatenation, padding, stacking and broadcast_to.
struct StridedCopyArgs {
  DType dtype = DType::float32;
  Shape shape;
  const void* src = nullptr;
  std::int64_t src_offset = 0;
  std::vector<std::int64_t> src_strides;
  void* dst = nullptr;
  std::int64_t dst_offset = 0;
  std::vector<std::int64_t> dst_strides;
};

// A 2-D convolution on channels_last (NHWC) buffers, cross-correlation as Keras and TensorFlow:
//   x (batch, in_h, in_w, in_channels), kernel (kernel_h, kernel_w, in_channels / groups, filters),
//   y (batch, out_h, out_w, filters)
//   y[b, i, j, g * fg + f] = sum_{p, q, c} x[b, i * stride_h + p * dilation_h - pad_top,
//                                          j * stride_w + q * dilation_w - pad_left, g * cg + c]
//                            * kernel[p, q, c, g * fg + f]
// with cg = in_channels / groups, fg = filters / groups; positions outside the input read zero, so
// padding below and right is implied by out_h / out_w. A 1-D convolution is one of height 1.
struct ConvArgs {
  DType dtype = DType::float32;
  std::int64_t batch = 0, in_h = 0, in_w = 0, in_channels = 0;
  std::int64_t out_h = 0, out_w = 0, filters = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  std::int64_t pad_top = 0, pad_left = 0;
  std::int64_t groups = 1;
  // Forward epilogue (conv2d only): y = relu?(y + bias), bias a row of `filters` values of `dtype`
  // (null: none).
  const void* bias = nullptr;
  bool relu = false;
};

// 2-D pooling on NHWC buffers: x (batch, in_h, in_w, channels), y (batch, out_h, out_w, channels).
// Window (i, j) covers rows i * stride_h - pad_top + [0, pool_h) and the same for columns; padded
// positions are left out (of the max, and of the average's count, as TensorFlow's 'same').
struct PoolArgs {
  DType dtype = DType::float32;
  std::int64_t batch = 0, in_h = 0, in_w = 0, channels = 0, out_h = 0, out_w = 0;
  std::int64_t pool_h = 1, pool_w = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
};

enum class PoolOp { max, average };

// One Adam step over `size` elements of a variable and its slots, in place (a fused optimizer
// update: one pass over memory instead of a dozen elementwise kernels). Keras's formula:
//   m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
//   v_hat = v_max ? (*v_max = max(*v_max, v)) : v;  variable -= m * alpha / (sqrt(v_hat) + epsilon)
// with alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t). All buffers share `dtype`.
struct AdamUpdateArgs {
  void* variable;
  const void* grad;
  void* m;
  void* v;
  void* v_max;  // null unless amsgrad
  std::int64_t size;
  DType dtype;
  double alpha, beta_1, beta_2, epsilon;
};

// One step of a fused elementwise program: a UnaryOp (operand a) or a BinaryOp (a, b) applied to
// the program's inputs (index >= 0) or to an earlier step's result (index -1 - step).
struct FusedStep {
  bool unary = true;
  int op = 0;  // UnaryOp or BinaryOp
  double alpha = 0.0;
  int a = 0, b = 0;
};

// out = the last step's result over `count` elements of `dtype` (a float type; every step keeps
// it). Each input has `count` elements, or one when input_scalar[i] (broadcast). A traced graph
// fuses chains of elementwise kernels into one such call: one pass over memory, intermediates in
// a small scratch.
struct FusedElementwiseArgs {
  DType dtype = DType::float32;
  std::int64_t count = 0;
  std::vector<const void*> inputs;
  std::vector<bool> input_scalar;
  std::vector<FusedStep> steps;
  void* out = nullptr;
};

// Counters of a device's caching allocator.
struct MemoryStats {
  std::uint64_t system_allocations = 0;  // blocks obtained from the system (malloc, cudaMalloc)
  std::uint64_t requests = 0;            // allocate() calls
  std::uint64_t cache_hits = 0;          // requests served from the cache
  std::size_t bytes_in_use = 0;
  std::size_t bytes_cached = 0;          // free blocks held for reuse
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;

  // --- memory (through the device's caching allocator) ---
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) noexcept = 0;
  virtual MemoryStats memory_stats() const = 0;
  virtual void empty_cache() = 0;  // gives cached free blocks back to the system
  virtual void copy_to_host(const void* src, void* host_dst, std::size_t bytes) = 0;
  virtual void copy_from_host(const void* host_src, void* dst, std::size_t bytes) = 0;
  virtual void copy(const void* src, void* dst, std::size_t bytes) = 0;  // on this device
  virtual void synchronize() = 0;  // waits for queued work (a no-op on the CPU)

  // --- kernels ---
  virtual void fill(Out out, double value) = 0;
  virtual void cast(In x, Out out) = 0;  // to out.dtype; to bool: nonzero -> true
  virtual void unary(UnaryOp op, In x, Out out, double alpha = 0.0) = 0;
  virtual void binary(BinaryOp op, In a, In b, Out out) = 0;
  virtual void where(In condition, In a, In b, Out out) = 0;  // bool condition; broadcasting
  // `axes` are sorted, unique and non-negative.
  virtual void reduce(ReduceOp op, In x, const std::vector<int>& axes, Out out) = 0;
  virtual void gemm(const GemmArgs& args) = 0;
  virtual void copy_strided(const StridedCopyArgs& args) = 0;
  // out = x taken at `indices` (int32 or int64) along `axis`:
  // out.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:].
  // Throws ValueError naming the bad index when one is outside [0, x.shape[axis]).
  virtual void gather(In x, In indices, int axis, Out out) = 0;
  // The adjoint of gather: out[..., indices[j], ...] += updates[..., j, ...]; `out` holds the
  // starting values (usually zeros) and has the shape of gather's `x`.
  virtual void scatter_add(In updates, In indices, int axis, Out out) = 0;
  // Softmax (or log-softmax) along `axis`, stable for large inputs.
  virtual void softmax(In x, int axis, bool log, Out out) = 0;
  // Counter-based random numbers (Philox4x32-10, see backend/philox.hpp): element i depends only
  // on (seed, i), so every backend draws the same values for the same seed.
  virtual void random(Distribution dist, std::uint64_t seed, double a, double b, Out out) = 0;

  // --- convolution and pooling (NHWC) ---
  virtual void conv2d(const ConvArgs& args, const void* x, const void* kernel, void* y) = 0;
  // The gradients of conv2d given dy: dx (the input's shape) and dkernel (the kernel's shape),
  // overwritten; either may be null when not wanted (`x` may then be null for dx alone, `kernel`
  // for dkernel alone).
  virtual void conv2d_backward(const ConvArgs& args, const void* x, const void* kernel, const void* dy, void* dx,
                               void* dkernel) = 0;
  virtual void pool2d(PoolOp op, const PoolArgs& args, const void* x, void* y) = 0;
  // dx (x's shape, overwritten) from dy; max pooling routes each dy to the first largest element of
  // its window in x (average pooling ignores x, which may be null).
  virtual void pool2d_backward(PoolOp op, const PoolArgs& args, const void* x, const void* dy, void* dx) = 0;

  // --- fused optimizer updates ---
  virtual void adam_update(const AdamUpdateArgs& args) = 0;

  // --- fused elementwise programs ---
  // The default runs the steps through unary / binary in chunks of kFusedChunk elements, with the
  // intermediates in scratch memory of the device; a backend may override it with one kernel.
  virtual void fused_elementwise(const FusedElementwiseArgs& args);
  static constexpr std::int64_t kFusedChunk = 2048;

 protected:
  // Elements [begin, begin + n) of a fused program, n <= kFusedChunk, with scratch[s] holding
  // kFusedChunk elements for each step s but the last.
  void run_fused_chunk(const FusedElementwiseArgs& args, std::int64_t begin, std::int64_t n, void* const* scratch);
};

// --- registry ---

struct BackendFactory {
  std::function<int()> device_count;                          // devices of this type present now
  std::function<std::unique_ptr<Backend>(int index)> create;  // throws DeviceError with the reason
  // Optional: why there is no device of this type when device_count() is 0 (e.g. CUDA's "no CUDA
  // capable device is detected"); get_backend puts it in its error.
  std::function<std::string()> unavailable_reason = {};
};

// Registers a backend under a device type name ("cpu", "cuda", or a third party's).
void register_backend(const std::string& type, BackendFactory factory);
bool is_registered(const std::string& type);
// The backend serving `device`, created on first use; throws DeviceError saying why when none can.
Backend& get_backend(const Device& device);
// Every device the registered backends report.
std::vector<Device> list_devices();

}  // namespace strata::backend
