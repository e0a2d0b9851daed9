// `strata board`'s rendering from series built in memory: the table of last and best values, and
// the HTML report opened in a real headless browser (Debian's chromium), which must draw every
// chart with no console message; a screenshot is kept under the build folder.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>

#include "strata/tools/board/board_report.hpp"
#include "support/test_helpers.hpp"
#include "support/test_paths.hpp"
#include "tools/browser.hpp"

namespace fs = std::filesystem;
namespace board = strata::board;
using strata::testing::contains;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// A Keras-like log: train and validation runs sharing their epoch tags, a batch tag in train only.
board::Runs keras_like_runs() {
  board::Runs runs;
  for (int epoch = 0; epoch < 6; ++epoch) {
    const double t = 1.7e9 + 30.0 * epoch;
    runs["train"]["epoch_loss"].push_back({t, epoch, 1.0 / (1 + epoch)});
    runs["train"]["epoch_accuracy"].push_back({t, epoch, 0.5 + 0.08 * epoch});
    runs["validation"]["epoch_loss"].push_back({t + 2, epoch, epoch == 4 ? 0.15 : 1.2 / (1 + epoch)});
    runs["validation"]["epoch_accuracy"].push_back({t + 2, epoch, 0.45 + 0.07 * epoch});
  }
  for (int step = 0; step < 40; ++step)
    runs["train"]["batch_loss"].push_back({1.7e9 + step, step, 1.0 + 0.3 * std::sin(step) - 0.02 * step});
  return runs;
}

