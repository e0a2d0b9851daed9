#pragma once
// NumPy broadcasting as loops: the output (contiguous) is walked as rows of an innermost run, and
// each input steps through it with its own strides (0 along broadcast dimensions). Dimensions that
// are contiguous for every operand are collapsed first, so same-shape operands become one flat run
// and a row or column operand becomes a two-level loop.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/backend/cpu/thread_pool.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/shape.hpp"

namespace strata::backend::cpu {

template <std::size_t N>
struct BroadcastPlan {
  std::vector<std::int64_t> dims;                       // collapsed output dimensions (at least one)
  std::array<std::vector<std::int64_t>, N> strides;     // per input, in elements
  std::int64_t rows() const {
    std::int64_t r = 1;
    for (std::size_t d = 0; d + 1 < dims.size(); ++d) r *= dims[d];
    return r;
  }
  std::int64_t run() const { return dims.back(); }
};

template <std::size_t N>
BroadcastPlan<N> plan_broadcast(const char* op, const Shape& out, const std::array<const Shape*, N>& inputs) {
  const int rank = out.rank();
  BroadcastPlan<N> plan;
  std::vector<std::int64_t> dims;
  std::array<std::vector<std::int64_t>, N> strides;
  std::array<std::vector<std::int64_t>, N> full;  // per input, aligned to the output's rank
  for (std::size_t i = 0; i < N; ++i) {
    const Shape& s = *inputs[i];
    if (s.rank() > rank)
      throw ShapeError(std::string(op) + ": operand of shape " + s.to_string() + " does not broadcast to " +
                       out.to_string());
    full[i].assign(static_cast<std::size_t>(rank), 0);
    std::int64_t stride = 1;
    for (int d = rank - 1, e = s.rank() - 1; d >= 0; --d, --e) {
      const std::int64_t extent = e >= 0 ? s[static_cast<std::size_t>(e)] : 1;
      if (extent != 1 && extent != out[static_cast<std::size_t>(d)])
        throw ShapeError(std::string(op) + ": operand of shape " + s.to_string() + " does not broadcast to " +
                         out.to_string());
      full[i][static_cast<std::size_t>(d)] = extent == 1 ? 0 : stride;
      stride *= extent;
    }
  }
  for (int d = 0; d < rank; ++d) {
    const std::int64_t extent = out[static_cast<std::size_t>(d)];
    if (extent == 1) continue;
    bool merge = !dims.empty();
    for (std::size_t i = 0; i < N && merge; ++i)
      merge = strides[i].back() == full[i][static_cast<std::size_t>(d)] * extent;
    if (merge) {
      dims.back() *= extent;
      for (std::size_t i = 0; i < N; ++i) strides[i].back() = full[i][static_cast<std::size_t>(d)];
    } else {
      dims.push_back(extent);
      for (std::size_t i = 0; i < N; ++i) strides[i].push_back(full[i][static_cast<std::size_t>(d)]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    for (std::size_t i = 0; i < N; ++i) strides[i].push_back(0);
  }
  plan.dims = std::move(dims);
  plan.strides = std::move(strides);
  return plan;
}

// Calls fn(out_offset, in_offsets, length, inner_strides) for every innermost run of the output,
// splitting the runs (or, for a single run, the run itself) across threads when large.
template <std::size_t N, class Fn>
void for_each_run(const BroadcastPlan<N>& plan, Fn&& fn, std::int64_t threshold = kParallelThreshold) {
  const std::int64_t run = plan.run();
  const std::int64_t rows = plan.rows();
  std::array<std::int64_t, N> inner;
  for (std::size_t i = 0; i < N; ++i) inner[i] = plan.strides[i].back();
  if (rows == 1) {
    parallel_for(
        run, 4096,
        [&](std::int64_t begin, std::int64_t end) {
          std::array<std::int64_t, N> offsets;
          for (std::size_t i = 0; i < N; ++i) offsets[i] = begin * inner[i];
          fn(begin, offsets, end - begin, inner);
        },
        threshold);
    return;
  }
  const std::size_t outer = plan.dims.size() - 1;
  const std::int64_t grain = std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(run, 1));
  parallel_for(
      rows, grain,
      [&](std::int64_t begin, std::int64_t end) {
        // The multi-index of row `begin`, then step it like an odometer.
        std::vector<std::int64_t> index(outer, 0);
        std::array<std::int64_t, N> offsets{};
        std::int64_t rest = begin;
        for (std::size_t d = outer; d-- > 0;) {
          index[d] = rest % plan.dims[d];
          rest /= plan.dims[d];
          for (std::size_t i = 0; i < N; ++i) offsets[i] += index[d] * plan.strides[i][d];
        }
        for (std::int64_t r = begin; r < end; ++r) {
          fn(r * run, offsets, run, inner);
          for (std::size_t d = outer; d-- > 0;) {
            for (std::size_t i = 0; i < N; ++i) offsets[i] += plan.strides[i][d];
            if (++index[d] < plan.dims[d]) break;
            for (std::size_t i = 0; i < N; ++i) offsets[i] -= plan.dims[d] * plan.strides[i][d];
            index[d] = 0;
          }
        }
      },
      threshold / std::max<std::int64_t>(run, 1) + 1);
}

}  // namespace strata::backend::cpu
