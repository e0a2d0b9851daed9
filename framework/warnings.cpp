#include "strata/framework/warnings.hpp"

#include <iostream>
#include <mutex>

namespace strata {

namespace {

std::mutex& handler_mutex() {
  static std::mutex mutex;
  return mutex;
}

WarningHandler& handler() {
  static WarningHandler current = print_warning;
  return current;
}

}  // namespace

void print_warning(const std::string& message) { std::cerr << "WARNING: " << message << std::endl; }

void warn(const std::string& message) {
  std::lock_guard lock(handler_mutex());
  if (handler()) handler()(message);
}

WarningHandler set_warning_handler(WarningHandler replacement) {
  std::lock_guard lock(handler_mutex());
  WarningHandler previous = std::move(handler());
  handler() = std::move(replacement);
  return previous;
}

CaptureWarnings::CaptureWarnings()
    : previous_(set_warning_handler([this](const std::string& message) { messages_.push_back(message); })) {}

CaptureWarnings::~CaptureWarnings() { set_warning_handler(std::move(previous_)); }

}  // namespace strata
