// st::summary as tf.summary: default writers per scope and thread, steps, what each summary
// writes (checked field by field through the reader), bad input.
#include <png.h>

#include <cmath>
#include <thread>

#include "strata/framework/summary/event_reader.hpp"
#include "strata/framework/summary/summary.hpp"
#include "support/test_helpers.hpp"

using namespace strata;
using strata::testing::contains;
using strata::testing::message_of;
using strata::testing::ScopedTempDir;
namespace summary = strata::summary;

namespace {

// The summary values written to `writer`'s file (after the file_version event), with their steps.
std::vector<std::pair<std::int64_t, summary::SummaryValue>> values_of(const summary::SummaryWriter& writer) {
  writer.flush();
  std::vector<std::pair<std::int64_t, summary::SummaryValue>> out;
  const auto events = summary::read_events(writer.file());
  CHECK(events.at(0).file_version == "brain.Event:2");
  for (std::size_t i = 1; i < events.size(); ++i) {
    REQUIRE(events[i].summary);
    REQUIRE(events[i].summary->size() == 1);
    CHECK(events[i].wall_time > 1.6e9);
    out.emplace_back(events[i].step, events[i].summary->front());
  }
  return out;
}

// Decodes a PNG with libpng: (height, width, channels, pixels).
struct Decoded {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};
Decoded decode_png(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()));
  Decoded out{static_cast<int>(image.height), static_cast<int>(image.width), static_cast<int>(PNG_IMAGE_PIXEL_CHANNELS(image.format))};
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  REQUIRE(png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr));
  return out;
}

}  // namespace

TEST_CASE("st::summary: no default writer, nothing written; scopes nest and restore") {
  ScopedTempDir dir("summary_scope");
  CHECK_FALSE(summary::has_default_writer());
  CHECK_FALSE(summary::scalar("loss", 1.0, 0));
  auto outer = summary::create_file_writer(dir / "outer");
  auto inner = summary::create_file_writer(dir / "inner");
  {
    auto scope = outer.as_default();
    CHECK(summary::scalar("loss", 1.0, 0));
    {
      auto nested = inner.as_default(7);  // with a default step
      CHECK(summary::get_step() == 7);
      CHECK(summary::scalar("loss", 2.0));
    }
    CHECK_FALSE(summary::get_step());
    CHECK(contains(message_of([] { summary::scalar("loss", 3.0); }), "no step set"));
    summary::set_step(4);
    CHECK(summary::scalar("loss", 3.0));
    summary::set_step(std::nullopt);
    // Another thread has its own default: none.
    bool other = true;
    std::thread([&other] { other = summary::scalar("loss", 9.0, 1); }).join();
    CHECK_FALSE(other);
  }
  CHECK_FALSE(summary::has_default_writer());
  outer.flush();
  inner.flush();
  const auto runs = summary::read_scalars(dir.path);
  CHECK(runs.at("outer").at("loss").size() == 2);
  CHECK(runs.at("outer").at("loss")[1].step == 4);
  CHECK(runs.at("inner").at("loss").at(0).step == 7);
  CHECK(runs.at("inner").at("loss").at(0).value == 2.0);
  // A no-op writer as default swallows everything.
  auto noop = summary::create_noop_writer();
  auto scope = noop.as_default(0);
  CHECK(noop.is_noop());
  CHECK_FALSE(summary::scalar("loss", 1.0));
}

