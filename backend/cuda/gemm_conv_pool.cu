// GEMM through cuBLAS, convolution as im2col + cuBLAS GEMM, and pooling, on NHWC buffers.
//
// cuBLAS is column-major: a row-major C = op(A) op(B) is the column-major C^T = op(B)^T op(A)^T, so
// the call swaps the operands (and m with n) and keeps every leading dimension. Float32 runs in
// full precision (CUBLAS_COMPUTE_32F) unless TF32 is allowed (backend/cuda_options.hpp).
//
// Convolution follows the CPU backend step for step, so both give the same sums: the patch matrix
// of a chunk of samples (one row per output pixel, columns (p, q, c) in Keras's kernel order) times
// the kernel seen as a (kernel_h * kernel_w * in_channels / groups, filters) matrix, one GEMM per
// group. The backward pass forms dkernel = patches^T dy and dx = col2im(dy kernel^T); col2im and
// the pooling gradients gather (each input element sums the windows that read it) rather than
// scatter, so they need no atomics and give the same result on every run.
#include <algorithm>
#include <climits>
#include <string>

#include "strata/backend/cuda/common.cuh"
#include "strata/backend/cuda_options.hpp"

namespace strata::backend::cuda {
namespace {

// --- GEMM ---

template <class T>
__global__ void gemm_scale_kernel(T* c, std::int64_t m, std::int64_t n, std::int64_t ldc, std::int64_t stride_c,
                                  std::int64_t total, T beta) {
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t j = e % n, t = e / n, r = t % m, b = t / m;
    T& v = c[b * stride_c + r * ldc + j];
    v = beta == T(0) ? T(0) : beta * v;
  }
}

// C = relu?(C + bias) after the product.
template <class T>
__global__ void gemm_epilogue_kernel(T* c, std::int64_t m, std::int64_t n, std::int64_t ldc, std::int64_t stride_c,
                                     std::int64_t total, const T* bias, bool relu) {
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t j = e % n, t = e / n, r = t % m, b = t / m;
    T& v = c[b * stride_c + r * ldc + j];
    const T s = v + (bias ? bias[j] : T(0));
    v = relu && s < T(0) ? T(0) : s;
  }
}

void check_int(const char* what, std::int64_t value) {
  if (value > INT_MAX)
    throw NotImplementedError(std::string("gemm: ") + what + " = " + std::to_string(value) +
                              " exceeds cuBLAS's 32-bit sizes");
}

}  // namespace

