// copy_strided, gather and scatter_add.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {
namespace {

// Reads the indices as int64 and checks each against [0, limit).
std::vector<std::int64_t> checked_indices(const char* op, In indices, std::int64_t limit, int axis) {
  const std::int64_t count = indices.shape.num_elements();
  std::vector<std::int64_t> result(static_cast<std::size_t>(count));
  auto check = [&](auto* p) {
    for (std::int64_t i = 0; i < count; ++i) {
      const std::int64_t v = p[i];
      if (v < 0 || v >= limit)
        throw ValueError(std::string(op) + ": index " + std::to_string(v) + " is out of range [0, " +
                         std::to_string(limit) + ") along axis " + std::to_string(axis));
      result[static_cast<std::size_t>(i)] = v;
    }
  };
  if (indices.dtype == DType::int32)
    check(static_cast<const std::int32_t*>(indices.data));
  else if (indices.dtype == DType::int64)
    check(static_cast<const std::int64_t*>(indices.data));
  else
    throw DTypeError(std::string(op) + ": indices must be int32 or int64, got " +
                     std::string(dtype_name(indices.dtype)));
  return result;
}


}  // namespace

void CpuBackend::copy_strided(const StridedCopyArgs& args) {
  // Size-1 dimensions dropped, dimensions contiguous on both sides merged.
  const StridedRuns runs = merge_strided_dims(args);
  const std::vector<std::int64_t>& dims = runs.dims;
  const std::vector<std::int64_t>& src_strides = runs.src_strides;
  const std::vector<std::int64_t>& dst_strides = runs.dst_strides;
  if (args.shape.num_elements() == 0) return;
  const std::size_t elem = dtype_size(args.dtype);
  const auto* src = static_cast<const char*>(args.src) + args.src_offset * static_cast<std::int64_t>(elem);
  auto* dst = static_cast<char*>(args.dst) + args.dst_offset * static_cast<std::int64_t>(elem);
  const std::size_t outer = dims.size() - 1;
  const std::int64_t run = dims.back(), ss = src_strides.back(), ds = dst_strides.back();
  std::int64_t rows = 1;
  for (std::size_t d = 0; d < outer; ++d) rows *= dims[d];

  visit_dtype(args.dtype, [&]<class T>() {
    const T* s = reinterpret_cast<const T*>(src);
    T* t = reinterpret_cast<T*>(dst);
    auto copy_run = [&](std::int64_t so, std::int64_t dof, std::int64_t begin, std::int64_t end) {
      if (ss == 1 && ds == 1) {
        std::memcpy(t + dof + begin, s + so + begin, static_cast<std::size_t>(end - begin) * sizeof(T));
      } else if (ss == 0) {
        const T v = s[so];
        for (std::int64_t i = begin; i < end; ++i) t[dof + i * ds] = v;
      } else {
        for (std::int64_t i = begin; i < end; ++i) t[dof + i * ds] = s[so + i * ss];
      }
    };
    if (rows == 1) {
      parallel_for(run, 4096, [&](std::int64_t begin, std::int64_t end) { copy_run(0, 0, begin, end); });
      return;
    }
    if (ds == 1 && ss != 1 && ss != 0 && src_strides[outer - 1] == 1) {
      // A transpose of the two innermost dimensions: copy 32 x 32 tiles so that both the strided
      // reads and the contiguous writes stay in cache.
      constexpr std::int64_t kTile = 32;
      const std::int64_t p_size = dims[outer - 1], p_dst = dst_strides[outer - 1];
      const std::int64_t p_tiles = (p_size + kTile - 1) / kTile;
      const std::size_t batch_dims = outer - 1;
      std::int64_t batches = 1;
      for (std::size_t d = 0; d < batch_dims; ++d) batches *= dims[d];
      parallel_for(batches * p_tiles, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t tile = begin; tile < end; ++tile) {
          std::int64_t rest = tile / p_tiles, so = 0, dof = 0;
          for (std::size_t d = batch_dims; d-- > 0;) {
            so += (rest % dims[d]) * src_strides[d];
            dof += (rest % dims[d]) * dst_strides[d];
            rest /= dims[d];
          }
          const std::int64_t p0 = (tile % p_tiles) * kTile, p1 = std::min(p_size, p0 + kTile);
          for (std::int64_t q0 = 0; q0 < run; q0 += kTile) {
            const std::int64_t q1 = std::min(run, q0 + kTile);
            for (std::int64_t p = p0; p < p1; ++p)
              for (std::int64_t q = q0; q < q1; ++q) t[dof + p * p_dst + q] = s[so + p + q * ss];
          }
        }
      }, kParallelThreshold / (kTile * std::max<std::int64_t>(run, 1)) + 1);
      return;
    }
    parallel_for(rows, std::max<std::int64_t>(1, 4096 / run), [&](std::int64_t begin, std::int64_t end) {
      std::vector<std::int64_t> index(outer, 0);
      std::int64_t so = 0, dof = 0, rest = begin;
      for (std::size_t d = outer; d-- > 0;) {
        index[d] = rest % dims[d];
        rest /= dims[d];
        so += index[d] * src_strides[d];
        dof += index[d] * dst_strides[d];
      }
      for (std::int64_t r = begin; r < end; ++r) {
        copy_run(so, dof, 0, run);
        for (std::size_t d = outer; d-- > 0;) {
          so += src_strides[d];
          dof += dst_strides[d];
          if (++index[d] < dims[d]) break;
          so -= dims[d] * src_strides[d];
          dof -= dims[d] * dst_strides[d];
          index[d] = 0;
        }
      }
    }, kParallelThreshold / std::max<std::int64_t>(run, 1) + 1);
  });
}

