// summary, predict, convert and inspect.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/io/atomic_file.hpp"
#include "strata/models/saving/hdf5.hpp"
#include "strata/strata.hpp"

namespace strata::cli {

namespace fs = std::filesystem;

namespace {

void check_readable(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IOError("No such file: '" + path + "'");
  if (fs::is_directory(path, ec)) throw IOError("'" + path + "' is a directory, not a model file");
}

std::shared_ptr<Model> load(const std::string& path) {
  check_readable(path);
  return models::load_model(path);
}

std::string shape_text(const Shape& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

std::int64_t parse_positive(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value <= 0)
    throw UsageError("option '" + option + "' needs a positive integer, got '" + text + "'");
  return value;
}

// "--input", "--input2", ...: the numbered option `k` (0-based).
std::string numbered(const std::string& base, std::size_t k) { return k == 0 ? base : base + std::to_string(k + 1); }

std::vector<std::string> numbered_values(const Arguments& args, const std::string& base) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < 8; ++k) {
    auto value = args.get(numbered(base, k));
    if (!value) {
      for (std::size_t later = k + 1; later < 8; ++later)
        if (args.get(numbered(base, later)))
          throw UsageError("option '" + numbered(base, later) + "' is given without '" + numbered(base, k) + "'");
      break;
    }
    out.push_back(*value);
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The model's inputs by name, in order (one unnamed input for a Sequential model).
std::vector<std::string> input_names(const Model& model) {
  std::vector<std::string> out;
  for (const auto& t : model.inputs()) {
    auto history = keras_history(t);
    out.push_back(history ? history->layer->name() : "input");
  }
  if (out.empty()) out.push_back("input");
  return out;
}

// The arrays of --input files: float64 cast to float32, one batch axis, the same number of samples.
std::vector<Tensor> read_inputs(const std::vector<std::string>& input_paths) {
  std::vector<Tensor> inputs;
  for (const auto& path : input_paths) {
    check_readable(path);
    Tensor x = data::read_npy(path);
    if (x.dtype() == float64) x = cast(x, float32);
    if (x.rank() == 0) throw ValueError("Input file '" + path + "' holds a scalar; expected a batch (first axis = samples)");
    if (!inputs.empty() && x.shape()[0] != inputs[0].shape()[0])
      throw ValueError("Input file '" + path + "' has " + std::to_string(x.shape()[0]) + " samples but '" +
                       input_paths[0] + "' has " + std::to_string(inputs[0].shape()[0]));
    inputs.push_back(x);
  }
  if (inputs[0].shape()[0] == 0) throw ValueError("Input file '" + input_paths[0] + "' holds no samples");
  return inputs;
}

void write_outputs(const std::vector<std::string>& output_paths, const std::vector<std::vector<Tensor>>& pieces) {
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const Tensor y = pieces[k].size() == 1 ? pieces[k][0] : concat(pieces[k], 0);
    data::write_npy(output_paths[k], y);
    std::cout << "wrote " << output_paths[k] << ": " << shape_text(y.shape()) << " " << dtype_name(y.dtype()) << "\n";
  }
}

// A function file (save_function, export_model) holds one batch size: the inputs run in batches of
// it, the last one padded with zeros and its padding dropped from the outputs.
int predict_with_function(const std::string& path, const std::vector<std::string>& input_paths,
                          const std::vector<std::string>& output_paths) {
  auto f = load_function(path);
  const auto specs = f.input_specs();
  if (input_paths.size() != specs.size())
    throw UsageError("function '" + f.name() + "' in '" + path + "' takes " + std::to_string(specs.size()) +
                     " input(s) but " + std::to_string(input_paths.size()) + " --input file(s) were given");
  if (output_paths.size() != f.output_specs().size())
    throw UsageError("function '" + f.name() + "' in '" + path + "' returns " + std::to_string(f.output_specs().size()) +
                     " output(s) but " + std::to_string(output_paths.size()) + " --output file(s) were given");
  auto inputs = read_inputs(input_paths);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    Shape want = specs[i].shape, got = inputs[i].shape();
    if (want.empty() || got.size() != want.size()) want = {};
    for (std::size_t d = 1; d < want.size(); ++d)
      if (want[d] != got[d]) want = {};
    if (want.empty() || inputs[i].dtype() != specs[i].dtype)
      throw ValueError("Input file '" + input_paths[i] + "' holds " + TensorSpec{got, inputs[i].dtype()}.to_string() +
                       " but function '" + f.name() + "' takes batches of " + specs[i].to_string());
  }
  const std::int64_t n = inputs[0].shape()[0], batch = specs[0].shape[0];
  std::vector<std::vector<Tensor>> pieces(f.output_specs().size());
  for (std::int64_t begin = 0; begin < n; begin += batch) {
    const std::int64_t end = std::min(n, begin + batch);
    std::vector<Tensor> slices;
    for (const auto& x : inputs) {
      Tensor part = slice(x, 0, begin, end);
      if (end - begin < batch) {
        Shape pad_shape = x.shape();
        pad_shape[0] = batch - (end - begin);
        part = concat({part, zeros(pad_shape, x.dtype())}, 0);
      }
      slices.push_back(part);
    }
    auto outputs = f(slices);
    for (std::size_t k = 0; k < outputs.size(); ++k)
      pieces[k].push_back(end - begin < batch ? slice(outputs[k], 0, 0, end - begin) : outputs[k]);
  }
  write_outputs(output_paths, pieces);
  return kOk;
}

}  // namespace

