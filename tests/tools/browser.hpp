#pragma once
// A real headless browser for tests of HTML pages: Debian's chromium (or $STRATA_CHROMIUM), run
// as a process on a file. run_browser gives the DOM after the page's scripts ran, and the browser's
// log, in which console messages and uncaught exceptions appear as "CONSOLE" lines.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace strata_test {

// The browser's path, or nullopt when none is installed.
inline std::optional<std::string> find_chromium() {
  if (const char* given = std::getenv("STRATA_CHROMIUM"); given && *given) return std::string(given);
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (std::filesystem::exists(candidate)) return std::string(candidate);
  return std::nullopt;
}

struct BrowserRun {
  int exit_code = 0;
  std::string dom;  // the serialized DOM after the scripts ran (--dump-dom)
  std::string log;  // the browser's log (stderr)
  std::vector<std::string> console;  // the log's console lines (messages, errors, exceptions)
};

// Opens `url` headless with a fresh profile in `profile_dir`, lets its scripts run (a virtual time
// budget, so timers settle), and dumps the DOM; with `screenshot` also saves a PNG of the page at
// `width` x `height`.
inline BrowserRun run_browser(const std::string& chromium, const std::string& url, const std::filesystem::path& profile_dir,
                              const std::string& screenshot = "", int width = 1280, int height = 1600) {
  std::vector<std::string> args{chromium,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--no-first-run",
                                "--disable-extensions",
                                "--disable-background-networking",
                                "--user-data-dir=" + profile_dir.string(),
                                "--enable-logging=stderr",
                                "--v=0",
                                "--virtual-time-budget=5000",
                                "--window-size=" + std::to_string(width) + "," + std::to_string(height)};
  if (!screenshot.empty()) args.push_back("--screenshot=" + screenshot);
  else args.push_back("--dump-dom");
  args.push_back(url);
  // stdout (the DOM) and stderr (the log) to files of their own, so they cannot interleave.
  const std::string out_path = (profile_dir / "stdout.txt").string(), err_path = (profile_dir / "stderr.txt").string();
  std::filesystem::create_directories(profile_dir);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, chromium.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + chromium + ": " + std::strerror(rc));
  // A browser that hangs is stopped after two minutes (the run then reports signal 9).
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto slurp = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  BrowserRun run{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out_path), slurp(err_path), {}};
  std::size_t start = 0;
  while (start < run.log.size()) {
    auto end = run.log.find('\n', start);
    if (end == std::string::npos) end = run.log.size();
    const std::string line = run.log.substr(start, end - start);
    if (line.find(":CONSOLE") != std::string::npos) run.console.push_back(line);
    start = end + 1;
  }
  return run;
}

}  // namespace strata_test
