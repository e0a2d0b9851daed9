#pragma once
// What `strata board` shows of a log directory's scalars: a text table of the last and best value
// of each run and tag, and one self-contained HTML page of charts (TensorBoard's scalars tab,
// offline). Both take the series as read_scalars gives them: run -> tag -> points in step order.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/summary/event_reader.hpp"

namespace strata::board {

using ScalarPoint = summary::ScalarPoint;
using Runs = std::map<std::string, std::map<std::string, std::vector<ScalarPoint>>>;

// Keras's "auto" mode of EarlyStopping / ModelCheckpoint: accuracy-like tags are better higher,
// everything else (losses, errors) lower.
bool higher_is_better(const std::string& tag);

// A value as TensorBoard prints it: up to 6 significant digits, "NaN", "Infinity", "-Infinity".
std::string format_value(double value);

struct TagSummary {
  std::string run, tag;
  std::size_t points = 0;
  ScalarPoint last{};
  std::optional<ScalarPoint> best;  // the best finite value (none when no value is finite)
  bool higher_is_better = false;
};
std::vector<TagSummary> summarize(const Runs& runs);

// The table `strata board LOGDIR` prints: one row per run and tag. Control characters in names
// are shown escaped ("\n"), so every row stays one line.
std::string scalar_table(const Runs& runs);

// The HTML page: one chart per tag with a line per run (train and validation together), step /
// relative / wall-time x axis, TensorBoard's smoothing slider. Everything inline (no network: a
// Content-Security-Policy forbids any fetch); names reach the page as JSON read with JSON.parse
// and are shown with textContent, so a tag can never inject markup or script.
std::string html_report(const Runs& runs, const std::string& title);

// The page's HTML, CSS and script with the placeholders html_report fills (board_page.cpp).
const char* page_template();

}  // namespace strata::board
