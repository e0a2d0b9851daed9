// callbacks::TensorBoard as Keras's: the layout and tags TensorBoard reads, compiled and eager,
// tensors and Datasets, batch-level logging, histograms and images, the Keras model graph,
// BackupAndRestore without duplicate steps, and logging failures that never stop training.
#include <cmath>

#include "strata/callbacks/tensorboard.hpp"
#include "strata/framework/summary/event_reader.hpp"
#include "support/test_helpers.hpp"

using namespace strata;
using strata::testing::contains;
using strata::testing::message_of;
using strata::testing::ScopedTempDir;
namespace summary = strata::summary;

namespace {

std::vector<std::int64_t> steps_of(const std::vector<summary::ScalarPoint>& points) {
  std::vector<std::int64_t> steps;
  for (const auto& p : points) steps.push_back(p.step);
  return steps;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last, std::int64_t stride = 1) {
  std::vector<std::int64_t> out;
  for (auto i = first; i <= last; i += stride) out.push_back(i);
  return out;
}

// Every summary value of the event files of `dir`, with its event's step.
std::vector<std::pair<std::int64_t, summary::SummaryValue>> values_in(const std::filesystem::path& dir) {
  std::vector<std::pair<std::int64_t, summary::SummaryValue>> out;
  for (const auto& file : summary::event_files(dir))
    for (const auto& event : summary::read_events(file))
      if (event.summary)
        for (const auto& value : *event.summary) out.emplace_back(event.step, value);
  return out;
}

}  // namespace

TEST_CASE("TensorBoard: Keras's layout and epoch tags, compiled fit on tensors") {
  ScopedTempDir dir("tb_epoch");
  auto data = strata::testing::blobs(80, 1);
  auto model = strata::testing::blob_classifier();
  strata::testing::compile_classifier(model);
  auto tb = callbacks::TensorBoard({.log_dir = (dir / "logs").string()});
  // What TensorBoard sees while training runs: each epoch is on disk at its end.
  std::vector<std::size_t> seen;
  auto reader = callbacks::LambdaCallback({.on_epoch_end = [&](int, const callbacks::Logs&) {
    const auto runs = summary::read_scalars(dir / "logs");
    seen.push_back(runs.at("train").at("epoch_loss").size() + runs.at("validation").at("epoch_loss").size());
  }});
  auto history = model.fit(data.x, data.y,
                           {.epochs = 3, .batch_size = 16, .validation_split = 0.2, .callbacks = {tb, reader}, .verbose = 0});
  CHECK(seen == std::vector<std::size_t>{2, 4, 6});

  const auto runs = summary::read_scalars(dir / "logs");
  REQUIRE(runs.size() == 2);
  const auto& train = runs.at("train");
  const auto& validation = runs.at("validation");
  CHECK(train.size() == 3);  // epoch_loss, epoch_accuracy, epoch_learning_rate: no batch tags
  CHECK(steps_of(train.at("epoch_loss")) == range(0, 2));
  CHECK(steps_of(train.at("epoch_learning_rate")) == range(0, 2));
  for (int e = 0; e < 3; ++e) {
    CHECK(train.at("epoch_loss")[e].value == static_cast<float>(history.history.at("loss")[e]));
    CHECK(train.at("epoch_accuracy")[e].value == static_cast<float>(history.history.at("accuracy")[e]));
    CHECK(train.at("epoch_learning_rate")[e].value == doctest::Approx(1e-2));
    CHECK(validation.at("epoch_loss")[e].value == static_cast<float>(history.history.at("val_loss")[e]));
    CHECK(validation.at("epoch_accuracy")[e].value == static_cast<float>(history.history.at("val_accuracy")[e]));
  }
  // 64 training samples in batches of 16: 4 iterations per epoch.
  CHECK(steps_of(validation.at("evaluation_loss_vs_iterations")) == range(4, 12, 4));
  CHECK(validation.at("evaluation_loss_vs_iterations")[2].value == static_cast<float>(history.history.at("val_loss")[2]));
  CHECK_FALSE(validation.contains("epoch_val_loss"));

  // The conceptual graph: the model's JSON under Keras's plugin, at step 0.
  const auto values = values_in(dir / "logs" / "train");
  const auto graph = std::find_if(values.begin(), values.end(), [](const auto& v) { return v.second.tag == "keras"; });
  REQUIRE(graph != values.end());
  CHECK(graph->first == 0);
  CHECK(graph->second.metadata->plugin_name == "graph_keras_model");
  CHECK(graph->second.metadata->plugin_content == "1");
  CHECK(graph->second.tensor->dtype == summary::DataType::kString);
  CHECK(graph->second.tensor->string_val == std::vector<std::string>{model.to_json()});
  CHECK(summary::event_files(dir / "logs" / "train").size() == 1);

  // A second fit writes new files and continues the batch-step axis.
  model.fit(data.x, data.y, {.epochs = 1, .batch_size = 16, .validation_split = 0.2, .callbacks = {tb}, .verbose = 0});
  CHECK(summary::event_files(dir / "logs" / "train").size() == 2);
  CHECK(steps_of(summary::read_scalars(dir / "logs").at("validation").at("evaluation_loss_vs_iterations")) ==
        range(4, 16, 4));
}

