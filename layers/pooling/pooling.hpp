#pragma once
// MaxPooling1D/2D/3D and AveragePooling1D/2D/3D: the max or mean of each pool_size window, moved by
// strides (pool_size by default). channels_last by default; with padding 'same' the average counts
// only the input elements of a window, as Keras.
#include <string>
#include <vector>

#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct PoolingOptions {
  IntTuple strides = {};  // pool_size when empty
  std::string padding = "valid";
  std::string data_format = "channels_last";
  std::string name;
};

enum class PoolingKind { max, average };

class PoolingLayer : public Layer {
 public:
  // rank 1, 2 or 3.
  PoolingLayer(int rank, PoolingKind kind, const IntTuple& pool_size, PoolingOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override;

 private:
  void check_input(const Shape& shape) const;
  int rank_;
  PoolingKind kind_;
  std::vector<std::int64_t> pool_size_, strides_;
  PoolingOptions options_;
};

LayerHandle<PoolingLayer> MaxPooling1D(const IntTuple& pool_size = 2, PoolingOptions options = {});
LayerHandle<PoolingLayer> MaxPooling2D(const IntTuple& pool_size = 2, PoolingOptions options = {});
LayerHandle<PoolingLayer> AveragePooling1D(const IntTuple& pool_size = 2, PoolingOptions options = {});
LayerHandle<PoolingLayer> AveragePooling2D(const IntTuple& pool_size = 2, PoolingOptions options = {});
LayerHandle<PoolingLayer> MaxPooling3D(const IntTuple& pool_size = 2, PoolingOptions options = {});
LayerHandle<PoolingLayer> AveragePooling3D(const IntTuple& pool_size = 2, PoolingOptions options = {});

}  // namespace strata::layers
