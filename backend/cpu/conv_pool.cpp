// Convolution and pooling on NHWC buffers. Convolution is im2col + one GEMM per group: the patches
// of every output pixel become the rows of a matrix, and OpenBLAS multiplies it by the kernel seen
// as a (kernel_h * kernel_w * in_channels / groups, filters) matrix, which is exactly Keras's kernel
// layout. The backward pass rebuilds the same patch matrix: dkernel = patches^T dy, and
// dx = col2im(dy kernel^T). The batch is split over the pool's threads by samples, each thread
// walking its samples in cache-sized chunks with its own patch buffer (and its own dkernel sum).
// A 1x1 kernel with stride 1 and no padding skips im2col (the input already is the patch matrix).
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {
namespace {

// Rows of the patch matrix (or pooled output rows) below this many elements stay on one thread.
constexpr std::int64_t kParallelElements = std::int64_t{1} << 15;

// Rows [row_begin, row_end) of the chunk's patch matrix for group `group`; a row is one output
// pixel (sample-major), its columns (p, q, c) as the kernel's first three axes.
template <class T>
void im2col_rows(const ConvArgs& a, const ConvGeometry& g, const T* x, std::int64_t group, std::int64_t first_sample,
                 std::int64_t row_begin, std::int64_t row_end, T* col) {
  for (std::int64_t r = row_begin; r < row_end; ++r) {
    const std::int64_t b = first_sample + r / g.pixels, pixel = r % g.pixels;
    const std::int64_t i = pixel / a.out_w, j = pixel % a.out_w;
    T* dst = col + r * g.k;
    const std::int64_t ix0 = j * a.stride_w - a.pad_left;
    // One group, no dilation along the width, the kernel row inside the input: the row of patches
    // is one contiguous run of kernel_w * channels elements.
    const bool whole_rows = g.cg == a.in_channels && a.dilation_w == 1 && ix0 >= 0 && ix0 + a.kernel_w <= a.in_w;
    for (std::int64_t p = 0; p < a.kernel_h; ++p) {
      const std::int64_t iy = i * a.stride_h + p * a.dilation_h - a.pad_top;
      if (whole_rows && iy >= 0 && iy < a.in_h) {
        const T* src = x + ((b * a.in_h + iy) * a.in_w + ix0) * a.in_channels;
        const std::int64_t n = a.kernel_w * g.cg;
        if (n >= 16) std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(T));
        else for (std::int64_t c = 0; c < n; ++c) dst[c] = src[c];
        dst += n;
        continue;
      }
      for (std::int64_t q = 0; q < a.kernel_w; ++q, dst += g.cg) {
        const std::int64_t ix = j * a.stride_w + q * a.dilation_w - a.pad_left;
        if (iy < 0 || iy >= a.in_h || ix < 0 || ix >= a.in_w) {
          std::fill(dst, dst + g.cg, T(0));
        } else {
          const T* src = x + ((b * a.in_h + iy) * a.in_w + ix) * a.in_channels + group * g.cg;
          if (g.cg >= 16) std::memcpy(dst, src, static_cast<std::size_t>(g.cg) * sizeof(T));
          else for (std::int64_t c = 0; c < g.cg; ++c) dst[c] = src[c];
        }
      }
    }
  }
}

// dx of samples [first_sample, first_sample + samples) += the patch-matrix gradient `dcol` of
// group `group` (the rows of those samples), on the calling thread.
template <class T>
void col2im(const ConvArgs& a, const ConvGeometry& g, const T* dcol, std::int64_t group, std::int64_t first_sample,
            std::int64_t samples, T* dx) {
  const T* src = dcol;
  for (std::int64_t b = first_sample; b < first_sample + samples; ++b)
    for (std::int64_t i = 0; i < a.out_h; ++i)
      for (std::int64_t j = 0; j < a.out_w; ++j)
        for (std::int64_t p = 0; p < a.kernel_h; ++p) {
          const std::int64_t iy = i * a.stride_h + p * a.dilation_h - a.pad_top;
          for (std::int64_t q = 0; q < a.kernel_w; ++q, src += g.cg) {
            const std::int64_t ix = j * a.stride_w + q * a.dilation_w - a.pad_left;
            if (iy < 0 || iy >= a.in_h || ix < 0 || ix >= a.in_w) continue;
            T* dst = dx + ((b * a.in_h + iy) * a.in_w + ix) * a.in_channels + group * g.cg;
            for (std::int64_t c = 0; c < g.cg; ++c) dst[c] += src[c];
          }
        }
}

// A scratch buffer from the backend's caching allocator, given back on scope exit.
class Scratch {
 public:
  Scratch(Backend& backend, std::size_t bytes) : backend_(backend), bytes_(bytes), data_(bytes ? backend.allocate(bytes) : nullptr) {}
  ~Scratch() {
    if (data_) backend_.deallocate(data_, bytes_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(data_); }

 private:
  Backend& backend_;
  std::size_t bytes_;
  void* data_;
};

// Each pool thread takes a contiguous range of samples and works through it in chunks whose patch
// matrix stays about this size, so the patches a chunk writes are still in cache when its GEMMs
// read them; each GEMM is single-threaded (one parallel region, no nested splits).
constexpr std::int64_t kChunkPatchBytes = std::int64_t{1} << 20;

struct SamplePlan {
  int tasks;                 // threads, each with a range of samples
  std::int64_t chunk;        // samples per chunk
  std::int64_t col_elements; // patch matrix elements per thread
};

SamplePlan sample_plan(const ConvArgs& a, const ConvGeometry& g, std::size_t element) {
  const std::int64_t per_sample = std::max<std::int64_t>(1, g.pixels * g.k);
  SamplePlan plan;
  const std::int64_t work = a.batch * per_sample * g.fg;  // multiply-adds per group
  plan.tasks = work >= kParallelElements * 16 ? static_cast<int>(std::min<std::int64_t>(parallel_threads(), a.batch)) : 1;
  plan.chunk = std::clamp<std::int64_t>(kChunkPatchBytes / (per_sample * static_cast<std::int64_t>(element)), 1,
                                        std::max<std::int64_t>(1, (a.batch + plan.tasks - 1) / plan.tasks));
  plan.col_elements = plan.chunk * per_sample;
  return plan;
}

// The samples [begin, end) of task t of n over a batch.
std::pair<std::int64_t, std::int64_t> task_samples(std::int64_t batch, int t, int n) {
  return {batch * t / n, batch * (t + 1) / n};
}

template <class T>
void conv_forward(Backend& be, const ConvArgs& a, const T* x, const T* w, T* y) {
  const ConvGeometry g = conv_geometry(a);
  if (g.direct)  // x is the patch matrix: the GEMM splits itself over the pool
    return be.gemm(conv_forward_gemm(a, g, x, w, y, 0, 0, a.batch));
  const SamplePlan plan = sample_plan(a, g, sizeof(T));
  Scratch cols(be, static_cast<std::size_t>(plan.tasks * plan.col_elements) * sizeof(T));
  parallel_tasks(plan.tasks, [&](int t) {
    T* col = cols.as<T>() + t * plan.col_elements;
    const auto [begin, end] = task_samples(a.batch, t, plan.tasks);
    for (std::int64_t b0 = begin; b0 < end; b0 += plan.chunk) {
      const std::int64_t nb = std::min(plan.chunk, end - b0);
      for (std::int64_t group = 0; group < a.groups; ++group) {
        im2col_rows(a, g, x, group, b0, 0, nb * g.pixels, col);
        be.gemm(conv_forward_gemm(a, g, col, w, y, group, b0, nb));
      }
    }
  });
}

template <class T>
void conv_backward(Backend& be, const ConvArgs& a, const T* x, const T* w, const T* dy, T* dx, T* dw) {
  const ConvGeometry g = conv_geometry(a);
  if (g.direct) return conv_direct_backward(be, a, g, x, w, dy, dx, dw);
  const SamplePlan plan = sample_plan(a, g, sizeof(T));
  const std::int64_t dw_elements = g.k * a.filters;
  // Each thread sums its samples' kernel gradient apart (the first straight into dw); the sums are
  // added at the end.
  const std::int64_t partials = dw ? plan.tasks - 1 : 0;
  Scratch cols(be, static_cast<std::size_t>(plan.tasks * plan.col_elements + partials * dw_elements) * sizeof(T));
  T* partial_base = cols.as<T>() + plan.tasks * plan.col_elements;
  parallel_tasks(plan.tasks, [&](int t) {
    T* col = cols.as<T>() + t * plan.col_elements;
    T* dw_t = t == 0 ? dw : partial_base + (t - 1) * dw_elements;
    const auto [begin, end] = task_samples(a.batch, t, plan.tasks);
    const std::int64_t sample_size = a.in_h * a.in_w * a.in_channels;
    if (dx) std::fill(dx + begin * sample_size, dx + end * sample_size, T(0));
    if (dw && begin == end) std::fill(dw_t, dw_t + dw_elements, T(0));
    for (std::int64_t b0 = begin; b0 < end; b0 += plan.chunk) {
      const std::int64_t nb = std::min(plan.chunk, end - b0);
      for (std::int64_t group = 0; group < a.groups; ++group) {
        if (dw) {  // dw_g (+)= patches^T dy_g
          im2col_rows(a, g, x, group, b0, 0, nb * g.pixels, col);
          be.gemm(conv_kernel_grad_gemm(a, g, col, dy, dw_t, group, b0, nb, b0 == begin ? 0.0 : 1.0));
        }
        if (dx) {  // dpatches = dy_g w_g^T, then scattered back
          be.gemm(conv_patch_grad_gemm(a, g, dy, w, col, group, b0, nb));
          col2im(a, g, col, group, b0, nb, dx);
        }
      }
    }
  });
  for (std::int64_t p = 0; p < partials; ++p) {
    const T* part = partial_base + p * dw_elements;
    for (std::int64_t i = 0; i < dw_elements; ++i) dw[i] += part[i];
  }
}

struct Window {
  std::int64_t y0, y1, x0, x1;  // clipped to the input
  std::int64_t count() const { return std::max<std::int64_t>(0, y1 - y0) * std::max<std::int64_t>(0, x1 - x0); }
};

Window window(const PoolArgs& a, std::int64_t i, std::int64_t j) {
  const std::int64_t y = i * a.stride_h - a.pad_top, x = j * a.stride_w - a.pad_left;
  return {std::max<std::int64_t>(y, 0), std::min(y + a.pool_h, a.in_h), std::max<std::int64_t>(x, 0),
          std::min(x + a.pool_w, a.in_w)};
}

// Windows that tile the input (stride == pool size, no padding): each input element is in at most
// one window.
bool tiled(const PoolArgs& a) {
  return a.stride_h == a.pool_h && a.stride_w == a.pool_w && a.pad_top == 0 && a.pad_left == 0 &&
         a.out_h * a.pool_h <= a.in_h && a.out_w * a.pool_w <= a.in_w;
}

template <class T>
void pool_forward(PoolOp op, const PoolArgs& a, const T* x, T* y) {
  const std::int64_t rows = a.batch * a.out_h, C = a.channels;
  const std::int64_t per_row = std::max<std::int64_t>(1, a.out_w * a.pool_h * a.pool_w * C);
  const std::int64_t grain = std::max<std::int64_t>(1, kParallelElements / per_row);
  parallel_for(
      rows, grain,
      [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
          const std::int64_t b = r / a.out_h, i = r % a.out_h;
          for (std::int64_t j = 0; j < a.out_w; ++j) {
            T* out = y + ((b * a.out_h + i) * a.out_w + j) * C;
            const Window w = window(a, i, j);
            const T init = op == PoolOp::max ? -std::numeric_limits<T>::infinity() : T(0);
            std::fill(out, out + C, init);
            for (std::int64_t yy = w.y0; yy < w.y1; ++yy)
              for (std::int64_t xx = w.x0; xx < w.x1; ++xx) {
                const T* in = x + ((b * a.in_h + yy) * a.in_w + xx) * C;
                if (op == PoolOp::max)
                  for (std::int64_t c = 0; c < C; ++c) out[c] = std::max(out[c], in[c]);
                else
                  for (std::int64_t c = 0; c < C; ++c) out[c] += in[c];
              }
            const std::int64_t n = w.count();
            if (n == 0) std::fill(out, out + C, T(0));
            else if (op == PoolOp::average) {
              const T scale = T(1) / static_cast<T>(n);
              for (std::int64_t c = 0; c < C; ++c) out[c] *= scale;
            }
          }
        }
      },
      2 * grain);
}

// Max pooling whose windows tile the input (Keras's default): each element of dx belongs to at most
// one window, so it is written exactly once (the window's first
// maximum takes dy, the others 0) and only the rows and columns past the last window need clearing.
template <class T>
void max_pool_backward_tiled(const PoolArgs& a, const T* x, const T* dy, T* dx) {
  const std::int64_t C = a.channels, ph = a.pool_h, pw = a.pool_w;
  const std::int64_t covered_h = a.out_h * ph, covered_w = a.out_w * pw;
  const std::int64_t row_size = a.in_w * C, sample_size = a.in_h * row_size;
  parallel_for(
      a.batch, 1,
      [&](std::int64_t begin, std::int64_t end) {
        std::vector<T> best(static_cast<std::size_t>(C)), done(static_cast<std::size_t>(C));
        T* __restrict m = best.data();
        T* __restrict taken = done.data();
        for (std::int64_t b = begin; b < end; ++b) {
          const T* xs = x + b * sample_size;
          T* dxs = dx + b * sample_size;
          std::fill(dxs + covered_h * row_size, dxs + sample_size, T(0));
          if (covered_w < a.in_w)
            for (std::int64_t yy = 0; yy < covered_h; ++yy)
              std::fill(dxs + yy * row_size + covered_w * C, dxs + (yy + 1) * row_size, T(0));
          for (std::int64_t i = 0; i < a.out_h; ++i)
            for (std::int64_t j = 0; j < a.out_w; ++j) {
              const T* __restrict g = dy + ((b * a.out_h + i) * a.out_w + j) * C;
              const std::int64_t corner = (i * ph * a.in_w + j * pw) * C;
              std::fill(m, m + C, -std::numeric_limits<T>::infinity());  // as the general path (NaN skipped)
              for (std::int64_t p = 0; p < ph; ++p)
                for (std::int64_t q = 0; q < pw; ++q) {
                  const T* __restrict in = xs + corner + (p * a.in_w + q) * C;
                  for (std::int64_t c = 0; c < C; ++c) m[c] = std::max(m[c], in[c]);
                }
              std::fill(taken, taken + C, T(0));
              for (std::int64_t p = 0; p < ph; ++p)
                for (std::int64_t q = 0; q < pw; ++q) {
                  const std::int64_t at = corner + (p * a.in_w + q) * C;
                  const T* __restrict in = xs + at;
                  T* __restrict d = dxs + at;
                  for (std::int64_t c = 0; c < C; ++c) {
                    const T hit = in[c] == m[c] ? T(1) - taken[c] : T(0);
                    d[c] = hit * g[c];
                    taken[c] += hit;
                  }
                }
            }
        }
      },
      a.batch * sample_size >= kParallelElements ? 2 : std::numeric_limits<std::int64_t>::max());
}

template <class T>
void pool_backward(PoolOp op, const PoolArgs& a, const T* x, const T* dy, T* dx) {
  if (op == PoolOp::max && tiled(a)) return max_pool_backward_tiled(a, x, dy, dx);
  const std::int64_t C = a.channels;
  const std::int64_t per_sample = a.out_h * a.out_w * a.pool_h * a.pool_w * C;
  const std::int64_t sample_size = a.in_h * a.in_w * C;
  parallel_for(
      a.batch, 1,
      [&](std::int64_t begin, std::int64_t end) {
        // Each thread clears its own samples of dx (a serial fill of the whole batch cost as much
        // as the scatter itself).
        std::fill(dx + begin * sample_size, dx + end * sample_size, T(0));
        std::vector<T> best(static_cast<std::size_t>(C)), done(static_cast<std::size_t>(C));
        for (std::int64_t b = begin; b < end; ++b)
          for (std::int64_t i = 0; i < a.out_h; ++i)
            for (std::int64_t j = 0; j < a.out_w; ++j) {
              const T* g = dy + ((b * a.out_h + i) * a.out_w + j) * C;
              const Window w = window(a, i, j);
              if (w.count() == 0) continue;
              if (op == PoolOp::average) {
                const T scale = T(1) / static_cast<T>(w.count());
                for (std::int64_t yy = w.y0; yy < w.y1; ++yy)
                  for (std::int64_t xx = w.x0; xx < w.x1; ++xx) {
                    T* d = dx + ((b * a.in_h + yy) * a.in_w + xx) * C;
                    for (std::int64_t c = 0; c < C; ++c) d[c] += g[c] * scale;
                  }
                continue;
              }
              // The window's max per channel, then the first element equal to it takes dy
              // (branch-free, so both passes vectorise over channels).
              T* __restrict m = best.data();
              T* __restrict taken = done.data();
              std::fill(m, m + C, -std::numeric_limits<T>::infinity());
              std::fill(taken, taken + C, T(0));
              for (std::int64_t yy = w.y0; yy < w.y1; ++yy)
                for (std::int64_t xx = w.x0; xx < w.x1; ++xx) {
                  const T* __restrict in = x + ((b * a.in_h + yy) * a.in_w + xx) * C;
                  for (std::int64_t c = 0; c < C; ++c) m[c] = std::max(m[c], in[c]);
                }
              for (std::int64_t yy = w.y0; yy < w.y1; ++yy)
                for (std::int64_t xx = w.x0; xx < w.x1; ++xx) {
                  const std::int64_t base = ((b * a.in_h + yy) * a.in_w + xx) * C;
                  const T* __restrict in = x + base;
                  T* __restrict d = dx + base;
                  for (std::int64_t c = 0; c < C; ++c) {
                    const T hit = in[c] == m[c] ? T(1) - taken[c] : T(0);
                    d[c] += hit * g[c];
                    taken[c] += hit;
                  }
                }
            }
      },
      per_sample * a.batch >= kParallelElements ? 2 : std::numeric_limits<std::int64_t>::max());
}

}  // namespace

