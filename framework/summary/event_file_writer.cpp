#include "strata/framework/summary/event_file_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "strata/framework/summary/record.hpp"
#include "strata/framework/warnings.hpp"

namespace strata::summary {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxPending = 1 << 20;

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

fs::path new_file_name(const fs::path& logdir, const std::string& suffix) {
  static std::atomic<std::uint64_t> counter{0};
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%010lld", static_cast<long long>(seconds));
  return logdir / ("events.out.tfevents." + std::string(stamp) + "." + host_name() + "." + std::to_string(getpid()) +
                   "." + std::to_string(counter++) + suffix);
}

}  // namespace

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

EventFileWriter::EventFileWriter(const fs::path& logdir, EventFileWriterOptions options) : options_(std::move(options)) {
  std::error_code error;
  fs::create_directories(logdir, error);
  if (error || !fs::is_directory(logdir)) {
    path_ = logdir;
    failed_ = true;
    warn("TensorBoard: cannot create the log directory '" + logdir.string() + "' (" +
         (error ? error.message() : std::string("not a directory")) + "); nothing will be logged there.");
    return;
  }
  path_ = new_file_name(logdir, options_.filename_suffix);
  open(true);
}

EventFileWriter::EventFileWriter(FileTag, fs::path file, EventFileWriterOptions options)
    : path_(std::move(file)), options_(std::move(options)) {
  open(false);
}

std::unique_ptr<EventFileWriter> EventFileWriter::to_file(const fs::path& file, EventFileWriterOptions options) {
  return std::unique_ptr<EventFileWriter>(new EventFileWriter(FileTag{}, file, std::move(options)));
}

void EventFileWriter::open(bool create_new) {
  const int flags = O_WRONLY | O_CLOEXEC | (create_new ? O_CREAT | O_EXCL : O_CREAT | O_APPEND);
  fd_ = ::open(path_.c_str(), flags, 0644);
  if (fd_ < 0) {
    fail("cannot create the event file", errno);
    return;
  }
  struct stat status {};
  if (fstat(fd_, &status) == 0 && S_ISREG(status.st_mode)) {
    written_ = static_cast<std::uint64_t>(status.st_size);
    regular_ = true;
  }
  last_flush_ = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  pending_ = frame_record(encode_event(Event{.wall_time = wall_time_now(), .file_version = "brain.Event:2"}));
  flush_locked();  // the file is complete enough for TensorBoard to list at once
}

EventFileWriter::~EventFileWriter() { close(); }

bool EventFileWriter::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

bool EventFileWriter::add_event(const Event& event) {
  std::string record = frame_record(encode_event(event));  // outside the lock: the costly part
  std::lock_guard lock(mutex_);
  if (failed_ || closed_) return false;
  pending_ += record;
  if (pending_.size() >= kMaxPending ||
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_flush_).count() >= options_.flush_seconds)
    flush_locked();
  return !failed_;
}

void EventFileWriter::flush() {
  std::lock_guard lock(mutex_);
  flush_locked();
}

void EventFileWriter::flush_locked() {
  last_flush_ = std::chrono::steady_clock::now();
  if (failed_ || fd_ < 0 || pending_.empty()) return;
  std::size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error_number = n < 0 ? errno : ENOSPC;
      if (regular_ && ftruncate(fd_, static_cast<off_t>(written_)) != 0) {}  // best effort: a full disk can still shrink a file
      fail("cannot write to the event file", error_number);
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  written_ += pending_.size();
  pending_.clear();
}

void EventFileWriter::fail(const std::string& what, int error_number) {
  failed_ = true;
  pending_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  warn("TensorBoard: " + what + " '" + path_.string() + "' (" + std::strerror(error_number) +
       "); logging to it stops, training goes on.");
}

void EventFileWriter::close() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  flush_locked();
  closed_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace strata::summary
