#include "strata/framework/summary/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "strata/framework/errors.hpp"
#include "strata/framework/summary/event_file_writer.hpp"
#include "strata/framework/summary/png.hpp"

namespace strata::summary {
namespace {

struct DefaultEntry {
  SummaryWriter writer;
  bool sets_step = false;
  std::optional<std::int64_t> previous_step;
};

// As TensorFlow's eager context: the default writer and step are per thread.
struct ThreadState {
  std::vector<DefaultEntry> stack;
  std::optional<std::int64_t> step;
};
thread_local ThreadState state;

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (extra == 9 || s.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

// The tag as tf.summary keeps it (any text, newlines and commas included); protobuf strings must
// be UTF-8, which TensorBoard's parser enforces.
void check_name(const char* what, const std::string& name) {
  if (name.empty()) throw ValueError(std::string("st::summary::") + what + ": the name must not be empty.");
  if (!valid_utf8(name))
    throw ValueError(std::string("st::summary::") + what + ": the name '" + name + "' is not valid UTF-8.");
}

std::optional<std::int64_t> resolve_step(const char* what, std::optional<std::int64_t> step) {
  if (step) return step;
  if (state.step) return state.step;
  throw ValueError(std::string("st::summary::") + what +
                   ": no step set. Pass one as the `step` argument or through as_default(step) / st::summary::set_step().");
}

SummaryMetadata metadata(const std::string& plugin, const std::string& description, DataClass data_class = DataClass::kUnknown) {
  return SummaryMetadata{.plugin_name = plugin, .summary_description = description, .data_class = data_class};
}

std::string doubles_content(const std::vector<double>& values) {
  std::string bytes(values.size() * sizeof(double), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

// ------------------------------------------------------------------ SummaryWriter

SummaryWriter::DefaultScope::~DefaultScope() {
  if (!active_ || state.stack.empty()) return;
  if (state.stack.back().sets_step) state.step = state.stack.back().previous_step;
  state.stack.pop_back();
}

SummaryWriter::DefaultScope::DefaultScope(DefaultScope&& other) noexcept : active_(other.active_) { other.active_ = false; }

SummaryWriter::DefaultScope SummaryWriter::as_default(std::optional<std::int64_t> step) const {
  state.stack.push_back({*this, step.has_value(), state.step});
  if (step) state.step = step;
  DefaultScope scope;
  scope.active_ = true;
  return scope;
}

bool SummaryWriter::write_event(Event event) const {
  if (!impl_) return false;
  if (event.wall_time == 0) event.wall_time = wall_time_now();
  return impl_->add_event(event);
}

bool SummaryWriter::write(const std::string& tag, TensorProto tensor, const SummaryMetadata& metadata,
                          std::int64_t step) const {
  if (!impl_) return false;
  Event event{.wall_time = wall_time_now(), .step = step};
  SummaryValue value{.tag = tag, .metadata = metadata};
  value.tensor = std::move(tensor);
  event.summary = std::vector<SummaryValue>{std::move(value)};
  return impl_->add_event(event);
}

void SummaryWriter::flush() const {
  if (impl_) impl_->flush();
}

void SummaryWriter::close() const {
  if (impl_) impl_->close();
}

std::filesystem::path SummaryWriter::file() const { return impl_ ? impl_->path() : std::filesystem::path(); }

SummaryWriter create_file_writer(const std::filesystem::path& logdir, FileWriterOptions options) {
  SummaryWriter writer;
  writer.impl_ = std::make_shared<EventFileWriter>(
      logdir, EventFileWriterOptions{.flush_seconds = options.flush_seconds, .filename_suffix = options.filename_suffix});
  return writer;
}

SummaryWriter create_noop_writer() { return SummaryWriter(); }

SummaryWriter default_writer() { return state.stack.empty() ? SummaryWriter() : state.stack.back().writer; }
bool has_default_writer() { return !state.stack.empty(); }
void set_step(std::optional<std::int64_t> step) { state.step = step; }
std::optional<std::int64_t> get_step() { return state.step; }

// ------------------------------------------------------------------ summaries

bool scalar(const std::string& name, double data, std::optional<std::int64_t> step, const std::string& description) {
  check_name("scalar", name);
  if (!has_default_writer()) return false;
  const auto at = resolve_step("scalar", step);
  // tf.summary.scalar casts to float32; NaN and infinities are kept (TensorBoard shows them).
  TensorProto tensor{.dtype = DataType::kFloat, .float_val = {static_cast<float>(data)}};
  return default_writer().write(name, std::move(tensor), metadata("scalars", description, DataClass::kScalar), *at);
}

bool scalar(const std::string& name, const Tensor& data, std::optional<std::int64_t> step, const std::string& description) {
  check_name("scalar", name);
  if (!has_default_writer()) return false;
  if (data.size() != 1)
    throw ValueError("st::summary::scalar: '" + name + "' needs a tensor of one element, got shape " + data.shape().to_string());
  return scalar(name, data.item<double>(), step, description);
}

std::vector<std::array<double, 3>> histogram_buckets(const std::vector<double>& data, int buckets) {
  if (buckets <= 0) throw ValueError("st::summary::histogram: buckets must be positive, got " + std::to_string(buckets));
  std::vector<double> finite;
  finite.reserve(data.size());
  for (double v : data)
    if (std::isfinite(v)) finite.push_back(v);
  if (finite.empty()) return {};
  const auto [lo, hi] = std::minmax_element(finite.begin(), finite.end());
  const double min = *lo, max = *hi, range = max - min;
  if (range == 0) return {{min - 0.5, min + 0.5, static_cast<double>(finite.size())}};
  const double width = range / buckets;
  std::vector<double> counts(static_cast<std::size_t>(buckets), 0.0);
  for (double v : finite) {
    const auto index = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor((v - min) / width)), buckets - 1);
    counts[static_cast<std::size_t>(index)] += 1;
  }
  std::vector<std::array<double, 3>> rows(static_cast<std::size_t>(buckets));
  for (int i = 0; i < buckets; ++i) {
    const double left = min + i * width, right = i + 1 == buckets ? max : min + (i + 1) * width;
    rows[i] = {left, right, counts[i]};
  }
  return rows;
}

bool histogram(const std::string& name, const std::vector<double>& data, std::optional<std::int64_t> step, int buckets,
               const std::string& description) {
  check_name("histogram", name);
  if (!has_default_writer()) return false;
  const auto at = resolve_step("histogram", step);
  const auto rows = histogram_buckets(data, buckets);
  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  TensorProto tensor{.dtype = DataType::kDouble, .shape = {static_cast<std::int64_t>(rows.size()), 3},
                     .tensor_content = doubles_content(flat)};
  return default_writer().write(name, std::move(tensor), metadata("histograms", description), *at);
}

bool histogram(const std::string& name, const Tensor& data, std::optional<std::int64_t> step, int buckets,
               const std::string& description) {
  check_name("histogram", name);
  if (!has_default_writer()) return false;
  return histogram(name, data.to_vector<double>(), step, buckets, description);
}

bool text(const std::string& name, const std::string& data, std::optional<std::int64_t> step, const std::string& description) {
  check_name("text", name);
  if (!has_default_writer()) return false;
  const auto at = resolve_step("text", step);
  TensorProto tensor{.dtype = DataType::kString, .string_val = {data}};
  return default_writer().write(name, std::move(tensor), metadata("text", description), *at);
}

bool image(const std::string& name, const Tensor& data, std::optional<std::int64_t> step, int max_outputs,
           const std::string& description) {
  check_name("image", name);
  if (!has_default_writer()) return false;
  const auto at = resolve_step("image", step);
  const Shape& shape = data.shape();
  if (shape.rank() != 4 || shape[3] < 1 || shape[3] > 4)
    throw ValueError("st::summary::image: '" + name + "' needs a (k, h, w, c) tensor with c in {1, 2, 3, 4}, got shape " +
                     shape.to_string());
  if (max_outputs < 0) throw ValueError("st::summary::image: max_outputs must be non-negative");
  const bool is_uint8 = data.dtype() == uint8;
  if (!is_uint8 && data.dtype() != float32 && data.dtype() != float64)
    throw ValueError("st::summary::image: '" + name + "' must be uint8 or floating point, got " + std::string(dtype_name(data.dtype())));
  const std::int64_t k = std::min<std::int64_t>(shape[0], max_outputs), h = shape[1], w = shape[2], c = shape[3];
  std::vector<std::uint8_t> pixels;
  if (is_uint8) {
    pixels = data.to_vector<std::uint8_t>();
  } else {
    // tf.image.convert_image_dtype(..., uint8, saturate=True): scale by 255.5 and truncate.
    for (double v : data.to_vector<double>())
      pixels.push_back(static_cast<std::uint8_t>(std::isnan(v) ? 0.0 : std::clamp(v * 255.5, 0.0, 255.0)));
  }
  TensorProto tensor{.dtype = DataType::kString, .shape = {2 + k}};
  tensor.string_val = {std::to_string(w), std::to_string(h)};
  for (std::int64_t i = 0; i < k; ++i)
    tensor.string_val.push_back(encode_png(pixels.data() + i * h * w * c, static_cast<int>(h), static_cast<int>(w), static_cast<int>(c)));
  return default_writer().write(name, std::move(tensor), metadata("images", description), *at);
}

}  // namespace strata::summary