TEST_CASE("TensorBoard: update_freq in batches, steps per second, eager fit on a Dataset") {
  ScopedTempDir dir("tb_batch");
  auto data = strata::testing::blobs(48, 2);
  auto dataset = Dataset::from_tensor_slices(data.x, data.y).batch(8);  // 6 batches
  for (bool eager : {true, false}) {
    auto model = strata::testing::blob_classifier();
    strata::testing::compile_classifier(model);
    model.set_run_eagerly(eager);
    const auto logdir = dir / (eager ? "eager" : "compiled");
    auto every = callbacks::TensorBoard({.log_dir = (logdir / "every").string(), .write_graph = false,
                                         .write_steps_per_second = true, .update_freq = "batch"});
    auto history = model.fit(dataset, {.epochs = 2, .callbacks = {every}, .verbose = 0});
    const auto train = summary::read_scalars(logdir / "every").at("train");
    CHECK(steps_of(train.at("batch_loss")) == range(1, 12));
    CHECK(steps_of(train.at("batch_accuracy")) == range(1, 12));
    CHECK(steps_of(train.at("batch_steps_per_second")) == range(1, 12));
    CHECK(train.at("batch_steps_per_second")[0].value > 0);
    CHECK(train.at("epoch_steps_per_second")[1].value > 0);
    // The last batch's running loss is the epoch's loss.
    CHECK(train.at("batch_loss")[11].value == train.at("epoch_loss")[1].value);
    CHECK_FALSE(train.contains("keras"));

    auto model2 = strata::testing::blob_classifier();
    strata::testing::compile_classifier(model2);
    model2.set_run_eagerly(eager);
    auto every4 = callbacks::TensorBoard({.log_dir = (logdir / "every4").string(), .update_freq = 4});
    model2.fit(dataset, {.epochs = 2, .callbacks = {every4}, .verbose = 0});
    const auto train4 = summary::read_scalars(logdir / "every4").at("train");
    CHECK(steps_of(train4.at("batch_loss")) == range(4, 12, 4));
    CHECK_FALSE(train4.contains("batch_steps_per_second"));
  }
  CHECK(contains(message_of([] { callbacks::TensorBoard({.update_freq = "weekly"}); }), "update_freq"));
  CHECK(contains(message_of([] { callbacks::TensorBoard({.update_freq = 0}); }), "update_freq"));
}

