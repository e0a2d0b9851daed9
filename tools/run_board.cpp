// board: the scalars of a TensorBoard log directory as a table, or as one HTML report.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "strata/tools/board/board_report.hpp"
#include "cli.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/summary/event_reader.hpp"

namespace strata::cli {

namespace fs = std::filesystem;

int run_board(const Arguments& args) {
  args.expect_positional({"LOGDIR"});
  const fs::path logdir = args.positional[0];
  std::error_code ec;
  if (!fs::exists(logdir, ec)) throw IOError("No such log directory: '" + logdir.string() + "'");
  if (!fs::is_directory(logdir, ec)) throw IOError("'" + logdir.string() + "' is not a directory (give the log directory)");
  // TensorBoard's rule: event files are the files whose name holds "tfevents", at any depth.
  std::size_t event_files = 0;
  for (auto it = fs::recursive_directory_iterator(logdir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().filename().string().find("tfevents") != std::string::npos) ++event_files;
  if (event_files == 0)
    throw IOError("No TensorBoard event files (events.out.tfevents.*) under '" + logdir.string() +
                  "'; give the log_dir of callbacks::TensorBoard or of st::summary::create_file_writer");
  const board::Runs runs = summary::read_scalars(logdir);

  if (const auto html = args.get("--html")) {
    std::ofstream out(*html, std::ios::binary);
    out << board::html_report(runs, "strata board: " + logdir.string());
    out.close();
    if (!out) throw IOError("Cannot write the report '" + *html + "'");
    std::size_t tags = 0;
    for (const auto& [run, series] : runs) tags += series.size();
    std::cout << "wrote " << *html << " (" << runs.size() << " runs, " << tags << " run/tag series)\n";
    return kOk;
  }
  if (runs.empty()) {
    std::cout << "no scalar summaries in the " << event_files << " event file(s) under " << logdir.string() << "\n";
    return kOk;
  }
  std::cout << board::scalar_table(runs);
  return kOk;
}

}  // namespace strata::cli
