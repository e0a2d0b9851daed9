#pragma once
// st::lite::convert: a trained Sequential or Functional model as a TensorFlow Lite flatbuffer
// (.tflite, schema version 3), the way TensorFlow's converter writes it, with TFLite's
// post-training quantization options. See models/lite/CONVERTER.md.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {
class Model;
}

namespace strata::lite {

enum class Quantization {
  none,     // float32 weights and activations
  float16,  // float16 weight buffers, DEQUANTIZE to float32 in front of the ops that use them
  dynamic,  // dynamic range: int8 symmetric per-channel weights, float activations (hybrid ops)
  int8,     // full integer: int8 weights and activations, int32 biases; needs representative_data
};

struct ConverterOptions {
  Quantization quantization = Quantization::none;
  // Full integer only: samples shaped as the model's input (batch axis first), run through the model
  // to calibrate each activation's range, as TFLite's representative_dataset.
  Tensor representative_data;
  // Full integer only: int8 input and output tensors (inference_input_type / inference_output_type
  // tf.int8); otherwise float32 ends with QUANTIZE / DEQUANTIZE, as TFLite's default.
  bool int8_io = false;
};

// The bytes of the .tflite file. Throws NotImplementedError listing every layer that has no TFLite
// form, ValueError for a representative dataset that does not fit the model.
std::vector<std::uint8_t> convert(Model& model, const ConverterOptions& options = {});
// Writes the file (atomically); IOError when the path cannot be written.
void convert(Model& model, const std::string& path, const ConverterOptions& options = {});

// Quantization rules shared by the converter and its tests (TFLite's quantization_utils).
struct AffineParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};
// Per-tensor asymmetric int8 from a calibrated range, the range widened to hold 0 and the zero
// point nudged to an integer in [-128, 127] (TFLite's GetAsymmetricQuantizationParams).
AffineParams asymmetric_int8(float min, float max);
// Symmetric int8 scales of each slice along `axis` of a [d0, d1, ...] weight: max|w| / 127.
std::vector<float> symmetric_scales(const std::vector<float>& values, const std::vector<std::int64_t>& shape, int axis);

}  // namespace strata::lite