// The "d" attribute of each path of class `cls` whose data-run is `run`, in document order.
std::vector<std::string> paths_of(const std::string& dom, const std::string& cls, const std::string& run) {
  std::vector<std::string> out;
  const std::regex path_re("<path class=\"" + cls + "\" d=\"([^\"]*)\"[^>]*data-run=\"" + run + "\"");
  for (std::sregex_iterator it(dom.begin(), dom.end(), path_re), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

fs::path artifact_dir() {
  const fs::path dir = fs::path(STRATA_CLI_PATH).parent_path() / "test_artifacts";
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("strata board: the table gives each run and tag its last value and its best (min for losses, max for accuracy)") {
  // batch_loss = 1 + 0.3 sin(step) - 0.02 step: last 0.509139 at 39, lowest -0.0175337 at 36.
  CHECK(board::scalar_table(keras_like_runs()) ==
        "run         tag             points  last step      last              best  best step\n"
        "train       batch_loss          40         39  0.509139  -0.0175337 (min)         36\n"
        "train       epoch_accuracy       6          5       0.9         0.9 (max)          5\n"
        "train       epoch_loss           6          5  0.166667    0.166667 (min)          5\n"
        "validation  epoch_accuracy       6          5       0.8         0.8 (max)          5\n"
        "validation  epoch_loss           6          5       0.2        0.15 (min)          4\n");
  const auto summary = board::summarize(keras_like_runs());
  REQUIRE(summary.size() == 5);
  CHECK(summary[4].run == "validation");
  CHECK(summary[4].tag == "epoch_loss");
  CHECK(summary[4].last.step == 5);
  CHECK(summary[4].last.value == doctest::Approx(0.2));
  REQUIRE(summary[4].best);
  CHECK(summary[4].best->step == 4);
  CHECK(summary[4].best->value == 0.15);
  CHECK_FALSE(summary[4].higher_is_better);
  CHECK(summary[3].higher_is_better);  // validation epoch_accuracy
  CHECK(board::higher_is_better("epoch_auc"));
  CHECK_FALSE(board::higher_is_better("epoch_mean_absolute_error"));
  CHECK_FALSE(board::higher_is_better("epoch_learning_rate"));
}

TEST_CASE("strata board: NaN and infinite values are shown as TensorBoard does and never chosen as best") {
  board::Runs runs;
  runs["train"]["epoch_loss"] = {{1, 0, 0.5}, {2, 1, kNaN}, {3, 2, 0.25}, {4, 3, kInf}};
  runs["train"]["diverged"] = {{1, 0, kNaN}, {2, 1, -kInf}};
  CHECK(board::scalar_table(runs) ==
        "run    tag         points  last step       last        best  best step\n"
        "train  diverged         2          1  -Infinity           -          -\n"
        "train  epoch_loss       4          3   Infinity  0.25 (min)          2\n");
  CHECK(board::format_value(kNaN) == "NaN");
  CHECK(board::format_value(-kInf) == "-Infinity");
  CHECK(board::format_value(1234567.0) == "1.23457e+06");

  // In the page's data NaN and infinities are strings (JSON has no NaN); the page reads them back.
  const std::string html = board::html_report(runs, "nan");
  CHECK(contains(html, "[1,2.0,\"NaN\"]"));
  CHECK(contains(html, "[3,4.0,\"Infinity\"]"));
  CHECK(contains(html, "[1,2.0,\"-Infinity\"]"));
}

TEST_CASE("strata board: tag names with newlines, commas and markup stay one table row and inert text in HTML") {
  board::Runs runs;
  const std::string script_tag = "</script><script>document.title='pwned'</script>";
  const std::string img_tag = "<img src=x onerror=\"document.title='pwned2'\">";
  runs["train"]["loss\nper, batch"] = {{1, 0, 1.0}, {2, 1, 0.5}};
  runs["train"][script_tag] = {{1, 0, 1.0}, {2, 1, 2.0}};
  runs["train"][img_tag] = {{1, 0, 3.0}, {2, 1, 2.0}};
  runs["ru\"n&<b>"]["x{{DATA}}y"] = {{1, 0, 1.0}};
  const std::string table = board::scalar_table(runs);
  CHECK(contains(table, "loss\\nper, batch"));
  CHECK(strata::testing::count_of(table, "\n") == 5);

  const std::string html = board::html_report(runs, "logs <b>&\"</b>");
  CHECK_FALSE(contains(html, script_tag));
  CHECK_FALSE(contains(html, "<img"));
  CHECK_FALSE(contains(html, "<b>"));
  CHECK(contains(html, "<title>logs &lt;b&gt;&amp;&quot;&lt;/b&gt;</title>"));
  CHECK(contains(html, "\\u003c/script\\u003e\\u003cscript\\u003edocument.title='pwned'"));
  CHECK(contains(html, "\"x{{DATA}}y\""));  // filled in once, never scanned again
  // Exactly the page's own two script elements: the data block and the nonce'd script.
  CHECK(strata::testing::count_of(html, "<script") == 2);
  CHECK(strata::testing::count_of(html, "</script>") == 2);
}

TEST_CASE("strata board: the report is one self-contained file") {
  const std::string html = board::html_report(keras_like_runs(), "logs");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(contains(html, "default-src 'none'"));  // the browser itself refuses any fetch
  for (const char* outside : {"src=", "href=", "<link", "@import", "url(", "https://", "fetch("})
    CHECK_MESSAGE(!contains(html, outside), outside);
  // The one "http://" is the SVG namespace, a name, never fetched.
  CHECK(strata::testing::count_of(html, "http://") == 1);
  CHECK(contains(html, "\"http://www.w3.org/2000/svg\""));
  // The nonce is fresh per page.
  const std::regex nonce_re("nonce-([0-9a-f]{32})'");
  std::smatch a, b;
  const std::string other = board::html_report(keras_like_runs(), "logs");
  REQUIRE(std::regex_search(html, a, nonce_re));
  REQUIRE(std::regex_search(other, b, nonce_re));
  CHECK(a[1] != b[1]);
  CHECK(contains(html, "<script nonce=\"" + a[1].str() + "\">"));
}

TEST_CASE("strata board: the HTML report renders in headless chromium, every chart drawn, no console message") {
  const auto chromium = strata_test::find_chromium();
  if (!chromium) {
    MESSAGE("chromium is not installed (Debian package chromium; or set STRATA_CHROMIUM): skipping the browser check "
            "of the HTML report");
    return;
  }
  const strata::testing::ScopedTempDir dir("board_browser");
  board::Runs runs = keras_like_runs();
  runs["validation"]["epoch_accuracy"][2].value = kNaN;
  runs["train"]["epoch_loss"][3].value = kInf;
  runs["train"]["</script><img src=x onerror=\"document.title='pwned'\">, tag\nwith newline"] = {{1.7e9, 0, 1.0},
                                                                                                 {1.7e9 + 5, 1, 2.0}};
  const fs::path page = dir / "report.html";
  {
    std::ofstream out(page);
    out << board::html_report(runs, "strata board test");
  }
  const std::string url = "file://" + page.string();

  const auto run = strata_test::run_browser(*chromium, url, dir / "profile");
  REQUIRE_MESSAGE(run.exit_code == 0, "browser log:\n" << run.log);
  for (const auto& line : run.console) FAIL_CHECK("console: " << line);
  CHECK(run.console.empty());
  // The script ran to its end and built one chart per tag (4 tags), each an SVG with axes.
  CHECK(contains(run.dom, "data-rendered=\"4\""));
  CHECK(strata::testing::count_of(run.dom, "<div class=\"chart\"") == 4);
  CHECK(strata::testing::count_of(run.dom, "<svg ") == 4);
  CHECK(contains(run.dom, "<title>strata board test</title>"));
  // epoch_loss: train and validation together, raw and smoothed, 6 points each; the infinite
  // value breaks the train line into two pieces and gets a marker at the top edge.
  const auto train_loss = paths_of(run.dom, "smoothed", "train");
  const auto validation = paths_of(run.dom, "smoothed", "validation");
  REQUIRE(validation.size() == 2);  // epoch_accuracy, epoch_loss (charts in tag order)
  CHECK(strata::testing::count_of(validation[1], "M") == 1);
  CHECK(strata::testing::count_of(validation[1], "L") == 5);
  CHECK(strata::testing::count_of(validation[0], "M") == 2);  // the NaN at step 2 splits the line
  CHECK(strata::testing::count_of(validation[0], "L") == 3);
  CHECK(contains(run.dom, "<title>validation: NaN at step 2</title>"));
  CHECK(contains(run.dom, "<title>train: Infinity at step 3</title>"));
  REQUIRE(train_loss.size() == 4);  // the hostile tag sorts first, then batch_loss, epoch_accuracy, epoch_loss
  CHECK(strata::testing::count_of(train_loss[1], "L") == 39);
  CHECK(strata::testing::count_of(train_loss[3], "M") == 2);
  CHECK(contains(run.dom, "data-points=\"40\""));
  // The tag with markup is text, and its handler never ran.
  CHECK(contains(run.dom, "&lt;/script&gt;&lt;img src=x onerror=\"document.title='pwned'\"&gt;, tag\nwith newline</h3>"));
  CHECK_FALSE(contains(run.dom, "<img"));
  // Smoothing 0.6 (the default) bends the line away from the raw one; 0 follows it exactly.
  CHECK(paths_of(run.dom, "raw", "train")[1] != train_loss[1]);
  const auto flat = strata_test::run_browser(*chromium, url + "#smoothing=0&xaxis=wall", dir / "profile");
  CHECK(flat.console.empty());
  CHECK(paths_of(flat.dom, "raw", "train")[1] == paths_of(flat.dom, "smoothed", "train")[1]);
  CHECK(contains(flat.dom, "<output id=\"smoothing-value\">0.000</output>"));
  CHECK(std::regex_search(flat.dom, std::regex(">\\d\\d:\\d\\d:\\d\\d</text>")));  // wall-clock ticks

  // The hover read-out: the page with a pointer move over the batch_loss chart added at the end of
  // its script (a test-only copy).
  std::string probed = strata::testing::read_bytes(page);
  const std::string end_of_script = "  render();\n})();";
  const auto at = probed.rfind(end_of_script);
  REQUIRE(at != std::string::npos);
  probed.insert(at + std::string("  render();\n").size(),
                "  const probe = document.querySelectorAll('svg.chart-svg')[1], box = probe.getBoundingClientRect();\n"
                "  probe.dispatchEvent(new MouseEvent('mousemove', {clientX: box.left + 300, clientY: box.top + 100}));\n");
  {
    std::ofstream out(dir / "probed.html");
    out << probed;
  }
  const auto hovered = strata_test::run_browser(*chromium, "file://" + (dir / "probed.html").string(), dir / "profile");
  CHECK(hovered.console.empty());
  CHECK(std::regex_search(hovered.dom, std::regex("class=\"tooltip\" style=\"display: block;[^>]*>train  step \\d+  value ")));

  // The screenshot, kept for a person to look at.
  const fs::path shot = artifact_dir() / "board_report.png";
  fs::remove(shot);
  const auto pictured = strata_test::run_browser(*chromium, url, dir / "profile", shot.string(), 1280, 1100);
  CHECK(pictured.console.empty());
  const std::string png = strata::testing::read_bytes(shot);
  REQUIRE(png.size() > 20000);  // a blank page is a few KB
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  fs::copy_file(page, artifact_dir() / "board_report.html", fs::copy_options::overwrite_existing);
  MESSAGE("screenshot of the report: " << shot.string());
}
