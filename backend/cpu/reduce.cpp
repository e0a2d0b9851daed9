// Reductions over any set of axes. Dimensions are collapsed into groups that are all reduced or all
// kept; then either the innermost group is reduced (each output reduces contiguous runs) or it is
// kept (each output row accumulates whole rows of the input). Float sums are pairwise over SIMD
// blocks (xsimd), so a float32 sum of a million values stays within ~1e-7 relative of the exact one.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>


#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/simd_reduce.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {
namespace {

// Collapsed view of the input: groups of adjacent dimensions that are all reduced or all kept.
struct ReducePlan {
  std::vector<std::int64_t> kept_dims, kept_strides;        // outer kept groups (output order)
  std::vector<std::int64_t> reduced_dims, reduced_strides;  // reduced groups except an innermost one
  bool inner_reduced = false;
  std::int64_t inner = 1;  // the innermost group's length (contiguous, stride 1)
  std::int64_t count = 1;  // reduced elements per output

  std::int64_t kept_count() const {
    std::int64_t n = 1;
    for (auto d : kept_dims) n *= d;
    return n;
  }
  std::int64_t reduced_runs() const {
    std::int64_t n = 1;
    for (auto d : reduced_dims) n *= d;
    return n;
  }
};

ReducePlan plan_reduce(const Shape& shape, const std::vector<int>& axes) {
  ReducePlan plan;
  std::vector<ReduceGroup> groups = reduce_groups(shape, axes);
  for (const auto& g : groups)
    if (g.reduced) plan.count *= g.size;
  if (groups.empty()) groups.push_back({1, 1, false});
  plan.inner = groups.back().size;
  plan.inner_reduced = groups.back().reduced;
  for (std::size_t i = 0; i + 1 < groups.size(); ++i) {
    auto& dims_out = groups[i].reduced ? plan.reduced_dims : plan.kept_dims;
    auto& strides_out = groups[i].reduced ? plan.reduced_strides : plan.kept_strides;
    dims_out.push_back(groups[i].size);
    strides_out.push_back(groups[i].stride);
  }
  return plan;
}

// The input offset of position `index` of a list of (dims, strides), row-major.
std::int64_t offset_of(std::int64_t index, const std::vector<std::int64_t>& dims,
                       const std::vector<std::int64_t>& strides) {
  std::int64_t offset = 0;
  for (std::size_t d = dims.size(); d-- > 0;) {
    offset += (index % dims[d]) * strides[d];
    index /= dims[d];
  }
  return offset;
}

template <class T, class A>
T finish(A value, ReduceOp op, std::int64_t count) {
  if (op == ReduceOp::mean) {
    if constexpr (std::is_floating_point_v<A>)
      value = value / static_cast<A>(count);
    else
      value = count ? value / count : 0;
  }
  return static_cast<T>(value);
}

template <Kind K, class T>
void reduce_typed(ReduceOp op, const ReducePlan& plan, const T* x, T* out) {
  using A = Acc<T>;
  const std::int64_t outputs = plan.kept_count() * (plan.inner_reduced ? 1 : plan.inner);
  const std::int64_t total = outputs * plan.count;
  if (plan.inner_reduced) {
    const std::int64_t runs = plan.reduced_runs(), run = plan.inner;
    // Pairwise over the runs of one output, each run reduced contiguously.
    auto reduce_runs = [&](auto&& self, std::int64_t base, std::int64_t r0, std::int64_t r1) -> A {
      if (r1 - r0 == 1) return reduce_contiguous<K>(x + base + offset_of(r0, plan.reduced_dims, plan.reduced_strides), run);
      const std::int64_t mid = r0 + (r1 - r0) / 2;
      return combine<K>(self(self, base, r0, mid), self(self, base, mid, r1));
    };
    if (outputs >= 4 * parallel_chunks(total, 1) || total < kParallelThreshold) {
      parallel_for(outputs, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(plan.count, 1)),
                   [&](std::int64_t begin, std::int64_t end) {
                     for (std::int64_t o = begin; o < end; ++o) {
                       const std::int64_t base = offset_of(o, plan.kept_dims, plan.kept_strides);
                       out[o] = finish<T>(runs ? reduce_runs(reduce_runs, base, 0, runs) : identity<K, A>(), op,
                                          plan.count);
                     }
                   },
                   kParallelThreshold / std::max<std::int64_t>(plan.count, 1) + 1);
      return;
    }
    // Few outputs of many elements each: split every output's element space across threads, then
    // combine the partial results in order.
    for (std::int64_t o = 0; o < outputs; ++o) {
      const std::int64_t base = offset_of(o, plan.kept_dims, plan.kept_strides);
      std::mutex mutex;
      std::vector<std::pair<std::int64_t, A>> partials;
      const bool split_runs = runs > 1;
      parallel_for(split_runs ? runs : run, split_runs ? 1 : 4096, [&](std::int64_t begin, std::int64_t end) {
        const A part = split_runs ? reduce_runs(reduce_runs, base, begin, end)
                                  : reduce_contiguous<K>(x + base + begin, end - begin);
        std::lock_guard lock(mutex);
        partials.emplace_back(begin, part);
      }, 0);
      std::sort(partials.begin(), partials.end(), [](const auto& p, const auto& q) { return p.first < q.first; });
      A r = identity<K, A>();
      for (const auto& [begin, part] : partials) r = combine<K>(r, part);
      out[o] = finish<T>(r, op, plan.count);
    }
    return;
  }
  // The innermost group is kept: each output row accumulates whole input rows of `width` values,
  // pairwise over the reduced positions (scratch rows hold the partial sums of each level).
  const std::int64_t width = plan.inner, rows = plan.kept_count(), positions = plan.reduced_runs();
  // One scratch row per level of the recursion that splits (ranges of more than 8 positions).
  std::int64_t levels = 1;
  for (std::int64_t p = positions; p > 8; p = (p + 1) / 2) ++levels;
  auto accumulate = [&](std::int64_t base, std::int64_t c0, std::int64_t c1, A* result) {
    const std::int64_t w = c1 - c0;
    std::vector<A> scratch(static_cast<std::size_t>(w * levels));
    auto level = [&](auto&& self, A* acc, std::int64_t r0, std::int64_t r1, int depth) -> void {
      if (r1 - r0 <= 8) {
        std::fill(acc, acc + w, identity<K, A>());
        for (std::int64_t r = r0; r < r1; ++r) {
          const T* row = x + base + offset_of(r, plan.reduced_dims, plan.reduced_strides) + c0;
          for (std::int64_t c = 0; c < w; ++c) acc[c] = combine<K>(acc[c], static_cast<A>(row[c]));
        }
        return;
      }
      const std::int64_t mid = r0 + (r1 - r0) / 2;
      A* right = scratch.data() + static_cast<std::size_t>(depth) * static_cast<std::size_t>(w);
      self(self, acc, r0, mid, depth + 1);
      self(self, right, mid, r1, depth + 1);
      for (std::int64_t c = 0; c < w; ++c) acc[c] = combine<K>(acc[c], right[c]);
    };
    level(level, result, 0, positions, 0);
  };
  auto write = [&](const std::vector<A>& acc, T* dst) {
    for (std::size_t c = 0; c < acc.size(); ++c) dst[c] = finish<T>(acc[c], op, plan.count);
  };
  if (rows >= parallel_chunks(total, 1) || rows > 1) {
    parallel_for(rows, 1, [&](std::int64_t begin, std::int64_t end) {
      std::vector<A> acc(static_cast<std::size_t>(width));
      for (std::int64_t k = begin; k < end; ++k) {
        accumulate(offset_of(k, plan.kept_dims, plan.kept_strides), 0, width, acc.data());
        write(acc, out + k * width);
      }
    }, kParallelThreshold / std::max<std::int64_t>(width * positions, 1) + 1);
    return;
  }
  // One output row: split its columns across threads.
  parallel_for(width, 64, [&](std::int64_t begin, std::int64_t end) {
    std::vector<A> acc(static_cast<std::size_t>(end - begin));
    accumulate(0, begin, end, acc.data());
    write(acc, out + begin);
  }, kParallelThreshold / std::max<std::int64_t>(positions, 1) + 1);
}

