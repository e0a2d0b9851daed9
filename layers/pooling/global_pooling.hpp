#pragma once
// GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D: the max or mean over the spatial axes,
// (batch, channels), or (batch, 1, [1,] channels) with keepdims.
#include <string>

#include "strata/layers/layer.hpp"
#include "strata/layers/pooling/pooling.hpp"

namespace strata::layers {

struct GlobalPoolingOptions {
  std::string data_format = "channels_last";
  bool keepdims = false;
  std::string name;
};

class GlobalPoolingLayer : public Layer {
 public:
  GlobalPoolingLayer(int rank, PoolingKind kind, GlobalPoolingOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override;

 private:
  void check_input(const Shape& shape) const;
  std::vector<int> spatial_axes() const;
  int rank_;
  PoolingKind kind_;
  GlobalPoolingOptions options_;
};

LayerHandle<GlobalPoolingLayer> GlobalMaxPooling1D(GlobalPoolingOptions options = {});
LayerHandle<GlobalPoolingLayer> GlobalMaxPooling2D(GlobalPoolingOptions options = {});
LayerHandle<GlobalPoolingLayer> GlobalAveragePooling1D(GlobalPoolingOptions options = {});
LayerHandle<GlobalPoolingLayer> GlobalAveragePooling2D(GlobalPoolingOptions options = {});
LayerHandle<GlobalPoolingLayer> GlobalMaxPooling3D(GlobalPoolingOptions options = {});
LayerHandle<GlobalPoolingLayer> GlobalAveragePooling3D(GlobalPoolingOptions options = {});

}  // namespace strata::layers