void CudaBackend::gemm(const GemmArgs& g) {
  check_gemm(g);
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  visit_floating(g.dtype, "gemm", [&]<class T>() {
    activate();
    T* c = static_cast<T*>(g.c);
    const std::int64_t total = g.batch * g.m * g.n;
    if (g.k == 0 || g.alpha == 0.0) {
      // No products: C = beta * C (exactly zero when beta is 0, whatever C held).
      launch(*this, "gemm", total, gemm_scale_kernel<T>, c, g.m, g.n, g.ldc, g.stride_c, total,
             static_cast<T>(g.beta));
    } else {
      check_int("m", g.m), check_int("n", g.n), check_int("k", g.k), check_int("batch", g.batch);
      check_int("lda", g.lda), check_int("ldb", g.ldb), check_int("ldc", g.ldc);
      const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
      constexpr bool is_float = sizeof(T) == 4;
      const cudaDataType_t type = is_float ? CUDA_R_32F : CUDA_R_64F;
      const cublasComputeType_t compute =
          is_float ? (cuda_allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
      // Row-major C = op(A) op(B) as column-major C^T = op(B)^T op(A)^T.
      const cublasOperation_t op_b = g.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
      const cublasOperation_t op_a = g.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
      const int m = static_cast<int>(g.n), n = static_cast<int>(g.m), k = static_cast<int>(g.k);
      std::lock_guard lock(cublas_mutex_);
      if (g.batch == 1) {
        check_cublas(cublasGemmEx(cublas_, op_b, op_a, m, n, k, &alpha, g.b, type, static_cast<int>(g.ldb), g.a, type,
                                  static_cast<int>(g.lda), &beta, c, type, static_cast<int>(g.ldc), compute,
                                  CUBLAS_GEMM_DEFAULT),
                     "gemm (cublasGemmEx)");
      } else {
        check_cublas(cublasGemmStridedBatchedEx(cublas_, op_b, op_a, m, n, k, &alpha, g.b, type,
                                                static_cast<int>(g.ldb), g.stride_b, g.a, type, static_cast<int>(g.lda),
                                                g.stride_a, &beta, c, type, static_cast<int>(g.ldc), g.stride_c,
                                                static_cast<int>(g.batch), compute, CUBLAS_GEMM_DEFAULT),
                     "gemm (cublasGemmStridedBatchedEx)");
      }
    }
    if (g.bias || g.relu)
      launch(*this, "gemm", total, gemm_epilogue_kernel<T>, c, g.m, g.n, g.ldc, g.stride_c, total,
             static_cast<const T*>(g.bias), g.relu);
  });
}

// --- convolution ---

namespace {

// The patch matrix of a chunk is kept under this size (the chunk shrinks to fit).
constexpr std::int64_t kPatchBytes = std::int64_t{256} << 20;

// Element e of an NHWC buffer of h x w pixels of c channels: (sample, row, column, channel).
struct Nhwc {
  std::int64_t b, y, x, c;
};
__device__ inline Nhwc nhwc_at(std::int64_t e, std::int64_t h, std::int64_t w, std::int64_t c) {
  const std::int64_t pixel = e / c, x = pixel % w, row = pixel / w;
  return {row / h, row % h, x, e % c};
}

// Patch matrix rows of samples [first, first + samples) for `group`.
template <class T>
__global__ void im2col_kernel(ConvArgs a, ConvGeometry g, const T* x, std::int64_t group, std::int64_t first,
                              std::int64_t total, T* col) {
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const std::int64_t row = e / g.k, column = e - row * g.k;
    const std::int64_t c = column % g.cg, pq = column / g.cg;
    const std::int64_t q = pq % a.kernel_w, p = pq / a.kernel_w;
    const std::int64_t b = first + row / g.pixels, pixel = row % g.pixels;
    const std::int64_t i = pixel / a.out_w, j = pixel % a.out_w;
    const std::int64_t iy = i * a.stride_h + p * a.dilation_h - a.pad_top;
    const std::int64_t ix = j * a.stride_w + q * a.dilation_w - a.pad_left;
    col[e] = (iy < 0 || iy >= a.in_h || ix < 0 || ix >= a.in_w)
                 ? T(0)
                 : x[((b * a.in_h + iy) * a.in_w + ix) * a.in_channels + group * g.cg + c];
  }
}

// dx of samples [first, first + samples), channels of `group` = the sum of the patch-matrix
// gradients that read each element.
template <class T>
__global__ void col2im_kernel(ConvArgs a, ConvGeometry g, const T* dcol, std::int64_t group, std::int64_t first,
                              std::int64_t total, T* dx) {
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const auto [local, iy, ix, c] = nhwc_at(e, a.in_h, a.in_w, g.cg);
    T sum = 0;
    for (std::int64_t p = 0; p < a.kernel_h; ++p) {
      const std::int64_t ty = iy + a.pad_top - p * a.dilation_h;
      if (ty < 0) break;
      if (ty % a.stride_h) continue;
      const std::int64_t i = ty / a.stride_h;
      if (i >= a.out_h) continue;
      for (std::int64_t q = 0; q < a.kernel_w; ++q) {
        const std::int64_t tx = ix + a.pad_left - q * a.dilation_w;
        if (tx < 0) break;
        if (tx % a.stride_w) continue;
        const std::int64_t j = tx / a.stride_w;
        if (j >= a.out_w) continue;
        sum += dcol[((local * a.out_h + i) * a.out_w + j) * g.k + (p * a.kernel_w + q) * g.cg + c];
      }
    }
    dx[(((first + local) * a.in_h + iy) * a.in_w + ix) * a.in_channels + group * g.cg + c] = sum;
  }
}

std::int64_t chunk_samples(const ConvArgs& a, const ConvGeometry& g, std::size_t element) {
  const std::int64_t per_sample = std::max<std::int64_t>(1, g.pixels * g.k * static_cast<std::int64_t>(element));
  return std::clamp<std::int64_t>(kPatchBytes / per_sample, 1, std::max<std::int64_t>(a.batch, 1));
}

