#pragma once
// What convolution and pooling layers share: Keras's int-or-tuple arguments, output lengths, and
// the move between channels_first and channels_last.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::layers {

// An int or a tuple of ints, as Keras's kernel_size=3 or kernel_size=(3, 3).
class IntTuple {
 public:
  IntTuple() = default;
  IntTuple(std::int64_t value) : values_{value} {}
  IntTuple(std::initializer_list<std::int64_t> values) : values_(values) {}
  IntTuple(std::vector<std::int64_t> values) : values_(std::move(values)) {}
  bool empty() const { return values_.empty(); }
  // `rank` values: one value repeated, or exactly `rank` values >= minimum (positive by default);
  // ValueError naming the layer class and the argument otherwise.
  std::vector<std::int64_t> expand(int rank, const std::string& layer, const std::string& what,
                                   std::int64_t minimum = 1) const;

 private:
  std::vector<std::int64_t> values_;
};

// Keras's conv_output_length: the output length along one axis (-1 stays unknown).
std::int64_t conv_output_length(std::int64_t input, std::int64_t window, const std::string& padding,
                                std::int64_t stride, std::int64_t dilation = 1);

// Checks data_format ("channels_last" or "channels_first"); ValueError naming the layer otherwise.
void check_data_format(const std::string& data_format, const std::string& layer);
// channels_first (batch, channels, spatial...) <-> channels_last (batch, spatial..., channels).
Tensor to_channels_last(const Tensor& x);
Tensor to_channels_first(const Tensor& x);
Shape to_channels_last(const Shape& shape);
Shape to_channels_first(const Shape& shape);

Config tuple_config(const std::vector<std::int64_t>& values);

}  // namespace strata::layers
