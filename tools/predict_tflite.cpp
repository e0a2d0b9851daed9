// `strata predict model.tflite --input x.npy --output y.npy`: runs a TFLite file with
// st::lite::Interpreter. The .npy inputs hold real values (float); an int8 model input is quantized
// with its scale and zero point, and int8 outputs are written dequantized, as float32.
#include <algorithm>
#include <cmath>
#include <iostream>

#include "cli.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/framework/errors.hpp"
#include "strata/backend/cpu/lite/quantized_math.hpp"
#include "strata/models/lite/interpreter.hpp"
#include "strata/strata.hpp"

namespace strata::cli {
namespace {

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

// Samples [begin, begin + batch) of x as the bytes of a model input of type `type` (zeros past the end).
std::vector<std::byte> input_bytes(const std::vector<float>& x, std::int64_t sample_size, std::int64_t begin,
                                   std::int64_t batch, std::int64_t n, const lite::TensorDetails& d) {
  const std::size_t count = static_cast<std::size_t>(batch * sample_size);
  std::vector<std::byte> bytes(count * lite::element_size(d.dtype));
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t sample = begin + static_cast<std::int64_t>(i) / sample_size;
    const float v = sample < n ? x[static_cast<std::size_t>(begin * sample_size) + i] : 0.0f;
    if (d.dtype == lite::ElementType::float32) {
      reinterpret_cast<float*>(bytes.data())[i] = v;
    } else if (d.dtype == lite::ElementType::int8) {
      const float scale = d.quantization.scale.at(0);
      const auto zp = static_cast<std::int32_t>(d.quantization.zero_point.at(0));
      const std::int32_t q = lite::qmath::quantize_value(v, scale, zp);
      reinterpret_cast<std::int8_t*>(bytes.data())[i] = static_cast<std::int8_t>(std::clamp(q, -128, 127));
    } else if (d.dtype == lite::ElementType::int32) {
      reinterpret_cast<std::int32_t*>(bytes.data())[i] = static_cast<std::int32_t>(v);
    } else {
      throw NotImplementedError("predict: model input '" + d.name + "' is " +
                                std::string(lite::element_type_name(d.dtype)) + " (float32, int8 and int32 are supported)");
    }
  }
  return bytes;
}

}  // namespace

int predict_tflite(const std::string& path, const std::vector<std::string>& input_paths,
                   const std::vector<std::string>& output_paths) {
  lite::Interpreter interpreter(path);
  auto inputs = interpreter.get_input_details();
  const auto outputs = interpreter.get_output_details();
  if (input_paths.size() != inputs.size())
    throw UsageError("'" + path + "' has " + std::to_string(inputs.size()) + " input(s) but " +
                     std::to_string(input_paths.size()) + " --input file(s) were given");
  if (output_paths.size() != outputs.size())
    throw UsageError("'" + path + "' has " + std::to_string(outputs.size()) + " output(s) but " +
                     std::to_string(output_paths.size()) + " --output file(s) were given");
  std::vector<std::vector<float>> xs;
  std::int64_t n = -1;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor x = data::read_npy(input_paths[i]);
    const auto& d = inputs[i];
    std::vector<std::int64_t> got(x.shape().begin(), x.shape().end());
    // An array of whole model inputs (n, *input_shape), as upstream TFLite examples store them: the
    // samples are the rows of their concatenation.
    if (got.size() == d.shape.size() + 1 && std::equal(d.shape.begin(), d.shape.end(), got.begin() + 1) &&
        !d.shape.empty()) {
      got.erase(got.begin());
      got[0] *= x.shape()[0];
    }
    bool fits = !got.empty() && got.size() == d.shape.size();
    for (std::size_t k = 1; fits && k < got.size(); ++k) fits = got[k] == d.shape[k];
    if (!fits)
      throw ValueError("Input file '" + input_paths[i] + "' holds an array of shape " + dims_text(got) +
                       " but input '" + d.name + "' of '" + path + "' takes batches of shape " + dims_text(d.shape));
    if (n >= 0 && got[0] != n)
      throw ValueError("Input file '" + input_paths[i] + "' has " + std::to_string(got[0]) + " samples but '" +
                       input_paths[0] + "' has " + std::to_string(n));
    n = got[0];
    xs.push_back(cast(x, float32).to_vector<float>());
  }
  if (n <= 0) throw ValueError("Input file '" + input_paths[0] + "' holds no samples");
  // A batch axis the file leaves open takes all samples at once; a fixed one runs batch by batch.
  std::int64_t batch = inputs[0].shape[0];
  if (inputs[0].shape_signature[0] == -1) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      auto shape = inputs[i].shape;
      shape[0] = n;
      interpreter.resize_input_tensor(static_cast<int>(i), shape);
    }
    batch = n;
  }
  interpreter.allocate_tensors();
  inputs = interpreter.get_input_details();
  std::vector<std::vector<float>> ys(outputs.size());
  std::vector<std::vector<std::int64_t>> y_shapes(outputs.size());
  for (std::int64_t begin = 0; begin < n; begin += batch) {
    interpreter.reset_all_variables();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::int64_t sample_size = 1;
      for (std::size_t k = 1; k < inputs[i].shape.size(); ++k) sample_size *= inputs[i].shape[k];
      interpreter.set_tensor(inputs[i].index, inputs[i].dtype,
                             input_bytes(xs[i], sample_size, begin, batch, n, inputs[i]));
    }
    interpreter.invoke();
    const auto now = interpreter.get_output_details();
    for (std::size_t k = 0; k < now.size(); ++k) {
      const auto& d = now[k];
      std::vector<float> values;
      if (d.dtype == lite::ElementType::float32) {
        values = interpreter.get_tensor<float>(d.index);
      } else if (d.dtype == lite::ElementType::int8) {
        for (auto q : interpreter.get_tensor<std::int8_t>(d.index))
          values.push_back(d.quantization.scale.at(0) * static_cast<float>(q - d.quantization.zero_point.at(0)));
      } else if (d.dtype == lite::ElementType::int32) {
        for (auto v : interpreter.get_tensor<std::int32_t>(d.index)) values.push_back(static_cast<float>(v));
      } else {
        throw NotImplementedError("predict: output '" + d.name + "' is " +
                                  std::string(lite::element_type_name(d.dtype)));
      }
      const std::int64_t rows = d.shape.empty() ? 1 : d.shape[0];
      const std::int64_t keep = std::min(batch, n - begin);
      const std::size_t per_row = rows > 0 ? values.size() / static_cast<std::size_t>(rows) : 0;
      ys[k].insert(ys[k].end(), values.begin(),
                   values.begin() + static_cast<std::ptrdiff_t>(per_row * static_cast<std::size_t>(std::min(rows, keep))));
      y_shapes[k] = d.shape;
    }
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    auto shape = y_shapes[k];
    if (shape.empty()) shape = {1};
    shape[0] = static_cast<std::int64_t>(ys[k].size()) /
               std::max<std::int64_t>(1, [&] { std::int64_t r = 1; for (std::size_t d = 1; d < shape.size(); ++d) r *= shape[d]; return r; }());
    const Tensor y = Tensor::from_vector(ys[k], Shape(shape));
    data::write_npy(output_paths[k], y);
    std::cout << "wrote " << output_paths[k] << ": " << dims_text(shape) << " float32\n";
  }
  return kOk;
}

}  // namespace strata::cli
