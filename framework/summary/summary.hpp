#pragma once
// st::summary, as tf.summary: summaries for TensorBoard from a hand-written training loop.
//
//   auto writer = st::summary::create_file_writer("logs/run1");
//   auto scope = writer.as_default();                 // this thread's default writer until `scope` ends
//   for (std::int64_t step = 0; ...; ++step) {
//     ...
//     st::summary::scalar("loss", loss, step);         // a Tensor or a number
//     st::summary::histogram("dense/kernel", kernel, step);
//   }
//   st::summary::text("notes", "lr 1e-3, **bold**", 0);
//   st::summary::image("inputs", batch /* (k, h, w, c) */, 0);   // PNG; c = 1, 2, 3 or 4
//
// Each function writes to the default writer of the calling thread (the innermost live
// as_default() scope) and returns false when there is none, as tf.summary does. The step is the
// argument, else the one set by as_default(step) / set_step(); with neither it is a ValueError.
// Writes are thread-safe; a writer that cannot write warns once and drops what it is given
// (event_file_writer.hpp), so a full disk never stops training.
//
// What is written is what TensorFlow 2 writes (each value carries its metadata):
//   scalar     rank-0 float32 tensor, plugin "scalars", DATA_CLASS_SCALAR
//   histogram  (k, 3) float64 tensor of [left edge, right edge, count] rows, plugin "histograms"
//              (tf.summary.histogram's buckets: `buckets` equal-width buckets over [min, max]; a
//              single bucket [v - 0.5, v + 0.5] when every value is v; none when empty; NaN and
//              infinite values are left out)
//   text       rank-0 string tensor, plugin "text"
//   image      rank-1 string tensor [width, height, png...], plugin "images"
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/summary/event.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::summary {

class EventFileWriter;

struct FileWriterOptions {
  double flush_seconds = 120;  // tf's flush_millis: the longest a summary waits in memory
  std::string filename_suffix = ".v2";
};

class SummaryWriter {
 public:
  // A writer that writes nothing (tf.summary.create_noop_writer).
  SummaryWriter() = default;

  // Makes this writer the calling thread's default while the returned object lives.
  class DefaultScope {
   public:
    ~DefaultScope();
    DefaultScope(DefaultScope&& other) noexcept;
    DefaultScope(const DefaultScope&) = delete;
    DefaultScope& operator=(const DefaultScope&) = delete;
    DefaultScope& operator=(DefaultScope&&) = delete;

   private:
    friend class SummaryWriter;
    DefaultScope() = default;
    bool active_ = false;
  };
  [[nodiscard]] DefaultScope as_default(std::optional<std::int64_t> step = std::nullopt) const;

  // tf.summary.write: one value with its metadata; false for a no-op or failed writer.
  bool write(const std::string& tag, TensorProto tensor, const SummaryMetadata& metadata, std::int64_t step) const;
  // Any event (its wall_time set to now when 0).
  bool write_event(Event event) const;
  void flush() const;
  void close() const;

  bool is_noop() const { return impl_ == nullptr; }
  // The event file ("" for a no-op writer).
  std::filesystem::path file() const;

 private:
  friend SummaryWriter create_file_writer(const std::filesystem::path&, FileWriterOptions);
  std::shared_ptr<EventFileWriter> impl_;
};

// A writer of a new event file in `logdir` (created if needed; when it cannot be, a warning and a
// writer that drops everything).
SummaryWriter create_file_writer(const std::filesystem::path& logdir, FileWriterOptions options = {});
SummaryWriter create_noop_writer();

// The calling thread's default writer (a no-op writer when none) and whether there is one.
SummaryWriter default_writer();
bool has_default_writer();
// tf.summary.experimental.set_step / get_step: this thread's default step.
void set_step(std::optional<std::int64_t> step);
std::optional<std::int64_t> get_step();

bool scalar(const std::string& name, double data, std::optional<std::int64_t> step = std::nullopt,
            const std::string& description = "");
// A tensor of one element (e.g. a loss).
bool scalar(const std::string& name, const Tensor& data, std::optional<std::int64_t> step = std::nullopt,
            const std::string& description = "");
bool histogram(const std::string& name, const Tensor& data, std::optional<std::int64_t> step = std::nullopt,
               int buckets = 30, const std::string& description = "");
bool histogram(const std::string& name, const std::vector<double>& data, std::optional<std::int64_t> step = std::nullopt,
               int buckets = 30, const std::string& description = "");
bool text(const std::string& name, const std::string& data, std::optional<std::int64_t> step = std::nullopt,
          const std::string& description = "");
// data: (k, h, w, c), c in {1, 2, 3, 4}; uint8 as is, floating point in [0, 1] (converted as
// tf.image.convert_image_dtype with saturation). The first `max_outputs` images are written.
bool image(const std::string& name, const Tensor& data, std::optional<std::int64_t> step = std::nullopt,
           int max_outputs = 3, const std::string& description = "");

// The histogram tensor tf.summary.histogram writes: k rows of [left edge, right edge, count].
std::vector<std::array<double, 3>> histogram_buckets(const std::vector<double>& data, int buckets = 30);

}  // namespace strata::summary