// argmax/argmin along one axis: the first index of the extreme value; a NaN counts as the extreme.
template <bool IsMax, class T>
void arg_extreme(const T* x, std::int64_t outer, std::int64_t n, std::int64_t inner, std::int64_t* out) {
  auto better = [](T v, T best) {
    if constexpr (std::is_floating_point_v<T>) {
      if (best != best) return false;
      if (v != v) return true;
    }
    return IsMax ? v > best : v < best;
  };
  parallel_for(outer, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<T> best(static_cast<std::size_t>(inner));
    for (std::int64_t o = begin; o < end; ++o) {
      const T* block = x + o * n * inner;
      std::int64_t* idx = out + o * inner;
      if (n == 0) {
        std::fill(idx, idx + inner, 0);
        continue;
      }
      if (inner == 1) {
        T b = block[0];
        std::int64_t at = 0;
        for (std::int64_t i = 1; i < n; ++i)
          if (better(block[i], b)) b = block[i], at = i;
        idx[0] = at;
        continue;
      }
      std::copy(block, block + inner, best.begin());
      std::fill(idx, idx + inner, 0);
      for (std::int64_t i = 1; i < n; ++i)
        for (std::int64_t j = 0; j < inner; ++j) {
          const T v = block[i * inner + j];
          if (better(v, best[static_cast<std::size_t>(j)])) best[static_cast<std::size_t>(j)] = v, idx[j] = i;
        }
    }
  }, kParallelThreshold / std::max<std::int64_t>(n * inner, 1) + 1);
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, In x, const std::vector<int>& axes, Out out) {
  check_reduce(op, x, axes, out);
  if (op == ReduceOp::argmax || op == ReduceOp::argmin) {
    const AxisSplit split = split_at(x.shape, axes[0]);
    const std::int64_t outer = split.outer, n = split.n, inner = split.inner;
    if (outer * inner == 0) return;
    visit_dtype(x.dtype, [&]<class T>() {
      if constexpr (!std::is_same_v<T, bool>) {
        auto* idx = static_cast<std::int64_t*>(out.data);
        if (op == ReduceOp::argmax)
          arg_extreme<true>(static_cast<const T*>(x.data), outer, n, inner, idx);
        else
          arg_extreme<false>(static_cast<const T*>(x.data), outer, n, inner, idx);
      }
    });
    return;
  }
  if (out.shape.num_elements() == 0) return;
  const ReducePlan plan = plan_reduce(x.shape, axes);
  visit_dtype(x.dtype, [&]<class T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      const T* src = static_cast<const T*>(x.data);
      T* dst = static_cast<T*>(out.data);
      switch (op) {
        case ReduceOp::sum:
        case ReduceOp::mean: return reduce_typed<Kind::sum>(op, plan, src, dst);
        case ReduceOp::prod: return reduce_typed<Kind::prod>(op, plan, src, dst);
        case ReduceOp::max: return reduce_typed<Kind::max>(op, plan, src, dst);
        case ReduceOp::min: return reduce_typed<Kind::min>(op, plan, src, dst);
        default: break;
      }
    }
  });
}

}  // namespace strata::backend::cpu
