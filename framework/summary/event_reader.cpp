#include "strata/framework/summary/event_reader.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <system_error>

#include "strata/framework/errors.hpp"
#include "strata/framework/summary/record.hpp"

namespace strata::summary {
namespace fs = std::filesystem;
namespace {

// Name order with digit runs compared by value, so that a writer's file ".9.v2" comes before
// ".10.v2" (the counter at the end of TensorFlow's file names is not zero-padded).
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      std::string_view x(a.data() + i, ei - i), y(b.data() + j, ej - j);
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j || (a.size() - i == b.size() - j && a < b);
}

}  // namespace

std::vector<Event> read_events(const fs::path& file) {
  std::vector<Event> events;
  for (const auto& record : read_records(file)) {
    try {
      events.push_back(decode_event(record.data));
    } catch (const IOError& error) {
      throw IOError("event file '" + file.string() + "': the record at offset " + std::to_string(record.offset) +
                    " is not an Event: " + error.what());
    }
  }
  return events;
}

std::vector<fs::path> event_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file(error) && entry.path().filename().string().find("tfevents") != std::string::npos)
      files.push_back(entry.path());
  }
  if (error) throw IOError("cannot list the log directory '" + dir.string() + "': " + error.message());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.filename().string(), b.filename().string());
  });
  return files;
}

std::map<std::string, std::map<std::string, std::vector<ScalarPoint>>> read_scalars(const fs::path& logdir) {
  std::error_code error;
  if (!fs::is_directory(logdir, error)) throw IOError("the log directory '" + logdir.string() + "' does not exist.");
  std::vector<fs::path> dirs{logdir};
  for (auto it = fs::recursive_directory_iterator(logdir, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error))
    if (it->is_directory(error)) dirs.push_back(it->path());

  std::map<std::string, std::map<std::string, std::vector<ScalarPoint>>> runs;
  for (const auto& dir : dirs) {
    const auto files = event_files(dir);
    if (files.empty()) continue;
    const std::string run = fs::relative(dir, logdir).generic_string();
    auto& tags = runs[run.empty() ? "." : run];
    // TF1 writers put a tag's metadata on its first value only: remember each tag's plugin.
    std::map<std::string, std::string> plugin_of;
    for (const auto& file : files) {
      for (const auto& event : read_events(file)) {
        if (!event.summary) continue;
        for (const auto& value : *event.summary) {
          if (value.metadata) plugin_of[value.tag] = value.metadata->plugin_name;
          if (value.simple_value) {
            tags[value.tag].push_back({event.wall_time, event.step, *value.simple_value});
          } else if (value.tensor && plugin_of[value.tag] == "scalars") {
            const auto numbers = value.tensor->numbers();
            if (numbers.size() == 1) tags[value.tag].push_back({event.wall_time, event.step, numbers[0]});
          }
        }
      }
    }
    if (tags.empty()) runs.erase(run.empty() ? "." : run);
  }
  return runs;
}

}  // namespace strata::summary
