// BackupAndRestore: resuming after an exception, the backup's files, and a real SIGKILL test — a
// worker process (this binary, STRATA_TEST_WORKER=backup_and_restore) trains with backups, is
// killed at several moments, started again, and must end with the same weights, bit for bit, as
// a run that was never interrupted.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "strata/strata.hpp"
#include "support/test_helpers.hpp"
#include "tools/child_process.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;
using strata::callbacks::Logs;

namespace {

using st::testing::inputs;

const st::testing::TempDir temp_dir("backup");
// The folder is left for BackupAndRestore to create.
fs::path fresh_dir(const std::string& name) { return temp_dir.fresh(name, /*create=*/false); }

st::Tensor labels(std::int64_t n, std::int64_t classes) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>((i * 7 + i / 5) % classes);
  return st::Tensor::from_vector(v, {n});
}

// The model every run builds the same way (fixed seed): initial weights and fit's shuffle seed.
std::shared_ptr<st::Sequential> seeded_model() {
  st::set_random_seed(2024);
  auto model = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({6}), Dense(16, "tanh"), Dense(4)});
  st::testing::compile_classifier(*model);
  return model;
}

constexpr int kEpochs = 6;
constexpr std::int64_t kSamples = 96, kBatch = 8, kSteps = kSamples / kBatch;  // 12 batches per epoch

std::vector<std::vector<float>> weight_values(const st::Model& model) {
  std::vector<std::vector<float>> out;
  for (const auto& w : model.get_weights()) out.push_back(w.to_vector<float>());
  for (const auto& v : model.optimizer()->variables()) out.push_back(st::cast(v.value(), st::float32).to_vector<float>());
  return out;
}

// The worker: trains with BackupAndRestore(STRATA_WORKER_DIR), reporting "start <restored> <epoch>
// <step>" and "batch <global index>" on stdout (slowed by 1 ms a batch, so that a kill lands at
// many different moments), then saves the final weights to STRATA_WORKER_OUT.
int backup_worker() {
  auto model = seeded_model();
  const std::string freq = strata_test::env_or("STRATA_WORKER_FREQ", "epoch");
  auto backup = st::callbacks::BackupAndRestore(
      strata_test::env_or("STRATA_WORKER_DIR"),
      {.save_freq = freq == "epoch" ? st::callbacks::SaveFrequency("epoch") : st::callbacks::SaveFrequency(static_cast<std::int64_t>(std::stoll(freq)))});
  int epoch_now = 0;
  auto reporter = st::callbacks::LambdaCallback(
      {.on_epoch_begin = [&](int epoch, const Logs&) { epoch_now = epoch; },
       .on_train_begin =
           [&](const Logs&) {
             strata_test::report("start " + std::to_string(backup->restored()) + " " +
                                 std::to_string(backup->restored_epoch()) + " " + std::to_string(backup->restored_step()));
           },
       .on_train_batch_end =
           [&](std::int64_t batch, const Logs&) {
             strata_test::report("batch " + std::to_string(epoch_now * kSteps + batch));
             std::this_thread::sleep_for(std::chrono::milliseconds(1));
           }});
  model->fit(inputs(kSamples, 6), labels(kSamples, 4),
             {.epochs = kEpochs, .batch_size = kBatch, .callbacks = {backup, reporter}, .verbose = 0});
  model->save_weights(strata_test::env_or("STRATA_WORKER_OUT"));
  strata_test::report("done");
  return 0;
}

[[maybe_unused]] const int kWorker = [] {
  if (strata_test::worker_mode() == "backup_and_restore") {
    int code = 1;
    try {
      code = backup_worker();
    } catch (const std::exception& e) {
      strata_test::report(std::string("error ") + e.what());
    }
    std::_Exit(code);
  }
  return 0;
}();

struct Run {
  int exit_code = -1;
  std::vector<std::string> starts;  // the "start ..." lines
  std::int64_t last_batch = -1;
  bool done = false;
};

// One worker run; killed once it has reported batch `kill_after` and `delay_us` more passed.
Run run_worker(const fs::path& dir, const fs::path& out, const std::string& freq, std::int64_t kill_after = -1,
               int delay_us = 0) {
  strata_test::ChildProcess child({strata_test::self_executable()}, {{"STRATA_TEST_WORKER", "backup_and_restore"},
                                                                     {"STRATA_WORKER_DIR", dir.string()},
                                                                     {"STRATA_WORKER_OUT", out.string()},
                                                                     {"STRATA_WORKER_FREQ", freq}});
  Run run;
  while (auto line = child.read_line()) {
    if (line->rfind("start ", 0) == 0) run.starts.push_back(*line);
    if (line->rfind("error ", 0) == 0) FAIL_CHECK("worker: " << *line);
    if (*line == "done") run.done = true;
    if (line->rfind("batch ", 0) == 0) {
      run.last_batch = std::stoll(line->substr(6));
      if (kill_after >= 0 && run.last_batch >= kill_after) {
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
        child.kill();
        break;
      }
    }
  }
  run.exit_code = child.wait();
  return run;
}

