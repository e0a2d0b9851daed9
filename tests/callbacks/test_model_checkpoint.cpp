// ModelCheckpoint and Python's str.format (callbacks/detail/python_format): real files written
// during fit, loaded back and compared with the model's weights at that moment.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;
using strata::callbacks::Logs;

namespace {

using st::testing::Capture;
using st::testing::inputs;
using st::testing::labels;
using st::testing::message_of;
using st::testing::weight_values;

const st::testing::TempDir temp_dir("ckpt");
fs::path fresh_dir(const std::string& name) { return temp_dir.fresh(name); }

std::shared_ptr<st::Sequential> compiled_mlp() {
  auto model = std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{Input({4}), Dense(6, "relu"), Dense(3)});
  st::testing::compile_classifier(*model);
  return model;
}

using Weights = std::vector<std::vector<float>>;

// Records the model's weights at every epoch end / batch end (placed after the checkpoint).
struct Recorder {
  std::map<int, Weights> at_epoch;
  std::vector<Weights> at_batch;  // in training order
  st::callbacks::CallbackPtr callback(st::Model& model) {
    return st::callbacks::LambdaCallback(
        {.on_epoch_end = [this, &model](int epoch, const Logs&) { at_epoch[epoch] = weight_values(model); },
         .on_train_batch_end = [this, &model](std::int64_t, const Logs&) { at_batch.push_back(weight_values(model)); }});
  }
};

// Drives a checkpoint through epochs with chosen logs; the model's weights are set to a value
// per epoch first, so each file says which epoch wrote it.
void run_epochs(st::callbacks::CallbackPtr checkpoint, st::Model& model, const std::vector<Logs>& epoch_logs) {
  st::callbacks::CallbackList list({checkpoint}, &model, {.epochs = static_cast<int>(epoch_logs.size()), .steps = 1, .verbose = 0});
  list.on_train_begin();
  for (int epoch = 0; epoch < static_cast<int>(epoch_logs.size()); ++epoch) {
    list.on_epoch_begin(epoch);
    std::vector<st::Tensor> weights;
    for (const auto& w : model.get_weights()) weights.push_back(st::full(w.shape(), static_cast<double>(epoch + 1)));
    model.set_weights(weights);
    list.on_epoch_end(epoch, epoch_logs[static_cast<std::size_t>(epoch)]);
  }
  list.on_train_end();
}

