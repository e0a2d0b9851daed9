#pragma once
// Keras's `padding` / `cropping` argument of ZeroPadding1D/2D/3D and Cropping1D/2D/3D: one int
// (every side of every axis), one int per spatial axis (the same before and after), one
// (before, after) pair per axis, or for the 1-D layers one (before, after) pair.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "strata/framework/config.hpp"

namespace strata::layers {

using SidePair = std::pair<std::int64_t, std::int64_t>;

class Sides {
 public:
  Sides(std::int64_t value) : ints_{value} {}
  Sides(std::initializer_list<std::int64_t> values) : ints_(values) {}
  Sides(std::vector<std::int64_t> values) : ints_(std::move(values)) {}
  Sides(std::initializer_list<SidePair> pairs) : pairs_(pairs) {}
  Sides(std::vector<SidePair> pairs) : pairs_(std::move(pairs)) {}
  // One (before, after) pair per axis, all non-negative; ValueError naming the layer otherwise.
  std::vector<SidePair> expand(int rank, const std::string& layer, const std::string& what) const;
  // From a config value: an int, a list of ints, or a list of pairs.
  static Sides from_config(const Config& value);

 private:
  std::vector<std::int64_t> ints_;
  std::vector<SidePair> pairs_;
};

// Keras's config form: (before, after) for one axis, ((before, after), ...) for several.
Config sides_config(const std::vector<SidePair>& sides);

}  // namespace strata::layers
