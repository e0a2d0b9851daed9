// Atomic saves under SIGKILL: a worker process (this binary, STRATA_TEST_WORKER=save_loop) saves a
// large model over the same file again and again; the test kills it at several moments of a save
// and checks that the file always loads whole — the previous save or the new one, never a mix —
// and that what a killed save leaves behind breaks neither loading nor the next save.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "strata/strata.hpp"
#include "tools/child_process.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using namespace strata::layers;

namespace {

// About 2 MB of float32 weights (with fsync, a save takes long enough to be killed in the middle).
std::shared_ptr<st::Sequential> large_model() {
  auto model = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({512}), Dense(512), Dense(512), Dense(8)});
  model->compile({.optimizer = "sgd", .loss = "mse"});
  return model;
}

void fill(st::Model& model, double value) {
  std::vector<st::Tensor> weights;
  for (const auto& w : model.get_weights()) weights.push_back(st::full(w.shape(), value));
  model.set_weights(weights);
}

// Saves number i holds the value i + 1 in every weight. Reports "saving i" / "saved i".
int save_loop_worker() {
  auto model = large_model();
  const std::string path = strata_test::env_or("STRATA_WORKER_OUT");
  for (int i = 0;; ++i) {
    fill(*model, i + 1);
    strata_test::report("saving " + std::to_string(i));
    model->save(path);
    strata_test::report("saved " + std::to_string(i));
  }
}

[[maybe_unused]] const int kWorker = [] {
  if (strata_test::worker_mode() == "save_loop") {
    try {
      save_loop_worker();
    } catch (const std::exception& e) {
      strata_test::report(std::string("error ") + e.what());
    }
    std::_Exit(1);
  }
  return 0;
}();

// The one value all weights of the model in `path` hold; -1 when they differ.
double uniform_value(const std::string& path) {
  auto model = st::models::load_model(path);
  const auto weights = model->get_weights();
  const double first = weights.at(0).to_vector<float>().at(0);
  for (const auto& w : weights)
    for (float v : w.to_vector<float>())
      if (v != first) return -1;
  return first;
}

}  // namespace

TEST_CASE("saving: a save killed with SIGKILL leaves the old or the new file, whole, and nothing that breaks the next save") {
  const fs::path dir = fs::temp_directory_path() / ("strata_save_kill_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "model.h5").string();

  // How long one save takes here, so that the kills spread over it.
  auto model = large_model();
  fill(*model, 0);
  const auto t0 = std::chrono::steady_clock::now();
  model->save(path);
  const auto save_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("one save of the large model takes " << save_us << " us");

  int killed_mid_save = 0;
  for (double fraction : {0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95, 1.2}) {
    CAPTURE(fraction);
    strata_test::ChildProcess child({strata_test::self_executable()},
                                    {{"STRATA_TEST_WORKER", "save_loop"}, {"STRATA_WORKER_OUT", path}});
    int last_started = -1, last_saved = -1;
    // Let it complete one save over the existing file, then kill it during the next.
    while (auto line = child.read_line()) {
      if (line->rfind("error ", 0) == 0) FAIL("worker: " << *line);
      if (line->rfind("saving ", 0) == 0) last_started = std::stoi(line->substr(7));
      if (line->rfind("saved ", 0) == 0) last_saved = std::stoi(line->substr(6));
      if (last_started == 1) {
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<std::int64_t>(fraction * save_us)));
        child.kill();
        break;
      }
    }
    while (auto line = child.read_line()) {  // what it said before dying
      if (line->rfind("saving ", 0) == 0) last_started = std::stoi(line->substr(7));
      if (line->rfind("saved ", 0) == 0) last_saved = std::stoi(line->substr(6));
    }
    CHECK(child.wait() == 128 + SIGKILL);
    REQUIRE(last_saved >= 0);
    // The file is the last completed save, or the one in progress if its rename got through.
    const double value = uniform_value(path);
    CHECK(value >= last_saved + 1);
    CHECK(value <= last_started + 1);
    if (last_started > last_saved) ++killed_mid_save;
  }
  MESSAGE(killed_mid_save << " of 9 kills landed during a save");
  CHECK(killed_mid_save >= 3);

  // Killed saves leave only hidden temporary files beside the target...
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    CHECK((name == "model.h5" || name.rfind(".model.h5.tmp", 0) == 0));
  }
  // ...which neither loading nor the next save notice.
  fill(*model, 42);
  model->save(path);
  CHECK(uniform_value(path) == 42);
  fs::remove_all(dir);
}