// The value every weight of the model in `path` holds (its writer's epoch, 1-based); -1 if mixed.
double saved_epoch(const std::string& path, bool weights_only) {
  Weights w;
  if (weights_only) {
    auto model = compiled_mlp();
    model->load_weights(path);
    w = weight_values(*model);
  } else {
    w = weight_values(*st::models::load_model(path));
  }
  const double first = w.at(0).at(0);
  for (const auto& t : w)
    for (float v : t)
      if (v != first) return -1;
  return first;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("python_format: Python's str.format for named fields") {
  const std::map<std::string, st::callbacks::detail::FormatValue> values{
      {"epoch", std::int64_t{3}}, {"batch", std::int64_t{120}}, {"neg", std::int64_t{-42}},
      {"big", std::int64_t{1234567}}, {"val_loss", 0.41234567}, {"loss", 1234567.891}, {"tiny", 1.5e-05},
      {"acc", 0.875}, {"inf", std::numeric_limits<double>::infinity()}, {"negf", -2.5}, {"one", 1.0}};
  // Expected strings printed by Python 3 (python_format_reference.py in this folder).
  const std::vector<std::pair<std::string, std::string>> cases{
    {"{big:,d}", "1,234,567"},
    {"{big:_x}", "12_d687"},
    {"{big:,}", "1,234,567"},
    {"model.{epoch:02d}-{val_loss:.2f}.h5", "model.03-0.41.h5"},
    {"{epoch}", "3"},
    {"{epoch:d}", "3"},
    {"{epoch:5d}|", "    3|"},
    {"{epoch:<5d}|", "3    |"},
    {"{epoch:^6d}|", "  3   |"},
    {"{epoch:*>4}", "***3"},
    {"{neg:05d}", "-0042"},
    {"{neg:+d}", "-42"},
    {"{epoch:+d}", "+3"},
    {"{epoch: d}", " 3"},
    {"{batch:,d}", "120"},
    {"{batch:x}", "78"},
    {"{batch:#x}", "0x78"},
    {"{batch:#o}", "0o170"},
    {"{batch:b}", "1111000"},
    {"{batch:X}", "78"},
    {"{epoch:.2f}", "3.00"},
    {"{epoch:e}", "3.000000e+00"},
    {"{epoch:%}", "300.000000%"},
    {"{val_loss}", "0.41234567"},
    {"{val_loss:.4f}", "0.4123"},
    {"{val_loss:.3e}", "4.123e-01"},
    {"{val_loss:.3E}", "4.123E-01"},
    {"{val_loss:g}", "0.412346"},
    {"{val_loss:.3g}", "0.412"},
    {"{val_loss:.3}", "0.412"},
    {"{one:.3}", "1.0"},
    {"{one}", "1.0"},
    {"{loss:,.2f}", "1,234,567.89"},
    {"{loss:_.1f}", "1_234_567.9"},
    {"{loss:.3}", "1.23e+06"},
    {"{loss:g}", "1.23457e+06"},
    {"{tiny}", "1.5e-05"},
    {"{tiny:f}", "0.000015"},
    {"{tiny:.2}", "1.5e-05"},
    {"{acc:.1%}", "87.5%"},
    {"{acc:08.3f}", "0000.875"},
    {"{negf:08.3f}", "-002.500"},
    {"{negf:+.1f}", "-2.5"},
    {"{acc:+.1f}", "+0.9"},
    {"{inf:.2f}", "inf"},
    {"{inf:F}", "INF"},
    {"{inf}", "inf"},
    {"{acc!r}", "0.875"},
    {"{acc!s:>8}|", "   0.875|"},
    {"{epoch!r:<4}|", "3   |"},
    {"{{epoch}}-{epoch}", "{epoch}-3"},
    {"a}}b{{c", "a}b{c"},
    {"{val_loss:10.4f}|", "    0.4123|"},
    {"{val_loss:<10.4f}|", "0.4123    |"},
    {"{val_loss:=+10.4f}|", "+   0.4123|"},
    {"{negf:=10.2f}|", "-     2.50|"},
    {"{epoch:03}", "003"},
  };
  for (const auto& [pattern, expected] : cases) {
    CAPTURE(pattern);
    CHECK(st::callbacks::detail::python_format(pattern, values) == expected);
  }
}

TEST_CASE("python_format: errors as Python raises them") {
  const std::map<std::string, st::callbacks::detail::FormatValue> values{{"epoch", std::int64_t{1}}, {"loss", 0.5}};
  using st::callbacks::detail::python_format;
  CHECK(message_of([&] { python_format("{val_loss}", values); }) == "'val_loss'");
  CHECK(message_of([&] { python_format("{loss:d}", values); }) == "Unknown format code 'd' for object of type 'float'");
  CHECK(message_of([&] { python_format("{epoch:.2d}", values); }) == "Precision not allowed in integer format specifier");
  CHECK(message_of([&] { python_format("{epoch", values); }) == "Single '{' encountered in format string");
  CHECK(message_of([&] { python_format("epoch}", values); }) == "Single '}' encountered in format string");
  CHECK(message_of([&] { python_format("{epoch:q}", values); }) == "Unknown format code 'q' for object of type 'int'");
  CHECK(message_of([&] { python_format("{epoch:5.}", values); }) == "Format specifier missing precision");
  CHECK_THROWS_AS(python_format("{}", values), st::ValueError);
  CHECK_THROWS_AS(python_format("{epoch:{loss}}", values), st::ValueError);
}

TEST_CASE("ModelCheckpoint: one full-model file per epoch, named from the epoch and the logs, holding that epoch's weights") {
  const fs::path dir = fresh_dir("per_epoch");
  st::set_random_seed(11);
  auto model = compiled_mlp();
  Recorder recorder;
  auto checkpoint = st::callbacks::ModelCheckpoint((dir / "sub" / "model.{epoch:02d}-{val_loss:.2f}.h5").string());
  auto history = model->fit(inputs(40, 4), labels(40), {.epochs = 3, .batch_size = 8, .validation_split = 0.2,
                                                        .callbacks = {checkpoint, recorder.callback(*model)},
                                                        .verbose = 0});
  std::vector<std::string> expected;
  for (int epoch = 0; epoch < 3; ++epoch) {
    char name[64];
    std::snprintf(name, sizeof name, "model.%02d-%.2f.h5", epoch + 1, history.history.at("val_loss").at(epoch));
    expected.push_back(name);
  }
  CHECK(files_in(dir / "sub") == expected);  // the missing folder was created; no temporary files are left
  for (int epoch = 0; epoch < 3; ++epoch) {
    CAPTURE(epoch);
    auto loaded = st::models::load_model((dir / "sub" / expected[static_cast<std::size_t>(epoch)]).string());
    CHECK(weight_values(*loaded) == recorder.at_epoch.at(epoch));
    CHECK(loaded->compiled());
  }
  CHECK(checkpoint->last_saved() == (dir / "sub" / expected.back()).string());
  // The last file also holds the optimizer state: training it on continues like the model itself.
  auto last = st::models::load_model(checkpoint->last_saved());
  CHECK(last->optimizer()->iterations() == model->optimizer()->iterations());
}

TEST_CASE("ModelCheckpoint: save_best_only keeps the best epoch, with Keras's messages") {
  const fs::path dir = fresh_dir("best");
  const std::string path = (dir / "best.h5").string();
  auto model = compiled_mlp();
  auto checkpoint = st::callbacks::ModelCheckpoint(path, {.verbose = 1, .save_best_only = true});
  std::string out;
  {
    Capture capture(std::cout);
    run_epochs(checkpoint, *model, {{{"val_loss", 0.5}}, {{"val_loss", 0.6}}, {{"val_loss", 0.41234}}, {{"val_loss", 0.45}}});
    out = capture.text();
  }
  CHECK(out ==
        "\nEpoch 1: val_loss improved from inf to 0.50000, saving model to " + path + "\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        "\nEpoch 3: val_loss improved from 0.50000 to 0.41234, saving model to " + path + "\n"
        "\nEpoch 4: val_loss did not improve from 0.41234\n");
  CHECK(saved_epoch(path, false) == 3);
  CHECK(checkpoint->best() == 0.41234);
  CHECK(files_in(dir) == std::vector<std::string>{"best.h5"});
}

TEST_CASE("ModelCheckpoint: mode max / auto, initial_value_threshold, weights only") {
  const fs::path dir = fresh_dir("modes");
  auto model = compiled_mlp();
  SUBCASE("auto maximizes accuracy; the threshold must be beaten first") {
    const std::string path = (dir / "acc.weights.h5").string();
    auto checkpoint = st::callbacks::ModelCheckpoint(path, {.monitor = "val_accuracy", .save_best_only = true,
                                                            .save_weights_only = true, .initial_value_threshold = 0.75});
    run_epochs(checkpoint, *model, {{{"val_accuracy", 0.7}}, {{"val_accuracy", 0.74}}});
    CHECK_FALSE(fs::exists(path));
    run_epochs(checkpoint, *model, {{{"val_accuracy", 0.7}}, {{"val_accuracy", 0.8}}, {{"val_accuracy", 0.79}}});
    CHECK(saved_epoch(path, true) == 2);
    CHECK(checkpoint->best() == 0.8);
  }
  SUBCASE("mode min on a metric named like a maximum") {
    const std::string path = (dir / "min.h5").string();
    auto checkpoint = st::callbacks::ModelCheckpoint(path, {.monitor = "accuracy", .save_best_only = true,
                                                            .save_weights_only = true, .mode = "min"});
    run_epochs(checkpoint, *model, {{{"accuracy", 0.5}}, {{"accuracy", 0.3}}, {{"accuracy", 0.4}}});
    CHECK(saved_epoch(path, true) == 2);
  }
  SUBCASE("an unknown mode warns and falls back to auto") {
    st::CaptureWarnings warnings;
    auto checkpoint = st::callbacks::ModelCheckpoint((dir / "x.h5").string(), {.mode = "upwards"});
    CHECK(checkpoint->options().mode == "auto");
    CHECK(warnings.messages() == std::vector<std::string>{"ModelCheckpoint mode 'upwards' is unknown, fallback to auto mode."});
  }
  SUBCASE("a monitor missing from the logs warns and saves nothing") {
    const std::string path = (dir / "missing.h5").string();
    auto checkpoint = st::callbacks::ModelCheckpoint(path, {.save_best_only = true});
    st::CaptureWarnings warnings;
    run_epochs(checkpoint, *model, {{{"loss", 0.5}}});
    CHECK(warnings.messages() == std::vector<std::string>{"Can save best model only with val_loss available, skipping."});
    CHECK_FALSE(fs::exists(path));
  }
  SUBCASE("auto cannot tell the direction of an unknown metric") {
    auto checkpoint = st::callbacks::ModelCheckpoint((dir / "w.h5").string(), {.monitor = "wobble", .save_best_only = true});
    CHECK_THROWS_WITH_AS(run_epochs(checkpoint, *model, {{{"wobble", 1.0}}}),
                         doctest::Contains("ModelCheckpoint callback received monitor=wobble"), st::ValueError);
  }
}

TEST_CASE("ModelCheckpoint: save_freq in batches counts across epochs and names files by {batch}") {
  const fs::path dir = fresh_dir("batches");
  st::set_random_seed(5);
  auto model = compiled_mlp();
  Recorder recorder;
  auto checkpoint = st::callbacks::ModelCheckpoint((dir / "e{epoch}-b{batch:02d}.weights.h5").string(),
                                                   {.save_weights_only = true, .save_freq = 4});
  // 10 batches per epoch, 2 epochs: saves after the 4th, 8th, 12th, 16th and 20th batch.
  model->fit(inputs(40, 4), labels(40), {.epochs = 2, .batch_size = 4, .callbacks = {checkpoint, recorder.callback(*model)},
                                         .verbose = 0});
  CHECK(files_in(dir) == std::vector<std::string>{"e1-b04.weights.h5", "e1-b08.weights.h5", "e2-b02.weights.h5",
                                                  "e2-b06.weights.h5", "e2-b10.weights.h5"});
  const std::vector<std::pair<std::string, int>> saved{
      {"e1-b04.weights.h5", 3}, {"e1-b08.weights.h5", 7}, {"e2-b02.weights.h5", 11}, {"e2-b06.weights.h5", 15},
      {"e2-b10.weights.h5", 19}};
  REQUIRE(recorder.at_batch.size() == 20);
  for (const auto& [name, batch] : saved) {
    CAPTURE(name);
    auto loaded = compiled_mlp();
    loaded->load_weights((dir / name).string());
    CHECK(weight_values(*loaded) == recorder.at_batch[static_cast<std::size_t>(batch)]);
  }
}

TEST_CASE("ModelCheckpoint: bad arguments and paths") {
  const fs::path dir = fresh_dir("bad");
  CHECK_THROWS_WITH_AS(st::callbacks::ModelCheckpoint("w.txt", {.save_weights_only = true}),
                       doctest::Contains("must end in `.weights.h5`"), st::ValueError);
  CHECK_THROWS_WITH_AS(st::callbacks::ModelCheckpoint("model.pt"), doctest::Contains("must end in `.keras`"), st::ValueError);
  CHECK_THROWS_WITH_AS(st::callbacks::ModelCheckpoint("m.h5", {.save_freq = "batch"}),
                       "Unrecognized save_freq: batch. Expected save_freq are 'epoch' or integer values", st::ValueError);
  CHECK_THROWS_AS(st::callbacks::ModelCheckpoint("m.h5", {.save_freq = 0}), st::ValueError);
  auto model = compiled_mlp();
  auto missing_key = st::callbacks::ModelCheckpoint((dir / "m-{val_acc:.2f}.h5").string());
  CHECK_THROWS_WITH_AS(run_epochs(missing_key, *model, {{{"loss", 0.5}}}),
                       ("Failed to format this callback filepath: \"" + (dir / "m-{val_acc:.2f}.h5").string() +
                        "\". Reason: 'val_acc'").c_str(),
                       st::ValueError);
  fs::create_directories(dir / "taken.h5");
  auto onto_folder = st::callbacks::ModelCheckpoint((dir / "taken.h5").string());
  CHECK_THROWS_WITH_AS(run_epochs(onto_folder, *model, {{{"loss", 0.5}}}),
                       doctest::Contains("Please specify a non-directory filepath for ModelCheckpoint"), st::IOError);
}