void CpuBackend::conv2d(const ConvArgs& args, const void* x, const void* kernel, void* y) {
  check_conv(args);
  if (args.batch == 0 || args.out_h == 0 || args.out_w == 0) return;
  visit_floating(args.dtype, "conv2d", [&]<class T>() {
    conv_forward<T>(*this, args, static_cast<const T*>(x), static_cast<const T*>(kernel), static_cast<T*>(y));
  });
}

void CpuBackend::conv2d_backward(const ConvArgs& args, const void* x, const void* kernel, const void* dy, void* dx,
                                 void* dkernel) {
  check_conv(args);
  visit_floating(args.dtype, "conv2d_backward", [&]<class T>() {
    T* dxp = static_cast<T*>(dx);
    T* dwp = static_cast<T*>(dkernel);
    if (args.batch == 0 || args.out_h == 0 || args.out_w == 0) {
      if (dxp) std::fill(dxp, dxp + args.batch * args.in_h * args.in_w * args.in_channels, T(0));
      if (dwp) std::fill(dwp, dwp + args.kernel_h * args.kernel_w * (args.in_channels / args.groups) * args.filters, T(0));
      return;
    }
    conv_backward<T>(*this, args, static_cast<const T*>(x), static_cast<const T*>(kernel), static_cast<const T*>(dy),
                     dxp, dwp);
  });
}

void CpuBackend::pool2d(PoolOp op, const PoolArgs& args, const void* x, void* y) {
  check_pool(args);
  visit_floating(args.dtype, "pool2d",
                 [&]<class T>() { pool_forward<T>(op, args, static_cast<const T*>(x), static_cast<T*>(y)); });
}

void CpuBackend::pool2d_backward(PoolOp op, const PoolArgs& args, const void* x, const void* dy, void* dx) {
  check_pool(args);
  visit_floating(args.dtype, "pool2d_backward", [&]<class T>() {
    pool_backward<T>(op, args, static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<T*>(dx));
  });
}

}  // namespace strata::backend::cpu
