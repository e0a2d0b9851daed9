#pragma once
// Child processes for tests that need a real process: the `strata` command-line tool, and
// workers that a test kills with SIGKILL (BackupAndRestore, atomic saves). A worker is this test
// binary itself started again with STRATA_TEST_WORKER=<mode> in its environment: the test file
// of that mode runs the work from a static initializer and exits before doctest starts.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace strata_test {

// The path of this test binary.
inline std::string self_executable() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) throw std::runtime_error("readlink(/proc/self/exe) failed");
  return std::string(buffer, static_cast<std::size_t>(n));
}

// The worker mode this process was started in ("" for a normal test run).
inline std::string worker_mode() {
  const char* mode = std::getenv("STRATA_TEST_WORKER");
  return mode ? mode : "";
}
inline std::string env_or(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

// A line on stdout, unbuffered (a worker reports its progress this way; it may die any moment).
inline void report(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(1, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

class ChildProcess {
 public:
  // Starts argv[0] (a path) with the current environment plus `env`; stdout and stderr come back
  // through one pipe.
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const auto key = entry.substr(0, entry.find('='));
      if (!env.count(key)) env_text.push_back(entry);
    }
    for (const auto& [key, value] : env) env_text.push_back(key + "=" + value);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env_text) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv.at(0).c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      throw std::runtime_error("posix_spawn " + argv.at(0) + " failed: " + std::strerror(rc));
    }
    fd_ = fds[0];
  }
  ~ChildProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (fd_ >= 0) ::close(fd_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The next line of output (without "\n"); nullopt at the end of the output.
  std::optional<std::string> read_line() {
    for (;;) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (buffer_.empty()) return std::nullopt;
        return std::exchange(buffer_, std::string());
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // Everything left on the output.
  std::string read_all() {
    std::string out;
    while (auto line = read_line()) out += *line + "\n";
    return out;
  }
  void kill() { ::kill(pid_, SIGKILL); }
  // Waits for the end: the exit code, or 128 + the signal that ended it.
  int wait() {
    if (!waited_) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      waited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    }
    return code_;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  bool waited_ = false;
  int code_ = -1;
};

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
  ChildProcess child(argv, env);
  std::string output = child.read_all();
  return {child.wait(), output};
}

}  // namespace strata_test
