#pragma once
// strata::warn: the one channel for warnings (Python's warnings.warn / absl's WARNING). By default
// a warning goes to std::cerr as "WARNING: <message>"; a program may redirect it (to its own log,
// to a test's buffer) or silence it.
#include <functional>
#include <string>
#include <vector>

namespace strata {

// Receives each warning's message (without prefix or newline).
using WarningHandler = std::function<void(const std::string& message)>;

// Sends `message` to the current handler (thread-safe; the handler is called under a lock).
void warn(const std::string& message);

// Replaces the handler and returns the previous one; an empty handler silences warnings.
WarningHandler set_warning_handler(WarningHandler handler);

// The default handler: "WARNING: <message>\n" on std::cerr.
void print_warning(const std::string& message);

// Collects the warnings raised while it lives (tests, or a caller that reports them itself), and
// puts the previous handler back when it goes.
class CaptureWarnings {
 public:
  CaptureWarnings();
  ~CaptureWarnings();
  CaptureWarnings(const CaptureWarnings&) = delete;
  CaptureWarnings& operator=(const CaptureWarnings&) = delete;
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  WarningHandler previous_;
  std::vector<std::string> messages_;
};

}  // namespace strata
