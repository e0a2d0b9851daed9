#pragma once
// Reductions over any set of axes (all axes by default), with keepdims.
#include <initializer_list>
#include <optional>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {

// Which axes to reduce: all of them (the default), one axis, or a list. Negative axes count from
// the end.
class Axes {
 public:
  Axes() = default;
  Axes(int axis) : axes_(std::vector<int>{axis}) {}
  Axes(std::initializer_list<int> axes) : axes_(std::vector<int>(axes)) {}
  Axes(std::vector<int> axes) : axes_(std::move(axes)) {}
  bool all() const { return !axes_.has_value(); }
  // Sorted, unique, non-negative axes for a tensor of `shape`; throws ValueError naming `op`.
  std::vector<int> resolve(const Shape& shape, const char* op) const;

 private:
  std::optional<std::vector<int>> axes_;
};

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor prod(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// log(sum(exp(x))), computed stably.
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// Index (int64) of the largest / smallest value along one axis; not differentiable.
Tensor argmax(const Tensor& x, int axis = -1, bool keepdims = false);
Tensor argmin(const Tensor& x, int axis = -1, bool keepdims = false);

}  // namespace strata