std::vector<std::vector<float>> load_result(const fs::path& path) {
  auto model = seeded_model();
  model->load_weights(path.string());
  return weight_values(*model);
}

void kill_and_resume(const std::string& freq) {
  const fs::path root = fresh_dir("kill_" + freq);
  fs::create_directories(root);
  // The uninterrupted run.
  const Run reference = run_worker(root / "reference_backup", root / "reference.weights.h5", freq);
  REQUIRE(reference.exit_code == 0);
  REQUIRE(reference.done);
  CHECK(reference.starts == std::vector<std::string>{"start 0 0 0"});
  CHECK_FALSE(fs::exists(root / "reference_backup"));  // delete_checkpoint

  // Killed at several moments (the delays spread the kill over training and the backups), started
  // again each time, then left to finish.
  const fs::path dir = root / "backup";
  const std::vector<std::pair<std::int64_t, int>> kills{{3, 0}, {14, 700}, {26, 1100}, {37, 300}, {51, 1500}, {64, 900}};
  int resumed_mid_training = 0;
  // The position (global batch index to train next) a run's backup must at least have reached when
  // it was killed after reporting batch `last`: every backup up to that batch was committed before
  // the report.
  const std::int64_t interval = freq == "epoch" ? kSteps : std::stoll(freq);
  auto position = [](const std::string& start) {  // "start <restored> <epoch> <step>"
    std::istringstream in(start.substr(6));
    std::int64_t restored = 0, epoch = 0, step = 0;
    in >> restored >> epoch >> step;
    return epoch * kSteps + step;
  };
  std::int64_t min_position = 0;
  for (const auto& [after, delay] : kills) {
    CAPTURE(after);
    const Run run = run_worker(dir, root / "interrupted.weights.h5", freq, after, delay);
    CHECK(run.exit_code == 128 + SIGKILL);
    REQUIRE(run.starts.size() == 1);
    const std::int64_t start = position(run.starts[0]);
    CHECK(start >= min_position);  // resumed from the last backup, not from an older one
    if (start > 0) ++resumed_mid_training;
    min_position = freq == "epoch" ? (run.last_batch + 1) / kSteps * kSteps
                                   : start + (run.last_batch + 1 - start) / interval * interval;
    MESSAGE(freq << ": " << run.starts[0] << ", killed after batch " << run.last_batch << " + " << delay << " us");
  }
  const Run last = run_worker(dir, root / "interrupted.weights.h5", freq);
  CHECK(position(last.starts.at(0)) >= min_position);
  REQUIRE(last.exit_code == 0);
  REQUIRE(last.done);
  MESSAGE(freq << ": last run " << last.starts.at(0));
  CHECK(last.starts.at(0).rfind("start 1 ", 0) == 0);
  CHECK(resumed_mid_training >= 4);
  CHECK_FALSE(fs::exists(dir));

  const auto expected = load_result(root / "reference.weights.h5");
  const auto got = load_result(root / "interrupted.weights.h5");
  REQUIRE(expected.size() == got.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == expected[i]);  // bit for bit: weights, then the optimizer's state
  }
}

}  // namespace

TEST_CASE("BackupAndRestore: killed with SIGKILL and restarted, training ends bitwise as the uninterrupted run (per epoch)") {
  kill_and_resume("epoch");
}

TEST_CASE("BackupAndRestore: killed with SIGKILL and restarted, training ends bitwise as the uninterrupted run (every 5 batches)") {
  kill_and_resume("5");
}

