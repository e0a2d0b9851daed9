#pragma once
// Cropping1D/2D/3D: removes elements before and after each spatial axis. Cropping1D works on
// (batch, steps, features); the 2-D and 3-D layers are channels_last by default.
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"
#include "strata/layers/reshaping/sides.hpp"

namespace strata::layers {

struct CroppingOptions {
  std::string data_format = "channels_last";  // Cropping1D: always channels_last, as Keras
  std::string name;
  DType dtype = float32;
};

class CroppingLayer : public Layer {
 public:
  // rank 1, 2 or 3.
  CroppingLayer(int rank, const Sides& cropping, CroppingOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "Cropping" + std::to_string(rank_) + "D"; }

 private:
  int first_spatial_axis() const { return options_.data_format == "channels_last" ? 1 : 2; }
  int rank_;
  std::vector<SidePair> cropping_;
  CroppingOptions options_;
};

LayerHandle<CroppingLayer> Cropping1D(const Sides& cropping = 1, CroppingOptions options = {});
LayerHandle<CroppingLayer> Cropping2D(const Sides& cropping = 0, CroppingOptions options = {});
LayerHandle<CroppingLayer> Cropping3D(const Sides& cropping = 1, CroppingOptions options = {});

}  // namespace strata::layers