TEST_CASE("st::summary::scalar writes what tf.summary.scalar writes") {
  ScopedTempDir dir("summary_scalar");
  auto writer = summary::create_file_writer(dir.path);
  auto scope = writer.as_default();
  CHECK(summary::scalar("loss", 0.5, 3, "the loss"));
  CHECK(summary::scalar("from tensor", Tensor(2.5f), 4));
  CHECK(summary::scalar("nan", std::nan(""), 5));
  CHECK(summary::scalar("inf", std::numeric_limits<double>::infinity(), 6));
  CHECK(summary::scalar("line\nbreak, and comma", -1.0, 7));
  const auto values = values_of(writer);
  REQUIRE(values.size() == 5);
  const auto& [step, v] = values[0];
  CHECK(step == 3);
  CHECK(v.tag == "loss");
  CHECK_FALSE(v.simple_value);
  REQUIRE(v.metadata);
  CHECK(v.metadata->plugin_name == "scalars");
  CHECK(v.metadata->plugin_content.empty());
  CHECK(v.metadata->summary_description == "the loss");
  CHECK(v.metadata->data_class == summary::DataClass::kScalar);
  REQUIRE(v.tensor);
  CHECK(v.tensor->dtype == summary::DataType::kFloat);
  CHECK(v.tensor->shape.empty());
  CHECK(v.tensor->float_val == std::vector<float>{0.5f});
  CHECK(values[1].second.tensor->float_val == std::vector<float>{2.5f});
  CHECK(std::isnan(values[2].second.tensor->float_val.at(0)));
  CHECK(std::isinf(values[3].second.tensor->float_val.at(0)));
  CHECK(values[4].second.tag == "line\nbreak, and comma");
  CHECK(summary::read_scalars(dir.path).at(".").at("line\nbreak, and comma").at(0).value == -1.0);

  CHECK(contains(message_of([] { summary::scalar("", 1.0, 0); }), "must not be empty"));
  CHECK(contains(message_of([] { summary::scalar("bad\xff", 1.0, 0); }), "not valid UTF-8"));
  CHECK(contains(message_of([] { summary::scalar("t", Tensor({1.0, 2.0}), 0); }), "one element"));
}

TEST_CASE("st::summary::histogram: TensorBoard's buckets as a (k, 3) float64 tensor") {
  using Rows = std::vector<std::array<double, 3>>;
  CHECK(summary::histogram_buckets({0, 1, 2, 3}, 2) == Rows{{0, 1.5, 2}, {1.5, 3, 2}});
  CHECK(summary::histogram_buckets({0, 1, 3}, 3) == Rows{{0, 1, 1}, {1, 2, 1}, {2, 3, 1}});  // the max goes in the last
  CHECK(summary::histogram_buckets({2, 2, 2}, 30) == Rows{{1.5, 2.5, 3}});
  CHECK(summary::histogram_buckets({}, 30).empty());
  CHECK(summary::histogram_buckets({std::nan(""), 1, std::numeric_limits<double>::infinity(), 3}, 1) == Rows{{1, 3, 2}});
  CHECK(contains(message_of([] { summary::histogram_buckets({1}, 0); }), "buckets must be positive"));

  ScopedTempDir dir("summary_histogram");
  auto writer = summary::create_file_writer(dir.path);
  auto scope = writer.as_default(2);
  CHECK(summary::histogram("dense/kernel/histogram", Tensor({{0.0, 1.0}, {2.0, 3.0}}), std::nullopt, 2));
  CHECK(summary::histogram("empty", std::vector<double>{}, 3));
  const auto values = values_of(writer);
  REQUIRE(values.size() == 2);
  const auto& [step, v] = values[0];
  CHECK(step == 2);
  CHECK(v.tag == "dense/kernel/histogram");
  CHECK(v.metadata->plugin_name == "histograms");
  CHECK(v.metadata->data_class == summary::DataClass::kUnknown);
  CHECK(v.tensor->dtype == summary::DataType::kDouble);
  CHECK(v.tensor->shape == std::vector<std::int64_t>{2, 3});
  CHECK(v.tensor->numbers() == std::vector<double>{0, 1.5, 2, 1.5, 3, 2});
  CHECK(values[1].second.tensor->shape == std::vector<std::int64_t>{0, 3});
  CHECK(values[1].second.tensor->numbers().empty());
  CHECK(summary::read_scalars(dir.path).empty());  // histograms are not scalars
}

