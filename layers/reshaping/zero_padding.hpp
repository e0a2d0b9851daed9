#pragma once
// ZeroPadding1D/2D/3D: zeros added before and after each spatial axis. ZeroPadding1D works on
// (batch, steps, features); the 2-D and 3-D layers are channels_last by default.
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"
#include "strata/layers/reshaping/sides.hpp"

namespace strata::layers {

struct ZeroPaddingOptions {
  std::string data_format = "channels_last";  // ZeroPadding1D: always channels_last, as Keras
  std::string name;
  DType dtype = float32;
};

class ZeroPaddingLayer : public Layer {
 public:
  // rank 1, 2 or 3.
  ZeroPaddingLayer(int rank, const Sides& padding, ZeroPaddingOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "ZeroPadding" + std::to_string(rank_) + "D"; }
  const std::vector<SidePair>& padding() const { return padding_; }

 private:
  std::vector<SidePair> all_axes(const Shape& shape) const;
  int rank_;
  std::vector<SidePair> padding_;
  ZeroPaddingOptions options_;
};

LayerHandle<ZeroPaddingLayer> ZeroPadding1D(const Sides& padding = 1, ZeroPaddingOptions options = {});
LayerHandle<ZeroPaddingLayer> ZeroPadding2D(const Sides& padding = 1, ZeroPaddingOptions options = {});
LayerHandle<ZeroPaddingLayer> ZeroPadding3D(const Sides& padding = 1, ZeroPaddingOptions options = {});

}  // namespace strata::layers
