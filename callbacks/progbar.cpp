#include "strata/callbacks/progbar.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/framework/errors.hpp"

namespace strata::callbacks {

namespace {

constexpr const char* kBarChar = "\u2501";  // ━
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kGrey = "\x1b[37m";
constexpr const char* kReset = "\x1b[0m";

std::string repeat(const char* piece, std::int64_t times) {
  std::string out;
  for (std::int64_t i = 0; i < times; ++i) out += piece;
  return out;
}

// Characters on screen: UTF-8 code points outside ANSI escape sequences.
std::size_t visible_width(const std::string& text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string format_int(const char* format, long long value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// "%{numdigits}d/%d" with numdigits the digits of target.
std::string step_count(std::int64_t current, std::int64_t target) {
  int digits = static_cast<int>(std::log10(static_cast<double>(target))) + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*lld/%lld", digits, static_cast<long long>(current), static_cast<long long>(target));
  return buf;
}

}  // namespace

bool is_terminal(const std::ostream& stream) {
  auto* buffer = stream.rdbuf();
  if (buffer == nullptr) return false;
  if (buffer == std::cout.rdbuf()) return ::isatty(STDOUT_FILENO) != 0;
  if (buffer == std::cerr.rdbuf() || buffer == std::clog.rdbuf()) return ::isatty(STDERR_FILENO) != 0;
  return false;
}

Progbar::Progbar(std::optional<std::int64_t> target, ProgbarOptions options)
    : target_(target), options_(std::move(options)) {
  if (options_.stateful_metrics && options_.stateless_metrics)
    throw ValueError(
        "Only one off `stateful_metrics` metrics or `stateless_metrics` must be provided. `stateful_metrics` is "
        "used to have metrics be stateless by default with an exclusion list. `stateless_metrics` is used to have "
        "metrics be statefull by default with an exclusion list.");
  if (!options_.stateful_metrics && !options_.stateless_metrics) options_.stateful_metrics.emplace();
  stream_ = options_.stream ? options_.stream : &std::cout;
  interactive_ = options_.interactive.value_or(is_terminal(*stream_));
  start_ = now();
}

double Progbar::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Progbar::write(const std::string& text) {
  *stream_ << text;
  stream_->flush();
}

void Progbar::add(std::int64_t n, const Values& values) { update(seen_so_far_ + n, values); }

void Progbar::update(std::int64_t current, const Values& values, std::optional<bool> finalize_arg) {
  const bool finalize = finalize_arg.value_or(target_.has_value() && current >= *target_);

  for (const auto& [name, value] : values) {
    if (std::find(values_order_.begin(), values_order_.end(), name) == values_order_.end())
      values_order_.push_back(name);
    const bool stateless = options_.stateful_metrics ? !options_.stateful_metrics->contains(name)
                                                     : options_.stateless_metrics->contains(name);
    if (stateless && !finalize) {
      // Weighted by the steps since the last update (at least 1), as Keras.
      const double base = static_cast<double>(std::max<std::int64_t>(current - seen_so_far_, 1));
      auto [it, inserted] = values_.try_emplace(name, value * base, base);
      if (!inserted) {
        it->second.first += value * base;
        it->second.second += base;
      }
    } else {
      values_[name] = {value, 1.0};
    }
  }
  seen_so_far_ = current;

  const double time_now = now();
  const double time_per_unit = estimate_step_duration(current, time_now);
  const bool known_target = target_.has_value() && *target_ > 0;

  auto average = [&](const std::string& name) {
    const auto& [sum, count] = values_.at(name);
    return sum / std::max(1.0, count);
  };

  if (options_.verbose == 1) {
    if (last_update_ && time_now - *last_update_ < options_.interval && !finalize) return;
    if (!interactive_ && !finalize) {
      last_update_ = time_now;
      return;
    }
    auto style = [&](const char* code, const std::string& text) {
      return interactive_ ? code + text + kReset : text;
    };

    std::string bar;
    if (known_target) {
      bar = style(kBold, step_count(current, *target_)) + " ";
      const double progress = static_cast<double>(current) / static_cast<double>(*target_);
      const auto done = static_cast<std::int64_t>(options_.width * progress);
      if (done > 0) bar += style(kGreen, repeat(kBarChar, done));
      bar += style(kGrey, repeat(kBarChar, std::max<std::int64_t>(options_.width - done, 0)));
    } else {
      bar = format_int("%7lld/Unknown", static_cast<long long>(current));
    }

    std::string info;
    if (known_target && !finalize)
      info = " " + style(kBold, format_eta(time_per_unit * static_cast<double>(*target_ - current)));
    else
      info = " " + style(kBold, detail::python_fixed(time_now - start_, 0) + "s");
    info += format_time(time_per_unit, options_.unit_name);
    for (const auto& name : values_order_) info += " - " + name + ": " + format_value(average(name));

    const std::size_t width = visible_width(bar) + visible_width(info);
    std::string message;
    if (interactive_) {
      message = "\r" + bar + info;
      if (previous_width_ > width) message += std::string(previous_width_ - width, ' ');
    } else {
      message = bar + info;
    }
    if (finalize) message += "\n";
    write(message);
    previous_width_ = width;
  } else if (options_.verbose == 2) {
    if (finalize && known_target) {
      std::string info = step_count(current, *target_) + " - " + detail::python_fixed(time_now - start_, 0) + "s";
      info += " -" + format_time(time_per_unit, options_.unit_name);
      for (const auto& name : values_order_) {
        const double avg = average(name);
        // Keras compares the signed value here (a negative value prints with %.4e).
        info += " - " + name + ": " + (avg > 1e-3 ? detail::python_fixed(avg, 4) : detail::python_exponent(avg, 4));
      }
      write(info + "\n");
    }
  }
  last_update_ = time_now;
}

double Progbar::estimate_step_duration(std::int64_t current, double time_now) {
  if (current == 0) return 0.0;
  double time_per_unit;
  // The first step (often slow: warm-up) is left out once more steps are known.
  if (time_after_first_step_ && current > 1)
    time_per_unit = (time_now - *time_after_first_step_) / static_cast<double>(current - 1);
  else
    time_per_unit = (time_now - start_) / static_cast<double>(current);
  if (current == 1) time_after_first_step_ = time_now;
  return time_per_unit;
}

std::string Progbar::format_time(double time_per_unit, const std::string& unit_name) {
  if (time_per_unit >= 1 || time_per_unit == 0) return " " + detail::python_fixed(time_per_unit, 0) + "s/" + unit_name;
  if (time_per_unit >= 1e-3) return " " + detail::python_fixed(time_per_unit * 1000.0, 0) + "ms/" + unit_name;
  return " " + detail::python_fixed(time_per_unit * 1000000.0, 0) + "us/" + unit_name;
}

std::string Progbar::format_value(double value) {
  return std::abs(value) > 1e-3 ? detail::python_fixed(value, 4) : detail::python_exponent(value, 4);
}

std::string Progbar::format_eta(double eta) {
  char buf[64];
  if (eta > 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(std::floor(eta / 3600)),
                  static_cast<long long>(std::fmod(eta, 3600) / 60), static_cast<long long>(std::fmod(eta, 60)));
  else if (eta > 60)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(std::floor(eta / 60)),
                  static_cast<long long>(std::fmod(eta, 60)));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(eta));
  return buf;
}

}  // namespace strata::callbacks
