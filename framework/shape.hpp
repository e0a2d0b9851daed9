#pragma once
// A tensor shape: a list of dimensions. -1 marks a dimension that is not known yet (printed None),
// as in a symbolic Keras shape such as (None, 28, 28).
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace strata {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}
  template <class It>
  Shape(It first, It last) : dims_(first, last) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  std::size_t size() const { return dims_.size(); }
  bool empty() const { return dims_.empty(); }
  std::int64_t operator[](std::size_t i) const { return dims_[i]; }
  std::int64_t& operator[](std::size_t i) { return dims_[i]; }
  std::int64_t back() const { return dims_.back(); }
  std::int64_t front() const { return dims_.front(); }
  // Dimension by a possibly negative index (-1 is the last); throws ValueError when out of range.
  std::int64_t dim(int axis) const;

  // Product of the dimensions (1 for a scalar); -1 when some dimension is unknown.
  std::int64_t num_elements() const;
  bool is_fully_defined() const;

  const std::vector<std::int64_t>& dims() const { return dims_; }
  auto begin() const { return dims_.begin(); }
  auto end() const { return dims_.end(); }
  void push_back(std::int64_t d) { dims_.push_back(d); }

  // "(2, 3)", "(5,)", "()", "(None, 10)"
  std::string to_string() const;

  friend bool operator==(const Shape&, const Shape&) = default;

 private:
  std::vector<std::int64_t> dims_;
};

std::ostream& operator<<(std::ostream& os, const Shape& shape);

// Row-major strides in elements.
std::vector<std::int64_t> contiguous_strides(const Shape& shape);

// The NumPy broadcast of two shapes; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Resolves a possibly negative axis against a rank; throws ValueError naming `op` and the shape.
int normalize_axis(int axis, int rank, const char* op, const Shape& shape);

}  // namespace strata
