// st::lite::convert: the model's float graph (convert_graph.cpp), the chosen quantization
// (convert_quantize.cpp), the flatbuffer (convert_write.cpp).
#include "strata/models/lite/converter.hpp"

#include <string_view>

#include "strata/framework/errors.hpp"
#include "strata/framework/io/atomic_file.hpp"
#include "strata/models/lite/convert_ir.hpp"
#include "strata/models/model.hpp"

namespace strata::lite {
namespace {

std::string dims_string(const std::vector<std::int64_t>& d, bool free_batch) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i) {
    s += i ? ", " : "";
    s += i == 0 && free_batch ? "None" : std::to_string(d[i]);
  }
  return s + (d.size() == 1 ? ",)" : ")");
}

void check_representative(const convert_detail::IrGraph& g, const ConverterOptions& options) {
  if (g.inputs.size() != 1)
    throw NotImplementedError("full integer quantization needs a model with one input; this one has " +
                              std::to_string(g.inputs.size()));
  const Tensor& data = options.representative_data;
  const auto& want = g.tensors[g.inputs[0]].shape;
  if (!data.defined() || data.shape().empty() || data.shape()[0] == 0)
    throw ValueError("full integer quantization needs a representative dataset (samples shaped as the model's input " +
                     dims_string(want, true) + ")");
  const auto& got = data.shape().dims();
  bool ok = got.size() == want.size();
  for (std::size_t i = 1; ok && i < got.size(); ++i) ok = got[i] == want[i];
  if (!ok)
    throw ValueError("representative dataset has shape " + dims_string(got, false) + " but the model's input '" +
                     g.input_names[0] + "' expects " + dims_string(want, true));
}

}  // namespace

std::vector<std::uint8_t> convert(Model& model, const ConverterOptions& options) {
  using namespace convert_detail;
  IrGraph g = build_graph(model);
  switch (options.quantization) {
    case Quantization::none: break;
    case Quantization::float16: quantize_float16(g); break;
    case Quantization::dynamic: quantize_dynamic(g); break;
    case Quantization::int8: {
      check_representative(g, options);
      const auto shape = g.tensors[g.inputs[0]].shape;
      quantize_int8(g, options, shape);
      break;
    }
  }
  if (options.int8_io && options.quantization != Quantization::int8)
    throw ValueError("int8 input and output need full integer quantization (quantization int8)");
  return write_flatbuffer(g);
}

void convert(Model& model, const std::string& path, const ConverterOptions& options) {
  const auto bytes = convert(model, options);
  try {
    io::write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const IOError&) {
    throw;
  } catch (const std::exception& e) {
    throw IOError("cannot write the TF Lite file '" + path + "': " + e.what());
  }
}

}  // namespace strata::lite
