#pragma once
// A progress bar, as keras.utils.Progbar — what ProgbarLogger draws during fit / evaluate / predict:
//
//   469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.8264 - loss: 0.4951
//
// verbose 1 draws the bar: on a terminal (interactive) it is redrawn in place with '\r' at most
// every `interval` seconds, with Keras's bold / green / grey ANSI styling and an ETA while running;
// on anything else (a file, a pipe, a string stream) only the final line is written. verbose 2
// writes one plain line when finished ("469/469 - 2s - 4ms/step - loss: 0.4951"); verbose 0
// writes nothing.
//
// Values are averaged over the steps, weighted by the steps since the last update, unless named in
// `stateful_metrics` (shown as given); the finalizing update shows the values it gets as they are.
// Numbers print as Keras prints them: "%.4f", or "%.4e" when |value| <= 1e-3.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace strata::callbacks {

struct ProgbarOptions {
  int width = 20;        // characters of the bar
  int verbose = 1;       // 0 silent, 1 bar, 2 one line when finished
  double interval = 0.05;  // seconds between two redraws of an interactive bar
  // Names shown as given (not averaged). At most one of the two lists may be set; with
  // `stateless_metrics` only those are averaged. Neither: every value is averaged.
  std::optional<std::set<std::string>> stateful_metrics;
  std::optional<std::set<std::string>> stateless_metrics;
  std::string unit_name = "step";
  std::ostream* stream = nullptr;          // null: std::cout
  std::optional<bool> interactive;         // unset: whether `stream` is a terminal (isatty)
  std::function<double()> clock;           // seconds; unset: std::chrono::steady_clock
};

class Progbar {
 public:
  using Values = std::vector<std::pair<std::string, double>>;

  // `target`: total number of steps, or nullopt when unknown ("    12/Unknown").
  // Throws ValueError when both stateful_metrics and stateless_metrics are given.
  explicit Progbar(std::optional<std::int64_t> target, ProgbarOptions options = {});

  // Step `current` (1-based count of steps done) with the values of the last step. `finalize`
  // defaults to current >= target.
  void update(std::int64_t current, const Values& values = {}, std::optional<bool> finalize = std::nullopt);
  // update(steps seen so far + n, values).
  void add(std::int64_t n, const Values& values = {});

  std::optional<std::int64_t> target() const { return target_; }
  void set_target(std::optional<std::int64_t> target) { target_ = target; }
  bool interactive() const { return interactive_; }

  // Keras's time per unit: " 2s/step", " 4ms/step", " 45us/step" (with the leading space).
  static std::string format_time(double time_per_unit, const std::string& unit_name);
  // Keras's value format: "%.4f" when |value| > 1e-3, else "%.4e" ("nan" for NaN).
  static std::string format_value(double value);
  // Keras's ETA: "%ds" under a minute, "%d:%02d" under an hour, "%d:%02d:%02d" beyond.
  static std::string format_eta(double seconds);

 private:
  double now() const;
  double estimate_step_duration(std::int64_t current, double now);
  void write(const std::string& text);

  std::optional<std::int64_t> target_;
  ProgbarOptions options_;
  std::ostream* stream_;
  bool interactive_;
  std::map<std::string, std::pair<double, double>> values_;  // name -> (weighted sum, weight)
  std::vector<std::string> values_order_;
  std::int64_t seen_so_far_ = 0;
  double start_;
  std::optional<double> last_update_;
  std::optional<double> time_after_first_step_;
  std::size_t previous_width_ = 0;
};

// Whether `stream` writes to a terminal: std::cout / std::cerr / std::clog (or a stream sharing
// their buffer) whose file descriptor isatty. Any other stream is not.
bool is_terminal(const std::ostream& stream);

}  // namespace strata::callbacks