template <class T>
void conv_forward(CudaBackend& be, const ConvArgs& a, const T* x, const T* w, T* y) {
  const ConvGeometry g = conv_geometry(a);
  if (g.direct) return be.gemm(conv_forward_gemm(a, g, x, w, y, 0, 0, a.batch));
  const std::int64_t chunk = chunk_samples(a, g, sizeof(T));
  Scratch col(be, static_cast<std::size_t>(chunk * g.pixels * g.k) * sizeof(T));
  for (std::int64_t b0 = 0; b0 < a.batch; b0 += chunk) {
    const std::int64_t nb = std::min(chunk, a.batch - b0);
    for (std::int64_t group = 0; group < a.groups; ++group) {
      const std::int64_t total = nb * g.pixels * g.k;
      launch(be, "conv2d", total, im2col_kernel<T>, a, g, x, group, b0, total, col.as<T>());
      be.gemm(conv_forward_gemm(a, g, col.as<T>(), w, y, group, b0, nb));
    }
  }
}

template <class T>
void conv_backward(CudaBackend& be, const ConvArgs& a, const T* x, const T* w, const T* dy, T* dx, T* dw) {
  const ConvGeometry g = conv_geometry(a);
  if (g.direct) return conv_direct_backward(be, a, g, x, w, dy, dx, dw);
  const std::int64_t chunk = chunk_samples(a, g, sizeof(T));
  Scratch col(be, static_cast<std::size_t>(chunk * g.pixels * g.k) * sizeof(T));
  for (std::int64_t b0 = 0; b0 < a.batch; b0 += chunk) {
    const std::int64_t nb = std::min(chunk, a.batch - b0);
    for (std::int64_t group = 0; group < a.groups; ++group) {
      if (dw) {  // dw_g (+)= patches^T dy_g
        const std::int64_t total = nb * g.pixels * g.k;
        launch(be, "conv2d_backward", total, im2col_kernel<T>, a, g, x, group, b0, total, col.as<T>());
        be.gemm(conv_kernel_grad_gemm(a, g, col.as<T>(), dy, dw, group, b0, nb, b0 == 0 ? 0.0 : 1.0));
      }
      if (dx) {  // dpatches = dy_g w_g^T, then gathered back
        be.gemm(conv_patch_grad_gemm(a, g, dy, w, col.as<T>(), group, b0, nb));
        const std::int64_t total = nb * a.in_h * a.in_w * g.cg;
        launch(be, "conv2d_backward", total, col2im_kernel<T>, a, g, col.as<T>(), group, b0, total, dx);
      }
    }
  }
}

}  // namespace

void CudaBackend::conv2d(const ConvArgs& args, const void* x, const void* kernel, void* y) {
  check_conv(args);
  if (args.batch == 0 || args.out_h == 0 || args.out_w == 0) return;
  visit_floating(args.dtype, "conv2d", [&]<class T>() {
    activate();
    conv_forward<T>(*this, args, static_cast<const T*>(x), static_cast<const T*>(kernel), static_cast<T*>(y));
  });
}

void CudaBackend::conv2d_backward(const ConvArgs& args, const void* x, const void* kernel, const void* dy, void* dx,
                                  void* dkernel) {
  check_conv(args);
  visit_floating(args.dtype, "conv2d_backward", [&]<class T>() {
    activate();
    T* dxp = static_cast<T*>(dx);
    T* dwp = static_cast<T*>(dkernel);
    if (args.batch == 0 || args.out_h == 0 || args.out_w == 0) {
      if (dxp)
        check(cudaMemsetAsync(dxp, 0, static_cast<std::size_t>(args.batch * args.in_h * args.in_w * args.in_channels) * sizeof(T),
                              stream_),
              "conv2d_backward");
      if (dwp)
        check(cudaMemsetAsync(dwp, 0,
                              static_cast<std::size_t>(args.kernel_h * args.kernel_w * (args.in_channels / args.groups) *
                                                       args.filters) * sizeof(T),
                              stream_),
              "conv2d_backward");
      return;
    }
    conv_backward<T>(*this, args, static_cast<const T*>(x), static_cast<const T*>(kernel), static_cast<const T*>(dy),
                     dxp, dwp);
  });
}

// --- pooling ---

