#pragma once
// Reading event files back: every event of a file, and every scalar of a log directory (what
// `strata board` and the tests read). Damaged files are handled as TensorBoard handles them
// (record.hpp): a truncated last record is skipped, a checksum mismatch is an IOError naming the
// file and the record's offset.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "strata/framework/summary/event.hpp"

namespace strata::summary {

struct ScalarPoint {
  double wall_time;
  std::int64_t step;
  double value;
};

// The decoded events of one file, in order (the first is the file_version event).
std::vector<Event> read_events(const std::filesystem::path& file);

// The event files of one directory (not its subfolders): regular files whose name contains
// "tfevents", sorted by name with numbers by value (".9.v2" before ".10.v2", as a writer numbers
// its files).
std::vector<std::filesystem::path> event_files(const std::filesystem::path& dir);

// Every scalar of every event file under logdir, by run (the subfolder relative to logdir, "." for
// logdir itself; e.g. "train", "validation") then tag, in file order (files sorted by name, as
// event_files sorts them).
// Scalars are Summary values with simple_value (TF1) or a one-element tensor whose tag's metadata
// names the "scalars" plugin (TF2, what Strata writes). A missing logdir is an IOError.
std::map<std::string, std::map<std::string, std::vector<ScalarPoint>>> read_scalars(const std::filesystem::path& logdir);

}  // namespace strata::summary
