#include "strata/layers/convolutional/conv_utils.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"

namespace strata::layers {

std::vector<std::int64_t> IntTuple::expand(int rank, const std::string& layer, const std::string& what,
                                           std::int64_t minimum) const {
  std::vector<std::int64_t> out = values_.size() == 1 ? std::vector<std::int64_t>(static_cast<std::size_t>(rank), values_[0])
                                                      : values_;
  bool ok = static_cast<int>(out.size()) == rank;
  for (auto v : out) ok = ok && v >= minimum;
  if (!ok) {
    std::string got = "(";
    for (std::size_t i = 0; i < values_.size(); ++i) got += (i ? ", " : "") + std::to_string(values_[i]);
    throw ValueError(layer + ": the `" + what + "` argument must be a tuple of " + std::to_string(rank) +
                     (minimum > 0 ? " positive" : " non-negative") +
                     std::string(" integers (or one integer), got ") + got + ")");
  }
  return out;
}

std::int64_t conv_output_length(std::int64_t input, std::int64_t window, const std::string& padding,
                                std::int64_t stride, std::int64_t dilation) {
  if (input < 0) return -1;
  const std::int64_t dilated = (window - 1) * dilation + 1;
  const std::int64_t length = padding == "valid" ? input - dilated + 1 : input;
  if (length <= 0) return 0;
  return (length + stride - 1) / stride;
}

void check_data_format(const std::string& data_format, const std::string& layer) {
  if (data_format != "channels_last" && data_format != "channels_first")
    throw ValueError(layer + ": data_format must be 'channels_last' or 'channels_first', got '" + data_format + "'");
}

namespace {
std::vector<int> last_perm(int rank) {
  std::vector<int> perm{0};
  for (int i = 2; i < rank; ++i) perm.push_back(i);
  perm.push_back(1);
  return perm;
}
std::vector<int> first_perm(int rank) {
  std::vector<int> perm{0, rank - 1};
  for (int i = 1; i < rank - 1; ++i) perm.push_back(i);
  return perm;
}
Shape permuted(const Shape& s, const std::vector<int>& perm) {
  Shape out;
  for (int p : perm) out.push_back(s[static_cast<std::size_t>(p)]);
  return out;
}
}  // namespace

Tensor to_channels_last(const Tensor& x) { return transpose(x, last_perm(x.rank())); }
Tensor to_channels_first(const Tensor& x) { return transpose(x, first_perm(x.rank())); }
Shape to_channels_last(const Shape& shape) { return permuted(shape, last_perm(shape.rank())); }
Shape to_channels_first(const Shape& shape) { return permuted(shape, first_perm(shape.rank())); }

Config tuple_config(const std::vector<std::int64_t>& values) {
  Config c = Config::array();
  for (auto v : values) c.push_back(v);
  return c;
}

}  // namespace strata::layers
