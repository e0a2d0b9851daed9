#include "strata/framework/shape.hpp"

#include <string>

#include "strata/framework/errors.hpp"

namespace strata {

std::int64_t Shape::dim(int axis) const {
  return dims_[static_cast<std::size_t>(normalize_axis(axis, rank(), "Shape::dim", *this))];
}

std::int64_t Shape::num_elements() const {
  std::int64_t n = 1;
  for (auto d : dims_) {
    if (d < 0) return -1;
    // Shapes can come from untrusted model configs: an overflow is an error, not wrap-around.
    if (__builtin_mul_overflow(n, d, &n)) throw ShapeError("The shape " + to_string() + " has too many elements");
  }
  return n;
}

bool Shape::is_fully_defined() const {
  for (auto d : dims_)
    if (d < 0) return false;
  return true;
}

std::string Shape::to_string() const {
  std::string s = "(";
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ", ";
    s += dims_[i] < 0 ? "None" : std::to_string(dims_[i]);
  }
  if (dims_.size() == 1) s += ",";
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape.to_string(); }

std::vector<std::int64_t> contiguous_strides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size());
  std::int64_t stride = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    strides[static_cast<std::size_t>(i)] = stride;
    stride *= shape[static_cast<std::size_t>(i)];
  }
  return strides;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const std::int64_t da = ia >= 0 ? a[static_cast<std::size_t>(ia)] : 1;
    const std::int64_t db = ib >= 0 ? b[static_cast<std::size_t>(ib)] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": incompatible shapes " + a.to_string() + " and " + b.to_string() +
                       " for broadcasting: dimension " + std::to_string(da) + " and " + std::to_string(db) +
                       " differ at axis " + std::to_string(i - rank));
    dims[static_cast<std::size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(std::move(dims));
}

int normalize_axis(int axis, int rank, const char* op, const Shape& shape) {
  if (axis < -rank || axis >= rank || (rank == 0))
    throw ValueError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                     std::to_string(rank) + " (shape " + shape.to_string() + ")");
  return axis < 0 ? axis + rank : axis;
}

}  // namespace strata
