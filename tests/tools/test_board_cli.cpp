// `strata board` end to end: logs written by callbacks::TensorBoard and st::summary, read back by
// the tool as a process; the HTML report opened in headless chromium; and the bad inputs (missing
// or empty log directory, a corrupted event file, NaN / infinite values, odd tag names).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <string>

#include "strata/callbacks/tensorboard.hpp"
#include "strata/framework/summary/event_reader.hpp"
#include "strata/framework/summary/summary.hpp"
#include "strata/tools/board/board_report.hpp"
#include "support/test_helpers.hpp"
#include "support/test_paths.hpp"
#include "tools/browser.hpp"
#include "tools/child_process.hpp"

namespace fs = std::filesystem;
namespace st = strata;
using st::testing::contains;
using st::testing::ScopedTempDir;

namespace {

strata_test::CommandResult board(std::vector<std::string> args) {
  args.insert(args.begin(), {STRATA_CLI_PATH, "board"});
  return strata_test::run_command(args);
}

// One run of scalars written by st::summary, as a hand-written loop would.
void write_scalars(const fs::path& dir, const std::vector<std::pair<std::string, std::vector<double>>>& series) {
  auto writer = st::summary::create_file_writer(dir, {.flush_seconds = 0});
  auto scope = writer.as_default();
  for (const auto& [tag, values] : series)
    for (std::size_t step = 0; step < values.size(); ++step)
      st::summary::scalar(tag, values[step], static_cast<std::int64_t>(step));
  writer.close();
}

}  // namespace

TEST_CASE("strata board: the logs of fit with callbacks::TensorBoard, as a table and as an HTML page in chromium") {
  ScopedTempDir dir("board_cli");
  auto data = st::testing::blobs(80, 3);
  auto model = st::testing::blob_classifier();
  st::testing::compile_classifier(model);
  const fs::path logs = dir / "logs";
  auto history = model.fit(data.x, data.y,
                           {.epochs = 4, .batch_size = 16, .validation_split = 0.2,
                            .callbacks = {st::callbacks::TensorBoard({.log_dir = logs.string()})}, .verbose = 0});

  const auto table = board({logs.string()});
  INFO(table.output);
  REQUIRE(table.exit_code == 0);
  CHECK(table.output.rfind("run", 0) == 0);
  // The last values are the ones fit logged (as float32, as TensorBoard stores them).
  const auto last = [&](const std::string& key) { return st::board::format_value(static_cast<float>(history.history.at(key).back())); };
  for (const auto& [run, tag, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"train", "epoch_loss", "loss"}, {"train", "epoch_accuracy", "accuracy"},
           {"validation", "epoch_loss", "val_loss"}, {"validation", "epoch_accuracy", "val_accuracy"}}) {
    const auto line_at = table.output.find(run + std::string(run == "train" ? 7 : 2, ' ') + tag + " ");
    REQUIRE_MESSAGE(line_at != std::string::npos, run << " " << tag);
    const std::string line = table.output.substr(line_at, table.output.find('\n', line_at) - line_at);
    CHECK_MESSAGE(contains(line, "  " + last(key) + "  "), line);
    CHECK_MESSAGE(contains(line, tag == "epoch_loss" ? "(min)" : "(max)"), line);
  }

  const fs::path report = dir / "report.html";
  const auto written = board({logs.string(), "--html", report.string()});
  INFO(written.output);
  REQUIRE(written.exit_code == 0);
  CHECK(contains(written.output, "wrote " + report.string()));
  std::set<std::string> tags;
  for (const auto& [run, series] : st::summary::read_scalars(logs))
    for (const auto& [tag, points] : series) tags.insert(tag);

  const auto chromium = strata_test::find_chromium();
  if (!chromium) {
    MESSAGE("chromium is not installed (Debian package chromium): skipping the browser check of the report");
    return;
  }
  const auto run = strata_test::run_browser(*chromium, "file://" + report.string(), dir / "profile");
  REQUIRE_MESSAGE(run.exit_code == 0, "browser log:\n" << run.log);
  for (const auto& line : run.console) FAIL_CHECK("console: " << line);
  CHECK(contains(run.dom, "data-rendered=\"" + std::to_string(tags.size()) + "\""));
  CHECK(contains(run.dom, "<h3>epoch_loss</h3>"));
  // Every curve of epoch_loss has its 4 epochs: one move and three segments.
  for (const char* curve : {"class=\"smoothed\" d=\"M", "class=\"raw\" d=\"M"}) CHECK(contains(run.dom, curve));
  CHECK(contains(run.dom, "data-run=\"validation\" data-points=\"4\""));
  CHECK(contains(run.dom, "data-run=\"train\" data-points=\"4\""));
  const fs::path artifacts = fs::path(STRATA_CLI_PATH).parent_path() / "test_artifacts";
  fs::create_directories(artifacts);
  const auto shot = artifacts / "board_fit_report.png";
  fs::remove(shot);
  const auto pictured = strata_test::run_browser(*chromium, "file://" + report.string(), dir / "profile", shot.string(), 1280, 1000);
  CHECK(pictured.console.empty());
  CHECK(fs::file_size(shot) > 20000);
}

