#pragma once
// UpSampling1D/2D/3D: each spatial axis i made size[i] times longer. "nearest" repeats every element
// size[i] times; UpSampling2D's "bilinear" interpolates between the nearest input pixels with
// half-pixel centres (tf.image.resize as Keras 3 and tf.keras 2 use it; torch's
// interpolate(align_corners=False)); in a model read from multi-backend Keras <= 2.3 (or tf.keras on
// TensorFlow 1) it follows TensorFlow 1's resize_bilinear, source = i / size, as those computed it
// (keras_version.hpp). UpSampling1D works on (batch, steps, features); the 2-D and
// 3-D layers are channels_last by default.
#include <string>
#include <vector>

#include "strata/layers/convolutional/conv_utils.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct UpSamplingOptions {
  std::string data_format = "channels_last";  // UpSampling1D: always channels_last, as Keras
  std::string interpolation = "nearest";      // UpSampling2D: "nearest" or "bilinear"
  std::string name;
  DType dtype = float32;
};

class UpSamplingLayer : public Layer {
 public:
  // rank 1, 2 or 3.
  UpSamplingLayer(int rank, const IntTuple& size, UpSamplingOptions options = {});
  Tensor call(const Tensor& inputs) override;
  Shape compute_output_shape(const Shape& input_shape) override;
  Config get_config() const override;
  std::string class_name() const override { return "UpSampling" + std::to_string(rank_) + "D"; }

 private:
  void check_input(const Shape& shape) const;
  int first_spatial_axis() const { return options_.data_format == "channels_last" ? 1 : 2; }
  int rank_;
  std::vector<std::int64_t> size_;
  UpSamplingOptions options_;
  // The version of Keras the layer was read from when its bilinear is TensorFlow 1's (no
  // half-pixel centres); empty otherwise.
  std::string corner_aligned_version_;
};

LayerHandle<UpSamplingLayer> UpSampling1D(const IntTuple& size = 2, UpSamplingOptions options = {});
LayerHandle<UpSamplingLayer> UpSampling2D(const IntTuple& size = 2, UpSamplingOptions options = {});
LayerHandle<UpSamplingLayer> UpSampling3D(const IntTuple& size = 2, UpSamplingOptions options = {});

// The ops the layers use: nearest repeats each element of `axis` `times` times (NumPy's
// repeat); bilinear_resize_axis stretches `axis` to `times` times its length by linear
// interpolation with half-pixel centres, or without them (source = i / times, TensorFlow 1's
// resize_bilinear) when half_pixel is false (both differentiable, composed of gather / broadcast ops).
Tensor repeat_elements(const Tensor& x, std::int64_t times, int axis);
Tensor linear_upsample_axis(const Tensor& x, std::int64_t times, int axis, bool half_pixel = true);

}  // namespace strata::layers
