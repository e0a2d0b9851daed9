#include "strata/callbacks/detail/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/framework/errors.hpp"

namespace strata::callbacks::detail {

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw IOError("Unable to write file '" + path + "': " + what + ": " + std::strerror(errno));
}
}  // namespace

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  const std::filesystem::path folder = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  const std::string temporary =
      (folder / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()))).string();
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot create the temporary file '" + temporary + "'");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(temporary.c_str());
      fail(path, "write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temporary.c_str());
    fail(path, "fsync failed");
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    fail(path, "cannot rename the temporary file");
  }
  // The rename itself must reach the disk before anything depends on it.
  if (int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string read_text(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("Unable to open file '" + path + "': " + std::strerror(errno));
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw IOError("File '" + path + "' is larger than " + std::to_string(max_bytes) + " bytes; it is not a " +
                    std::filesystem::path(path).filename().string() + " this code wrote");
  }
  if (in.bad()) throw IOError("Unable to read file '" + path + "'");
  return text;
}

}  // namespace strata::callbacks::detail