namespace {

struct Window {
  std::int64_t y0, y1, x0, x1;  // clipped to the input
  __device__ std::int64_t count() const {
    return (y1 > y0 ? y1 - y0 : 0) * (x1 > x0 ? x1 - x0 : 0);
  }
};

__device__ Window window(const PoolArgs& a, std::int64_t i, std::int64_t j) {
  const std::int64_t y = i * a.stride_h - a.pad_top, x = j * a.stride_w - a.pad_left;
  return {y > 0 ? y : 0, min(y + a.pool_h, a.in_h), x > 0 ? x : 0, min(x + a.pool_w, a.in_w)};
}

template <class T>
__global__ void pool_forward_kernel(bool is_max, PoolArgs a, const T* x, T* y, std::int64_t total) {
  const std::int64_t C = a.channels;
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const auto [b, i, j, c] = nhwc_at(e, a.out_h, a.out_w, C);
    const Window w = window(a, i, j);
    T out = is_max ? T(-INFINITY) : T(0);
    for (std::int64_t yy = w.y0; yy < w.y1; ++yy)
      for (std::int64_t xx = w.x0; xx < w.x1; ++xx) {
        const T v = x[((b * a.in_h + yy) * a.in_w + xx) * C + c];
        if (is_max) out = out < v ? v : out;
        else out += v;
      }
    const std::int64_t n = w.count();
    if (n == 0) out = T(0);
    else if (!is_max) out *= T(1) / static_cast<T>(n);
    y[e] = out;
  }
}

// dx[b, yy, xx, c] = the sum over the windows that hold (yy, xx) of their dy share: 1 / count for
// average pooling; for max pooling all of it when (yy, xx) is the first largest element.
template <class T>
__global__ void pool_backward_kernel(bool is_max, PoolArgs a, const T* x, const T* dy, T* dx, std::int64_t total) {
  const std::int64_t C = a.channels;
  for (std::int64_t e = thread_index(); e < total; e += thread_count()) {
    const auto [b, py, px, c] = nhwc_at(e, a.in_h, a.in_w, C);
    const std::int64_t lo_i = py + a.pad_top - a.pool_h + 1, lo_j = px + a.pad_left - a.pool_w + 1;
    const std::int64_t i0 = lo_i <= 0 ? 0 : (lo_i + a.stride_h - 1) / a.stride_h;
    const std::int64_t j0 = lo_j <= 0 ? 0 : (lo_j + a.stride_w - 1) / a.stride_w;
    const std::int64_t i1 = min(a.out_h - 1, (py + a.pad_top) / a.stride_h);
    const std::int64_t j1 = min(a.out_w - 1, (px + a.pad_left) / a.stride_w);
    T sum = 0;
    for (std::int64_t i = i0; i <= i1; ++i)
      for (std::int64_t j = j0; j <= j1; ++j) {
        const Window w = window(a, i, j);
        const std::int64_t n = w.count();
        if (n == 0) continue;
        const T g = dy[((b * a.out_h + i) * a.out_w + j) * C + c];
        if (!is_max) {
          sum += g * (T(1) / static_cast<T>(n));
          continue;
        }
        T m = T(-INFINITY);
        for (std::int64_t yy = w.y0; yy < w.y1; ++yy)
          for (std::int64_t xx = w.x0; xx < w.x1; ++xx) {
            const T v = x[((b * a.in_h + yy) * a.in_w + xx) * C + c];
            m = m < v ? v : m;
          }
        bool mine = false, found = false;
        for (std::int64_t yy = w.y0; yy < w.y1 && !found; ++yy)
          for (std::int64_t xx = w.x0; xx < w.x1 && !found; ++xx)
            if (x[((b * a.in_h + yy) * a.in_w + xx) * C + c] == m) {
              found = true;
              mine = yy == py && xx == px;
            }
        if (mine) sum += g;
      }
    dx[e] = sum;
  }
}

}  // namespace

void CudaBackend::pool2d(PoolOp op, const PoolArgs& args, const void* x, void* y) {
  check_pool(args);
  visit_floating(args.dtype, "pool2d", [&]<class T>() {
    const std::int64_t total = args.batch * args.out_h * args.out_w * args.channels;
    if (total == 0) return;
    activate();
    launch(*this, "pool2d", total, pool_forward_kernel<T>, op == PoolOp::max, args, static_cast<const T*>(x),
           static_cast<T*>(y), total);
  });
}

void CudaBackend::pool2d_backward(PoolOp op, const PoolArgs& args, const void* x, const void* dy, void* dx) {
  check_pool(args);
  visit_floating(args.dtype, "pool2d_backward", [&]<class T>() {
    const std::int64_t total = args.batch * args.in_h * args.in_w * args.channels;
    if (total == 0) return;
    activate();
    launch(*this, "pool2d_backward", total, pool_backward_kernel<T>, op == PoolOp::max, args,
           static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<T*>(dx), total);
  });
}

}  // namespace strata::backend::cuda