TEST_CASE("strata board: NaN, infinities and odd tag names from st::summary") {
  ScopedTempDir dir("board_cli");
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  write_scalars(dir / "logs" / "run1", {{"loss", {1.0, nan, 0.5, inf}}, {"diverged", {nan, -inf}}, {"a\nb, c", {2.0, 1.0}}});
  const auto table = board({(dir / "logs").string()});
  INFO(table.output);
  REQUIRE(table.exit_code == 0);
  CHECK(contains(table.output, "run1  loss"));
  CHECK(contains(table.output, "Infinity  0.5 (min)"));
  CHECK(contains(table.output, "run1  diverged       2          1  -Infinity          -          -\n"));
  CHECK(contains(table.output, "run1  a\\nb, c"));
  CHECK(std::count(table.output.begin(), table.output.end(), '\n') == 4);
}

TEST_CASE("strata board: a missing, empty or non-directory LOGDIR, a corrupted event file, a report that cannot be written") {
  ScopedTempDir dir("board_cli");
  auto missing = board({(dir / "nope").string()});
  CHECK(missing.exit_code == 3);
  CHECK(contains(missing.output, "No such log directory: '" + (dir / "nope").string() + "'"));

  fs::create_directories(dir / "empty" / "train");
  auto empty = board({(dir / "empty").string()});
  CHECK(empty.exit_code == 3);
  CHECK(contains(empty.output, "No TensorBoard event files (events.out.tfevents.*) under"));

  st::testing::write_bytes((dir / "file.txt").string(), "x");
  auto not_dir = board({(dir / "file.txt").string()});
  CHECK(not_dir.exit_code == 3);
  CHECK(contains(not_dir.output, "is not a directory"));

  auto usage = board({});
  CHECK(usage.exit_code == 2);
  CHECK(contains(usage.output, "usage: strata board LOGDIR"));

  // A flipped byte in the middle of an event file: the error names the file.
  write_scalars(dir / "bad" / "train", {{"loss", {1.0, 0.5, 0.25, 0.125}}});
  const auto file = st::summary::event_files(dir / "bad" / "train").at(0);
  std::string bytes = st::testing::read_bytes(file.string());
  bytes[bytes.size() / 2] ^= 0x20;
  st::testing::write_bytes(file.string(), bytes);
  for (const auto& args : std::vector<std::vector<std::string>>{{(dir / "bad").string()},
                                                               {(dir / "bad").string(), "--html", (dir / "r.html").string()}}) {
    auto corrupted = board(args);
    INFO(corrupted.output);
    CHECK(corrupted.exit_code == 3);
    CHECK(contains(corrupted.output, "event file '" + file.string() + "' is corrupted"));
  }
  CHECK_FALSE(fs::exists(dir / "r.html"));

  write_scalars(dir / "good" / "train", {{"loss", {1.0, 0.5}}});
  auto unwritable = board({(dir / "good").string(), "--html", (dir / "no_dir" / "r.html").string()});
  CHECK(unwritable.exit_code == 3);
  CHECK(contains(unwritable.output, "Cannot write the report '" + (dir / "no_dir" / "r.html").string() + "'"));
}