int run_export(const Arguments& args) {
  args.expect_positional({"IN", "OUT"});
  const std::int64_t batch_size = args.get("--batch-size") ? parse_positive("--batch-size", *args.get("--batch-size")) : 32;
  auto model = load(args.positional[0]);
  models::export_model(*model, args.positional[1], {.batch_size = batch_size});
  std::cout << "wrote " << args.positional[1] << ": function '" << model->name() << "' for batches of " << batch_size
            << "\n";
  return kOk;
}

int run_summary(const Arguments& args) {
  args.expect_positional({"FILE"});
  if (check_readable(args.positional[0]), is_function_file(args.positional[0])) {
    std::cout << load_function(args.positional[0]).listing();
    return kOk;
  }
  auto model = load(args.positional[0]);
  model->summary(std::cout);
  return kOk;
}

int run_predict(const Arguments& args) {
  args.expect_positional({"FILE"});
  const auto input_paths = numbered_values(args, "--input");
  const auto output_paths = numbered_values(args, "--output");
  if (input_paths.empty()) throw UsageError("missing option '--input X.npy'");
  if (output_paths.empty()) throw UsageError("missing option '--output Y.npy'");
  const std::int64_t batch_size = args.get("--batch-size") ? parse_positive("--batch-size", *args.get("--batch-size")) : 32;

  if (check_readable(args.positional[0]), is_function_file(args.positional[0]))
    return predict_with_function(args.positional[0], input_paths, output_paths);
  if (args.positional[0].ends_with(".tflite")) return predict_tflite(args.positional[0], input_paths, output_paths);
  auto model = load(args.positional[0]);
  const auto names = input_names(*model);
  if (input_paths.size() != names.size())
    throw UsageError("model '" + model->name() + "' has " + std::to_string(names.size()) + " input(s) (" + joined(names) +
                     ") but " + std::to_string(input_paths.size()) + " --input file(s) were given");
  const auto inputs = read_inputs(input_paths);

  // Batch by batch through the model's call (training=false), outputs concatenated.
  autodiff::NoRecordScope no_record;
  const std::int64_t n = inputs[0].shape()[0];
  std::vector<std::vector<Tensor>> pieces;
  for (std::int64_t begin = 0; begin < n; begin += batch_size) {
    const std::int64_t end = std::min(n, begin + batch_size);
    std::vector<Tensor> batch;
    for (const auto& x : inputs) batch.push_back(slice(x, 0, begin, end));
    std::vector<Tensor> outputs = model->call(batch, false);
    if (pieces.empty()) pieces.resize(outputs.size());
    for (std::size_t k = 0; k < outputs.size(); ++k) pieces[k].push_back(outputs[k]);
  }
  if (output_paths.size() != pieces.size()) {
    std::vector<std::string> outs = model->output_names();
    throw UsageError("model '" + model->name() + "' has " + std::to_string(pieces.size()) + " output(s)" +
                     (outs.empty() ? "" : " (" + joined(outs) + ")") + " but " + std::to_string(output_paths.size()) +
                     " --output file(s) were given");
  }
  write_outputs(output_paths, pieces);
  return kOk;
}