TEST_CASE("TensorBoard: histogram_freq and write_images log every weight with Keras's tags") {
  ScopedTempDir dir("tb_histograms");
  auto data = strata::testing::blobs(32, 3);
  auto model = strata::testing::blob_classifier();
  strata::testing::compile_classifier(model);
  auto tb = callbacks::TensorBoard({.log_dir = dir.path.string(), .histogram_freq = 2, .write_images = true});
  model.fit(data.x, data.y, {.epochs = 3, .batch_size = 16, .callbacks = {tb}, .verbose = 0});

  std::map<std::string, std::vector<std::int64_t>> steps;
  std::map<std::string, summary::SummaryValue> last;
  for (const auto& [step, value] : values_in(dir / "train")) {
    if (!value.metadata || (value.metadata->plugin_name != "histograms" && value.metadata->plugin_name != "images")) continue;
    steps[value.tag].push_back(step);
    last[value.tag] = value;
  }
  const auto kernel = model.layers().at(0)->weights().at(0);
  const std::string name = kernel.name();  // "<layer>/kernel"
  CHECK(contains(name, "/kernel"));
  REQUIRE(steps.contains(name + "/histogram"));
  CHECK(steps.size() == 8);  // 2 layers x (kernel, bias) x (histogram, image)
  CHECK(steps.at(name + "/histogram") == std::vector<std::int64_t>{0, 2});
  // The buckets count every element of the (2, 8) kernel.
  const auto buckets = last.at(name + "/histogram").tensor->numbers();
  double count = 0;
  for (std::size_t i = 2; i < buckets.size(); i += 3) count += buckets[i];
  CHECK(count == 16);
  CHECK(buckets.size() == 30 * 3);
  // The (2, 8) kernel as one 2 x 8 image (wider than tall); a bias as a 1 x n image.
  const auto& image = last.at(name + "/image").tensor->string_val;
  REQUIRE(image.size() == 3);
  CHECK(image[0] == "8");
  CHECK(image[1] == "2");
  const auto bias = model.layers().at(0)->weights().at(1).name();
  CHECK(last.at(bias + "/image").tensor->string_val[0] == "1");
  CHECK(last.at(bias + "/image").tensor->string_val[1] == "8");
}

TEST_CASE("TensorBoard: a run resumed by BackupAndRestore continues the curves without duplicate steps") {
  ScopedTempDir dir("tb_resume");
  auto data = strata::testing::blobs(64, 4);
  const auto logdir = (dir / "logs").string();
  const auto backup_dir = (dir / "backup").string();
  {
    auto model = strata::testing::blob_classifier();
    strata::testing::compile_classifier(model);
    auto tb = callbacks::TensorBoard({.log_dir = logdir, .update_freq = "batch"});
    auto backup = callbacks::BackupAndRestore(backup_dir, {.save_freq = 3});
    std::int64_t seen = 0;
    auto crash = callbacks::LambdaCallback({.on_train_batch_end = [&seen](std::int64_t, const callbacks::Logs&) {
      if (++seen == 13) throw std::runtime_error("killed");
    }});
    // TensorBoard logs batch 13, then the process dies: the last backup is after batch 12.
    CHECK_THROWS_WITH(model.fit(data.x, data.y, {.epochs = 4, .batch_size = 8, .callbacks = {tb, backup, crash}, .verbose = 0}),
                      "killed");
  }
  CHECK(steps_of(summary::read_scalars(logdir).at("train").at("batch_loss")) == range(1, 13));
  auto model = strata::testing::blob_classifier();
  strata::testing::compile_classifier(model);
  auto tb = callbacks::TensorBoard({.log_dir = logdir, .update_freq = "batch"});
  auto backup = callbacks::BackupAndRestore(backup_dir, {.save_freq = 3});
  model.fit(data.x, data.y, {.epochs = 4, .batch_size = 8, .callbacks = {tb, backup}, .verbose = 0});
  REQUIRE(backup->restored());
  const auto train = summary::read_scalars(logdir).at("train");
  CHECK(steps_of(train.at("batch_loss")) == range(1, 32));
  CHECK(steps_of(train.at("epoch_loss")) == range(0, 3));
}

TEST_CASE("TensorBoard: a log_dir that cannot be created warns; training goes on") {
  ScopedTempDir dir("tb_baddir");
  strata::testing::write_bytes((dir / "file").string(), "x");
  auto data = strata::testing::blobs(32, 5);
  auto model = strata::testing::blob_classifier();
  strata::testing::compile_classifier(model);
  CaptureWarnings warnings;
  auto tb = callbacks::TensorBoard({.log_dir = (dir / "file" / "logs").string(), .histogram_freq = 1});
  auto history = model.fit(data.x, data.y, {.epochs = 2, .batch_size = 8, .validation_split = 0.25, .callbacks = {tb}, .verbose = 0});
  CHECK(history.history.at("loss").size() == 2);
  REQUIRE(warnings.messages().size() == 2);  // train/ and validation/, once each
  CHECK(contains(warnings.messages()[0], "cannot create the log directory"));
  CHECK(contains(warnings.messages()[0], (dir / "file" / "logs" / "train").string()));
}
