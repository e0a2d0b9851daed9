#pragma once
// EventFileWriter: appends Events to a new event file, as TensorFlow's EventsWriter.
//
// The file is <logdir>/events.out.tfevents.<seconds>.<host>.<pid>.<n><suffix>, its first record the
// file_version "brain.Event:2" event. Events are framed (record.hpp) and kept in memory, then
// appended as whole records: on flush(), on close, when `flush_seconds` have passed since the last
// write, and when a megabyte is waiting. TensorBoard reads the file while it grows; a crash leaves
// at most a partial last record, which readers skip.
//
// Logging never stops training: a directory that cannot be created or a failed write (disk full)
// is one warning (strata::warn) naming the file and the reason; the file is cut back to its last
// whole record and the writer drops what it is given from then on. Thread-safe.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "strata/framework/summary/event.hpp"

namespace strata::summary {

struct EventFileWriterOptions {
  double flush_seconds = 120;         // tf.summary.create_file_writer's flush_millis / 1000
  std::string filename_suffix = ".v2";  // as TF2's summary writers name their files
};

class EventFileWriter {
 public:
  // A new file in `logdir` (created if needed).
  explicit EventFileWriter(const std::filesystem::path& logdir, EventFileWriterOptions options = {});
  // Writes to exactly `file` (appending): for tests of failing files such as /dev/full.
  static std::unique_ptr<EventFileWriter> to_file(const std::filesystem::path& file, EventFileWriterOptions options = {});
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // Queues one event; false when the writer has failed or is closed (nothing is queued).
  bool add_event(const Event& event);
  // Appends the queued records to the file.
  void flush();
  // Flushes and closes; later events are dropped.
  void close();

  const std::filesystem::path& path() const { return path_; }
  bool failed() const;

 private:
  struct FileTag {};
  EventFileWriter(FileTag, std::filesystem::path file, EventFileWriterOptions options);
  void open(bool create_new);
  void flush_locked();
  void fail(const std::string& what, int error_number);

  mutable std::mutex mutex_;
  std::filesystem::path path_;
  EventFileWriterOptions options_;
  int fd_ = -1;
  std::string pending_;       // whole records not yet in the file
  std::uint64_t written_ = 0;  // bytes of whole records in the file
  bool regular_ = false;      // a regular file (not a device such as /dev/full): can be cut back
  bool failed_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_flush_;
};

// Seconds since the Unix epoch, as Event.wall_time holds them.
double wall_time_now();

}  // namespace strata::summary
