// `strata convert IN OUT.tflite`: st::lite::convert with the quantization options of the command line.
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/framework/errors.hpp"
#include "strata/models/lite/converter.hpp"
#include "strata/strata.hpp"

namespace strata::cli {

int convert_tflite(Model& model, const Arguments& args, const std::string& out) {
  if (args.flag("--weights-only") || args.flag("--keras2"))
    throw UsageError("--weights-only and --keras2 do not apply to a .tflite OUT");
  lite::ConverterOptions options;
  const std::string mode = args.get("--quantize").value_or("none");
  if (mode == "int8") options.quantization = lite::Quantization::int8;
  else if (mode == "dynamic") options.quantization = lite::Quantization::dynamic;
  else if (mode == "float16") options.quantization = lite::Quantization::float16;
  else if (mode != "none") throw UsageError("--quantize takes dynamic, int8 or float16, got '" + mode + "'");
  if (auto rep = args.get("--representative")) {
    if (options.quantization != lite::Quantization::int8)
      throw UsageError("--representative calibrates full integer quantization: add --quantize int8");
    if (!std::filesystem::exists(*rep)) throw IOError("representative dataset '" + *rep + "' does not exist");
    options.representative_data = cast(data::read_npy(*rep), float32);
  } else if (options.quantization == lite::Quantization::int8) {
    throw UsageError("--quantize int8 needs --representative X.npy (samples shaped as the model's input)");
  }
  options.int8_io = args.flag("--int8-io");
  lite::convert(model, out, options);
  std::cout << "wrote " << out << " (TF Lite model '" << model.name() << "', "
            << (mode == "none" ? "float32" : mode) << ", " << std::filesystem::file_size(out) << " bytes)\n";
  return kOk;
}

}  // namespace strata::cli