int run_convert(const Arguments& args) {
  args.expect_positional({"IN", "OUT"});
  const std::string in = args.positional[0], out = args.positional[1];
  std::shared_ptr<Model> model;
  if (auto config = args.get("--config")) {
    check_readable(*config);
    std::ifstream file(*config, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    model = models::model_from_json(text.str());
    check_readable(in);
    model->load_weights(in);
  } else {
    check_readable(in);
    auto kind = saving::hdf5::sniff(in);
    if (kind == "hdf5") {
      auto file = saving::hdf5::File::open(in);
      if (!file.has_attribute("model_config"))
        throw UsageError("'" + in + "' holds only weights; pass --config MODEL.json with the architecture (Keras's to_json())");
    }
    model = models::load_model(in);
  }
  if (out.ends_with(".tflite")) return convert_tflite(*model, args, out);
  if (args.get("--quantize") || args.get("--representative") || args.flag("--int8-io"))
    throw UsageError("--quantize, --representative and --int8-io apply to a .tflite OUT only");
  const SaveOptions options{.keras2 = args.flag("--keras2")};
  if (out.ends_with(".json")) {
    if (args.flag("--weights-only")) throw UsageError("--weights-only writes weights, not a .json architecture");
    io::write_file_atomically(out, model->to_json(options));
    std::cout << "wrote " << out << " (architecture of model '" << model->name() << "')\n";
    return kOk;
  }
  const bool weights_only = args.flag("--weights-only") || out.ends_with(".weights.h5");
  if (!weights_only && !out.ends_with(".h5") && !out.ends_with(".keras"))
    throw UsageError("cannot tell the format of '" + out + "' from its name: use .h5, .keras, .weights.h5 or .json");
  if (weights_only && !out.ends_with(".h5"))
    throw UsageError("weights-only files end in .weights.h5 (Keras 3) or .h5 (legacy), got '" + out + "'");
  if (options.keras2 && (out.ends_with(".keras") || out.ends_with(".weights.h5")))
    throw UsageError("--keras2 writes a legacy .h5 or a .json; '" + out + "' is a Keras 3 format");
  if (weights_only)
    model->save_weights(out, options);
  else
    model->save(out, options);
  std::cout << "wrote " << out << " (" << (weights_only ? "weights" : "model") << " '" << model->name() << "', "
            << model->count_params() << " parameters" << (options.keras2 ? ", Keras 2 form" : "") << ")\n";
  return kOk;
}

namespace {

struct WeightRow {
  std::string path;
  Shape shape;
  std::string dtype;
};

void walk(const saving::hdf5::Object& group, const std::string& prefix, std::vector<WeightRow>& rows) {
  for (const auto& name : group.children()) {
    if (group.has_dataset(name)) {
      const Tensor value = group.read_dataset(name);
      rows.push_back({prefix + name, value.shape(), std::string(dtype_name(value.dtype()))});
    } else if (group.has_group(name)) {
      walk(group.open_group(name), prefix + name + "/", rows);
    }
  }
}

}  // namespace

int run_inspect(const Arguments& args) {
  args.expect_positional({"FILE"});
  const std::string path = args.positional[0];
  check_readable(path);
  std::vector<WeightRow> rows;
  const std::string kind = saving::hdf5::sniff(path);
  if (kind == "hdf5") {
    auto file = saving::hdf5::File::open(path);
    walk(file, "/", rows);
    std::cout << path << ": HDF5";
    if (file.has_attribute("keras_version")) std::cout << ", keras_version " << file.read_string_attribute("keras_version");
    std::cout << (file.has_attribute("model_config") ? ", whole model" : ", weights only") << "\n";
  } else if (kind == "zip") {
    auto model = models::load_model(path);
    for (const auto& w : model->weights()) rows.push_back({w.name(), w.shape(), std::string(dtype_name(w.dtype()))});
    std::cout << path << ": Keras zip, model '" << model->name() << "'\n";
  } else {
    throw IOError("Unable to open file '" + path + "': it is neither an HDF5 file nor a .keras zip");
  }
  std::size_t width = 4;
  for (const auto& r : rows) width = std::max(width, r.path.size());
  std::int64_t total = 0;
  for (const auto& r : rows) {
    std::string name = r.path;
    name.resize(width, ' ');
    std::string shape = shape_text(r.shape);
    shape.resize(std::max<std::size_t>(shape.size(), 16), ' ');
    std::cout << name << "  " << shape << "  " << r.dtype << "\n";
    std::int64_t count = 1;
    for (auto d : r.shape) count *= d;
    total += count;
  }
  std::cout << rows.size() << " weight(s), " << total << " value(s)\n";
  return kOk;
}

}  // namespace strata::cli
