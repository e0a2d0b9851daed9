// The converter's figures: the main job's Fashion-MNIST MLP trained a few epochs, then its test
// accuracy as the Keras model, and as float32 / float16 / dynamic-range / int8 .tflite files run in
// st::lite::Interpreter, with the file sizes. Usage: bench_lite_convert [epochs] [out_dir] [mlp|convnet]
// (convnet: the convnet sample, trained on the first 12000 images and tested on the first 2000, to
// keep the run short on a CPU). Then batch-1 and batch-256 latency of the int8 file in the
// interpreter next to Strata's float predict_on_batch of the same model, in the same run (median of
// repeated calls after a warm-up), and their ratio. Lines are key=value, as bench/run.sh's others.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>

#include <strata/models/lite/converter.hpp>
#include <strata/models/lite/interpreter.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

double tflite_accuracy(const std::string& path, const std::vector<float>& x, const std::vector<std::int64_t>& y,
                       std::int64_t n, const std::vector<std::int64_t>& sample) {
  st::lite::Interpreter interpreter(path);
  std::vector<std::int64_t> shape{n};
  shape.insert(shape.end(), sample.begin(), sample.end());
  interpreter.resize_input_tensor(0, shape);
  interpreter.allocate_tensors();
  interpreter.set_tensor<float>(interpreter.input_tensor_index(0), x);
  interpreter.invoke();
  const auto out = interpreter.get_output<float>(0);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto row = out.begin() + i * 10;
    correct += (std::max_element(row, row + 10) - row) == y[i];
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

// Median microseconds of `calls` calls of f after `calls / 10 + 3` warm-up calls.
template <class F>
double median_us(int calls, F&& f) {
  for (int i = 0; i < calls / 10 + 3; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < calls; ++i) {
    const auto start = bench::Clock::now();
    f();
    t.push_back(bench::seconds_since(start) * 1e6);
  }
  return bench::median(t);
}

void latency(st::Sequential& model, const std::string& which, const std::string& int8_path, const st::Tensor& x_test,
             const std::vector<std::int64_t>& sample) {
  for (const std::int64_t batch : {std::int64_t{1}, std::int64_t{256}}) {
    const auto x = st::slice(x_test, 0, 0, batch);
    const auto xs = x.to_vector<float>();
    st::lite::Interpreter interpreter(int8_path);
    std::vector<std::int64_t> shape{batch};
    shape.insert(shape.end(), sample.begin(), sample.end());
    interpreter.resize_input_tensor(0, shape);
    interpreter.allocate_tensors();
    const int input = interpreter.input_tensor_index(0);
    const int calls = batch == 1 ? 2000 : 50;
    const double lite_us = median_us(calls, [&] {
      interpreter.set_tensor<float>(input, xs);
      interpreter.invoke();
    });
    const double float_us = median_us(calls, [&] { (void)model.predict_on_batch(x); });
    std::cout << "bench=lite_latency model=" << which << " batch=" << batch << " int8_interpreter_us=" << lite_us
              << " float_predict_us=" << float_us << " int8_vs_float=" << lite_us / float_us << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 2;
  const std::filesystem::path dir = argc > 2 ? argv[2] : std::filesystem::temp_directory_path() / "strata_lite_bench";
  const std::string which = argc > 3 ? argv[3] : "mlp";
  const bool convnet = which == "convnet";
  std::filesystem::create_directories(dir);
  bench::print_machine();
  st::set_random_seed(42);
  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::cast(train.x, st::float32) / 255.0f;
  auto x_test = st::cast(test.x, st::float32) / 255.0f;
  auto y_train = train.y, y_test = test.y;
  const std::vector<std::int64_t> sample = convnet ? std::vector<std::int64_t>{28, 28, 1} : std::vector<std::int64_t>{28, 28};
  if (convnet) {
    x_train = st::reshape(st::slice(x_train, 0, 0, 12000), {12000, 28, 28, 1});
    y_train = st::slice(y_train, 0, 0, 12000);
    x_test = st::reshape(st::slice(x_test, 0, 0, 2000), {2000, 28, 28, 1});
    y_test = st::slice(y_test, 0, 0, 2000);
  }
  st::Sequential model = convnet ? st::Sequential({Input({28, 28, 1}), Conv2D(32, 3, "relu"), MaxPooling2D(2),
                                                   Conv2D(64, 3, "relu"), MaxPooling2D(2), Flatten(), Dropout(0.5),
                                                   Dense(10)})
                                 : st::Sequential({Input({28, 28}), Flatten(), Dense(256, "relu"), Dense(128, "relu"),
                                                   Dense(10)});
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  model.fit(x_train, y_train, {.epochs = epochs, .batch_size = 128, .verbose = 0});
  const double keras = model.evaluate(x_test, y_test, {.batch_size = 256, .verbose = 0})["accuracy"];
  const std::string stem = "fashion_" + which;
  model.save((dir / (stem + ".h5")).string());

  // The representative dataset: the first 500 training images, as TFLite's guide suggests (100-500).
  const auto rep = st::slice(x_train, 0, 0, 500);
  const auto xs = x_test.to_vector<float>();
  const auto ys = st::cast(y_test, st::int64).to_vector<std::int64_t>();
  const std::int64_t n = x_test.shape()[0];
  std::cout << std::fixed << std::setprecision(4);
  std::cout << "bench=lite_convert model=" << which << " epochs=" << epochs << " format=keras_h5 test_accuracy=" << keras
            << " bytes=" << std::filesystem::file_size(dir / (stem + ".h5")) << "\n";
  const std::pair<const char*, st::lite::Quantization> modes[] = {{"float32", st::lite::Quantization::none},
                                                                  {"float16", st::lite::Quantization::float16},
                                                                  {"dynamic", st::lite::Quantization::dynamic},
                                                                  {"int8", st::lite::Quantization::int8}};
  std::uintmax_t float_size = 0;
  std::string int8_path;
  for (const auto& [name, mode] : modes) {
    const std::string path = (dir / (stem + "_" + name + ".tflite")).string();
    st::lite::convert(model, path, {.quantization = mode, .representative_data = rep});
    const auto size = std::filesystem::file_size(path);
    if (mode == st::lite::Quantization::int8) int8_path = path;
    if (mode == st::lite::Quantization::none) float_size = size;
    const double acc = tflite_accuracy(path, xs, ys, n, sample);  // dynamic: TFLite's hybrid kernels
    std::cout << "bench=lite_convert model=" << which << " format=tflite_" << name << " test_accuracy=" << acc << " delta_vs_keras=" << (acc - keras)
              << " bytes=" << size << " size_vs_float=" << static_cast<double>(size) / float_size << "\n";
  }
  latency(model, which, int8_path, x_test, sample);
  return 0;
}
