#include "strata/framework/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <thread>

#include "strata/framework/errors.hpp"

namespace strata::io {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
  throw IOError("Unable to write file '" + path + "': " + what + (error ? std::string(": ") + std::strerror(error) : ""));
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<unsigned long> counter{0};
  const auto slash = path_.rfind('/');
  folder_ = slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path_.substr(0, slash);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  if (base.empty()) fail(path_, "the path names a directory", 0);
  const std::size_t thread = std::hash<std::thread::id>{}(std::this_thread::get_id());
  temporary_ = (slash == std::string::npos ? std::string() : path_.substr(0, slash + 1)) + "." + base + ".tmp" +
               std::to_string(::getpid()) + "_" + std::to_string(thread % 1000000007u) + "_" +
               std::to_string(counter++);
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicFile::commit() {
  const int fd = ::open(temporary_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path_, "cannot open the temporary file '" + temporary_ + "'", errno);
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!synced) fail(path_, "fsync failed", error);
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) fail(path_, "cannot rename the temporary file over it", errno);
  committed_ = true;
  // The rename itself must reach the disk before anything depends on it.
  if (const int dir = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile file(path);
  const int fd = ::open(file.temporary_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot create a file in directory '" + file.folder() + "'", errno);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      fail(path, "write failed", error);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail(path, "close failed", errno);
  file.commit();
}

}  // namespace strata::io