TEST_CASE("BackupAndRestore: an interrupted fit continues from the last backup (Keras's example)") {
  const fs::path dir = fresh_dir("interrupt");
  auto x = inputs(kSamples, 6);
  auto y = labels(kSamples, 4);
  auto reference = seeded_model();
  reference->fit(x, y, {.epochs = kEpochs, .batch_size = kBatch, .verbose = 0});

  auto model = seeded_model();
  auto backup = st::callbacks::BackupAndRestore(dir.string());
  auto interrupt = st::callbacks::LambdaCallback({.on_epoch_begin = [](int epoch, const Logs&) {
    if (epoch == 4) throw std::runtime_error("Interrupting!");
  }});
  CHECK_THROWS_WITH(model->fit(x, y, {.epochs = kEpochs, .batch_size = kBatch, .callbacks = {backup, interrupt}, .verbose = 0}),
                    "Interrupting!");
  // The backup of epoch 4's start: metadata naming one weights file.
  const auto metadata = nlohmann::json::parse(std::ifstream(dir / "training_metadata.json"));
  CHECK(metadata.at("epoch") == 4);
  CHECK(metadata.at("steps_done") == 0);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{metadata.at("weights").get<std::string>(), "training_metadata.json"});

  // A fresh process would rebuild the model; here the same one goes on (its weights are reloaded).
  auto again = seeded_model();
  auto history = again->fit(x, y, {.epochs = kEpochs, .batch_size = kBatch, .callbacks = {backup}, .verbose = 0});
  CHECK(backup->restored());
  CHECK(backup->restored_epoch() == 4);
  CHECK(history.history.at("loss").size() == 2);  // epochs 4 and 5 only
  CHECK(history.epoch == std::vector<int>{4, 5});
  CHECK(weight_values(*again) == weight_values(*reference));
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("BackupAndRestore: delete_checkpoint=false keeps the backup, which the next fit resumes mid-epoch") {
  const fs::path dir = fresh_dir("keep");
  auto x = inputs(kSamples, 6);
  auto y = labels(kSamples, 4);
  auto model = seeded_model();
  auto backup = st::callbacks::BackupAndRestore(dir.string(), {.save_freq = 7, .delete_checkpoint = false});
  model->fit(x, y, {.epochs = 2, .batch_size = kBatch, .callbacks = {backup}, .verbose = 0});
  // 24 batches: backups after batches 7, 14 and 21 (epoch 1, its batch 9 done).
  const auto metadata = nlohmann::json::parse(std::ifstream(dir / "training_metadata.json"));
  CHECK(metadata.at("epoch") == 1);
  CHECK(metadata.at("steps_done") == 9);
  CHECK(metadata.at("batch") == 8);
  CHECK(metadata.at("weights") == "backup-2.weights.h5");
  // Stray files of a killed backup are removed at the next start; other files are left alone.
  std::ofstream(dir / ".backup-3.weights.h5.tmp99_0") << "partial";
  std::ofstream(dir / "backup-3.weights.h5") << "never committed";
  std::ofstream(dir / "notes.txt") << "the user's";
  auto again = seeded_model();
  auto history = again->fit(x, y, {.epochs = 2, .batch_size = kBatch, .callbacks = {backup}, .verbose = 0});
  CHECK(backup->restored_epoch() == 1);
  CHECK(backup->restored_step() == 9);
  CHECK(history.epoch == std::vector<int>{1});
  CHECK_FALSE(fs::exists(dir / ".backup-3.weights.h5.tmp99_0"));
  CHECK(fs::exists(dir / "notes.txt"));
  CHECK(weight_values(*again) == weight_values(*model));
}

TEST_CASE("BackupAndRestore: bad arguments and an unbuilt model") {
  CHECK_THROWS_WITH_AS(st::callbacks::BackupAndRestore(""), "Empty `backup_dir` argument passed", st::ValueError);
  CHECK_THROWS_AS(st::callbacks::BackupAndRestore("/tmp/x", {.save_freq = -3}), st::ValueError);
  auto model = std::make_shared<st::Sequential>(std::vector<st::SequentialItem>{Dense(2)});
  model->compile({.optimizer = "sgd", .loss = "mse"});
  auto backup = st::callbacks::BackupAndRestore(fresh_dir("unbuilt").string());
  CHECK_THROWS_WITH_AS(model->fit(inputs(4, 3), inputs(4, 2), {.callbacks = {backup}, .verbose = 0}),
                       doctest::Contains("you model must be built before you call `fit()`"), st::ValueError);
  const fs::path dir = fresh_dir("corrupt");
  fs::create_directories(dir);
  std::ofstream(dir / "training_metadata.json") << "{\"epoch\": 1";
  auto built = seeded_model();
  CHECK_THROWS_WITH_AS(built->fit(inputs(8, 6), labels(8, 4), {.callbacks = {st::callbacks::BackupAndRestore(dir.string())},
                                                               .verbose = 0}),
                       doctest::Contains("is not a backup's metadata"), st::ValueError);
}