void CpuBackend::gather(In x, In indices, int axis, Out out) {
  const AxisSplit s = check_gather(x, indices, axis, out);
  const auto idx = checked_indices("gather", indices, s.n, axis);
  const auto count = static_cast<std::int64_t>(idx.size());
  const std::size_t elem = dtype_size(x.dtype);
  const auto* src = static_cast<const char*>(x.data);
  auto* dst = static_cast<char*>(out.data);
  const std::size_t block = static_cast<std::size_t>(s.inner) * elem;
  const auto row = [&](std::int64_t r) {
    return src + static_cast<std::size_t>((r / count) * s.n + idx[static_cast<std::size_t>(r % count)]) * block;
  };
  // Rows of a few KiB at random places (a shuffled batch of images) come from memory one stream
  // at a time: asking for the rows two ahead keeps more of them in flight.
  constexpr std::int64_t kAhead = 2;
  const bool prefetch = block >= 512;
  const auto fetch = [&](std::int64_t r) {
    const char* p = row(r);
    for (std::size_t b = 0; b < block; b += 64) __builtin_prefetch(p + b);
  };
  parallel_for(s.outer * count, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(s.inner, 1)),
               [&](std::int64_t begin, std::int64_t end) {
                 if (prefetch)
                   for (std::int64_t r = begin; r < std::min(end, begin + kAhead); ++r) fetch(r);
                 for (std::int64_t r = begin; r < end; ++r) {
                   if (prefetch && r + kAhead < end) fetch(r + kAhead);
                   std::memcpy(dst + static_cast<std::size_t>(r) * block, row(r), block);
                 }
               },
               kParallelThreshold / std::max<std::int64_t>(s.inner, 1) + 1);
}

void CpuBackend::scatter_add(In updates, In indices, int axis, Out out) {
  const AxisSplit s = check_scatter_add(updates, indices, axis, out);
  const auto idx = checked_indices("scatter_add", indices, s.n, axis);
  const auto count = static_cast<std::int64_t>(idx.size());
  visit_dtype(out.dtype, [&]<class T>() {
    const T* u = static_cast<const T*>(updates.data);
    T* o = static_cast<T*>(out.data);
    auto add = [](T a, T b) -> T {
      if constexpr (std::is_same_v<T, bool>)
        return a || b;
      else
        return static_cast<T>(a + b);
    };
    // Threads own disjoint outer blocks (or disjoint column ranges), so repeated indices never race.
    auto scatter = [&](std::int64_t o0, std::int64_t o1, std::int64_t c0, std::int64_t c1) {
      for (std::int64_t b = o0; b < o1; ++b)
        for (std::int64_t j = 0; j < count; ++j) {
          const T* src = u + (b * count + j) * s.inner;
          T* dst = o + (b * s.n + idx[static_cast<std::size_t>(j)]) * s.inner;
          for (std::int64_t c = c0; c < c1; ++c) dst[c] = add(dst[c], src[c]);
        }
    };
    const std::int64_t work = s.outer * count * s.inner;
    if (s.outer > 1 || work < kParallelThreshold) {
      parallel_for(s.outer, 1, [&](std::int64_t b, std::int64_t e) { scatter(b, e, 0, s.inner); },
                   kParallelThreshold / std::max<std::int64_t>(count * s.inner, 1) + 1);
    } else {
      parallel_for(s.inner, 256, [&](std::int64_t b, std::int64_t e) { scatter(0, 1, b, e); });
    }
  });
}

}  // namespace strata::backend::cpu