TEST_CASE("st::summary::text and image") {
  ScopedTempDir dir("summary_text_image");
  auto writer = summary::create_file_writer(dir.path);
  auto scope = writer.as_default();
  CHECK(summary::text("notes", "**lr** 1e-3\nline two", 1));
  std::vector<std::uint8_t> rgb;
  for (int i = 0; i < 2 * 2 * 3 * 3; ++i) rgb.push_back(static_cast<std::uint8_t>(i * 7));
  CHECK(summary::image("rgb", Tensor::from_vector(rgb, {2, 2, 3, 3}), 2));
  // Floating point in [0, 1], saturated outside; max_outputs keeps the first images.
  CHECK(summary::image("gray", Tensor::from_vector(std::vector<float>{0.0f, 0.5f, 1.0f, -3.0f, 7.0f, 0.25f}, {3, 1, 2, 1}), 3, 2));

  const auto values = values_of(writer);
  REQUIRE(values.size() == 3);
  const auto& text = values[0].second;
  CHECK(text.metadata->plugin_name == "text");
  CHECK(text.tensor->dtype == summary::DataType::kString);
  CHECK(text.tensor->shape.empty());
  CHECK(text.tensor->string_val == std::vector<std::string>{"**lr** 1e-3\nline two"});

  const auto& image = values[1].second;
  CHECK(image.metadata->plugin_name == "images");
  CHECK(image.tensor->dtype == summary::DataType::kString);
  CHECK(image.tensor->shape == std::vector<std::int64_t>{4});
  REQUIRE(image.tensor->string_val.size() == 4);
  CHECK(image.tensor->string_val[0] == "3");  // width, then height
  CHECK(image.tensor->string_val[1] == "2");
  const auto first = decode_png(image.tensor->string_val[2]);
  CHECK(first.height == 2);
  CHECK(first.width == 3);
  CHECK(first.channels == 3);
  CHECK(first.pixels == std::vector<std::uint8_t>(rgb.begin(), rgb.begin() + 18));
  CHECK(decode_png(image.tensor->string_val[3]).pixels == std::vector<std::uint8_t>(rgb.begin() + 18, rgb.end()));

  const auto& gray = values[2].second;
  REQUIRE(gray.tensor->string_val.size() == 4);  // 2 of the 3 images
  const auto g0 = decode_png(gray.tensor->string_val[2]);
  CHECK(g0.channels == 1);
  CHECK(g0.pixels == std::vector<std::uint8_t>{0, 127});  // floor(0.5 * 255.5)
  CHECK(decode_png(gray.tensor->string_val[3]).pixels == std::vector<std::uint8_t>{255, 0});

  CHECK(contains(message_of([] { summary::image("bad", Tensor({1.0, 2.0}), 0); }), "(k, h, w, c)"));
  CHECK(contains(message_of([] { summary::image("bad", Tensor::from_vector(std::vector<float>(10), {1, 1, 2, 5}), 0); }),
                 "c in {1, 2, 3, 4}"));
}

TEST_CASE("st::summary: writes from many threads through one writer") {
  ScopedTempDir dir("summary_threads_api");
  auto writer = summary::create_file_writer(dir.path);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([writer, t] {
      auto scope = writer.as_default();
      const std::string tag = std::string("t").append(std::to_string(t));
      for (int i = 0; i < 200; ++i) summary::scalar(tag, double(i), i);
    });
  for (auto& thread : threads) thread.join();
  writer.close();
  const auto tags = summary::read_scalars(dir.path).at(".");
  REQUIRE(tags.size() == 4);
  for (const auto& [tag, points] : tags) CHECK(points.size() == 200);
}

TEST_CASE("st::summary: an unwritable log directory warns and the summaries return false") {
  ScopedTempDir dir("summary_unwritable");
  strata::testing::write_bytes((dir / "file").string(), "x");
  CaptureWarnings warnings;
  auto writer = summary::create_file_writer(dir / "file" / "logs");
  auto scope = writer.as_default(0);
  CHECK_FALSE(summary::scalar("loss", 1.0));
  CHECK_FALSE(summary::histogram("h", std::vector<double>{1.0}));
  CHECK(warnings.messages().size() == 1);
}
