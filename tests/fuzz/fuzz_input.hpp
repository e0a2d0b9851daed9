#pragma once
// The file a fuzz target's loader reads: a memfd, rewritten for every input (no disk traffic).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace strata_fuzz {

inline const std::string& input_path() {
  static const std::string path = [] {
    const int fd = ::memfd_create("strata_fuzz_input", 0);
    if (fd < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return path;
}

inline void write_input(const std::uint8_t* data, std::size_t size) {
  const int fd = std::stoi(input_path().substr(14));
  if (::ftruncate(fd, 0) != 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace strata_fuzz
