// The event-file building blocks: CRC-32C, the protobuf wire format, the message encoding, the
// record framing, and reading records and scalars back (damaged files as TensorBoard reads them).
#include <cmath>
#include <fstream>

#include "strata/framework/summary/crc32c.hpp"
#include "strata/framework/summary/event_reader.hpp"
#include "strata/framework/summary/protobuf.hpp"
#include "strata/framework/summary/record.hpp"
#include "support/test_helpers.hpp"

using namespace strata;
using namespace strata::summary;
using strata::testing::contains;
using strata::testing::message_of;
using strata::testing::ScopedTempDir;

namespace {

std::string bytes_of(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

Event scalar_event(double wall_time, std::int64_t step, const std::string& tag, float value, bool metadata) {
  Event event{.wall_time = wall_time, .step = step};
  SummaryValue v{.tag = tag};
  if (metadata) v.metadata = SummaryMetadata{.plugin_name = "scalars", .data_class = DataClass::kScalar};
  v.tensor = TensorProto{.dtype = DataType::kFloat, .float_val = {value}};
  event.summary = std::vector<SummaryValue>{v};
  return event;
}

void write_events(const std::filesystem::path& file, const std::vector<Event>& events) {
  std::filesystem::create_directories(file.parent_path());
  std::string bytes = frame_record(encode_event(Event{.wall_time = 1.0, .file_version = "brain.Event:2"}));
  for (const auto& e : events) bytes += frame_record(encode_event(e));
  strata::testing::write_bytes(file.string(), bytes);
}

}  // namespace

TEST_CASE("crc32c: the standard check values and TensorFlow's mask") {
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  CHECK(crc32c("") == 0u);
  // Continuing a CRC over a second piece equals the CRC of the whole.
  CHECK(crc32c("6789", 4, crc32c("12345")) == 0xE3069283u);
  const std::uint32_t crc = 0xE3069283u;
  CHECK(masked_crc32c("123456789") == ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

TEST_CASE("protobuf: varints, fixed numbers, length-delimited and packed fields round-trip") {
  proto::Writer w;
  w.varint_field(1, 150);
  w.varint_field(2, static_cast<std::uint64_t>(std::int64_t{-2}));
  w.double_field(3, 1.5);
  w.float_field(4, 0.25f);
  w.bytes_field(5, "hi");
  w.packed_doubles(6, {1.0, -2.0});
  w.packed_varints(7, {1, 300});
  // 150 is the protobuf documentation's example: 08 96 01.
  CHECK(w.bytes().substr(0, 3) == bytes_of({0x08, 0x96, 0x01}));
  // A negative int64 takes ten bytes.
  CHECK(w.bytes().substr(3, 11) == bytes_of({0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  proto::Reader r(w.bytes());
  REQUIRE(r.next());
  CHECK(r.field() == 1);
  CHECK(r.varint() == 150);
  REQUIRE(r.next());
  CHECK(r.int64() == -2);
  REQUIRE(r.next());
  CHECK(r.fixed64_double() == 1.5);
  REQUIRE(r.next());
  CHECK(r.fixed32_float() == 0.25f);
  REQUIRE(r.next());
  CHECK(r.bytes() == "hi");
  REQUIRE(r.next());
  CHECK(r.doubles() == std::vector<double>{1.0, -2.0});
  REQUIRE(r.next());
  CHECK(r.varints() == std::vector<std::int64_t>{1, 300});
  CHECK_FALSE(r.next());
  // Malformed input is an IOError, never a read past the end.
  CHECK(contains(message_of([] { proto::Reader bad(bytes_of({0x0a, 0x05, 'a'})); bad.next(); }), "runs past the end"));
  CHECK(contains(message_of([] { proto::Reader bad(bytes_of({0x08, 0x96})); bad.next(); }), "varint"));
  CHECK(contains(message_of([] { proto::Reader bad(bytes_of({0x0b})); bad.next(); }), "wire type 3"));
}

TEST_CASE("records: a known scalar event frames to known bytes (golden_records.py)") {
  Event event{.wall_time = 1.5, .step = 3};
  event.summary = std::vector<SummaryValue>{{.tag = "loss", .simple_value = 0.25f}};
  const std::string expected = bytes_of(
      {0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x9b, 0xd8, 0x2d, 0x09, 0x00, 0x00, 0x00,
       0x00, 0x00, 0x00, 0xf8, 0x3f, 0x10, 0x03, 0x2a, 0x0d, 0x0a, 0x0b, 0x0a, 0x04, 0x6c, 0x6f, 0x73,
       0x73, 0x15, 0x00, 0x00, 0x80, 0x3e, 0xd0, 0x54, 0xb2, 0x55});
  CHECK(frame_record(encode_event(event)) == expected);
  const Event back = decode_event(expected.substr(12, expected.size() - 16));
  CHECK(back.wall_time == 1.5);
  CHECK(back.step == 3);
  REQUIRE(back.summary);
  REQUIRE(back.summary->size() == 1);
  CHECK((*back.summary)[0].tag == "loss");
  CHECK((*back.summary)[0].simple_value == 0.25f);
}

TEST_CASE("event: every field of every message round-trips") {
  Event event{.wall_time = 1700000000.25, .step = -7};
  SummaryValue tensor{.tag = "t\n,x"};
  tensor.metadata = SummaryMetadata{.plugin_name = "histograms", .plugin_content = std::string("\0\1", 2),
                                    .display_name = "d", .summary_description = "s", .data_class = DataClass::kTensor};
  tensor.tensor = TensorProto{.dtype = DataType::kDouble, .shape = {2, 3}, .tensor_content = std::string(48, '\0')};
  SummaryValue strings{.tag = "text"};
  strings.tensor = TensorProto{.dtype = DataType::kString, .string_val = {"a", std::string("\0b", 2), ""}};
  SummaryValue ints{.tag = "ints"};
  ints.tensor = TensorProto{.dtype = DataType::kInt64, .shape = {2}, .int_val = {-1, 1LL << 40}};
  SummaryValue histo{.tag = "h"};
  histo.histo = HistogramProto{.min = -1, .max = 2, .num = 3, .sum = 1, .sum_squares = 5,
                               .bucket_limit = {0, 2}, .bucket = {1, 2}};
  SummaryValue image{.tag = "i"};
  image.image = ImageProto{.height = 2, .width = 3, .colorspace = 1, .encoded_image_string = "png"};
  SummaryValue zero{.tag = "z", .simple_value = 0.0f};
  event.summary = std::vector<SummaryValue>{tensor, strings, ints, histo, image, zero};

  const Event back = decode_event(encode_event(event));
  CHECK(back.wall_time == 1700000000.25);
  CHECK(back.step == -7);
  CHECK_FALSE(back.file_version);
  REQUIRE(back.summary->size() == 6);
  const auto& t = (*back.summary)[0];
  CHECK(t.tag == "t\n,x");
  CHECK(t.metadata->plugin_name == "histograms");
  CHECK(t.metadata->plugin_content == std::string("\0\1", 2));
  CHECK(t.metadata->display_name == "d");
  CHECK(t.metadata->summary_description == "s");
  CHECK(t.metadata->data_class == DataClass::kTensor);
  CHECK(t.tensor->dtype == DataType::kDouble);
  CHECK(t.tensor->shape == std::vector<std::int64_t>{2, 3});
  CHECK(t.tensor->numbers() == std::vector<double>(6, 0.0));
  CHECK((*back.summary)[1].tensor->string_val == std::vector<std::string>{"a", std::string("\0b", 2), ""});
  CHECK((*back.summary)[1].tensor->shape.empty());
  CHECK((*back.summary)[2].tensor->numbers() == std::vector<double>{-1, double(1LL << 40)});
  const auto& h = *(*back.summary)[3].histo;
  CHECK(h.min == -1);
  CHECK(h.max == 2);
  CHECK(h.num == 3);
  CHECK(h.sum == 1);
  CHECK(h.sum_squares == 5);
  CHECK(h.bucket_limit == std::vector<double>{0, 2});
  CHECK(h.bucket == std::vector<double>{1, 2});
  const auto& i = *(*back.summary)[4].image;
  CHECK(i.height == 2);
  CHECK(i.width == 3);
  CHECK(i.colorspace == 1);
  CHECK(i.encoded_image_string == "png");
  CHECK((*back.summary)[5].simple_value == 0.0f);  // a oneof member is kept even at 0

  const Event version = decode_event(encode_event(Event{.wall_time = 2, .file_version = "brain.Event:2"}));
  CHECK(version.file_version == "brain.Event:2");
  CHECK_FALSE(version.summary);
  const Event graph = decode_event(encode_event(Event{.wall_time = 2, .graph_def = std::string("\0g", 2)}));
  CHECK(graph.graph_def == std::string("\0g", 2));
}

TEST_CASE("records: a truncated last record is skipped, a bad checksum is an error naming file and offset") {
  ScopedTempDir dir("summary_records");
  const auto file = dir / "events.out.tfevents.1.host.1.0";
  write_events(file, {scalar_event(2, 1, "loss", 0.5f, true), scalar_event(3, 2, "loss", 0.25f, false)});
  const std::string whole = strata::testing::read_bytes(file.string());
  REQUIRE(read_records(file).size() == 3);
  const auto second_offset = read_records(file)[2].offset;

  // Every cut inside the last record leaves the records before it.
  for (std::size_t cut = second_offset; cut < whole.size(); ++cut) {
    strata::testing::write_bytes(file.string(), whole.substr(0, cut));
    CHECK(read_records(file).size() == 2);
  }
  // A flipped byte in the middle record's data, then in its length.
  const auto first_offset = read_records(file)[1].offset;
  std::string bad = whole;
  bad[first_offset + 14] ^= 0x40;
  strata::testing::write_bytes(file.string(), bad);
  auto message = message_of([&] { read_records(file); });
  CHECK(contains(message, file.string()));
  CHECK(contains(message, "offset " + std::to_string(first_offset)));
  bad = whole;
  bad[first_offset] ^= 0x01;
  strata::testing::write_bytes(file.string(), bad);
  CHECK(contains(message_of([&] { read_records(file); }), "length of the record at offset " + std::to_string(first_offset)));
  // A record whose checksums hold but whose data is not an Event.
  strata::testing::write_bytes(file.string(), frame_record(bytes_of({0x0b, 0x01})));
  CHECK(contains(message_of([&] { read_events(file); }), "offset 0 is not an Event"));
  CHECK(contains(message_of([&] { read_records(dir / "missing"); }), "cannot open"));
}

TEST_CASE("read_scalars: runs, tags, file order, TF1 and TF2 scalars, NaN and infinity") {
  ScopedTempDir dir("summary_scalars");
  write_events(dir / "train" / "events.out.tfevents.2.h.1.1", {scalar_event(12, 2, "epoch_loss", 0.25f, true)});
  write_events(dir / "train" / "events.out.tfevents.1.h.1.0",
               {scalar_event(10, 0, "epoch_loss", 1.0f, true), scalar_event(11, 1, "epoch_loss", 0.5f, false)});
  Event tf1{.wall_time = 5, .step = 4};
  tf1.summary = std::vector<SummaryValue>{{.tag = "a,b", .simple_value = std::numeric_limits<float>::quiet_NaN()},
                                          {.tag = "inf", .simple_value = -std::numeric_limits<float>::infinity()}};
  Event histogram{.wall_time = 6, .step = 4};
  SummaryValue h{.tag = "w/histogram", .metadata = SummaryMetadata{.plugin_name = "histograms"}};
  h.tensor = TensorProto{.dtype = DataType::kDouble, .shape = {1, 3}, .double_val = {0, 1, 2}};
  histogram.summary = std::vector<SummaryValue>{h};
  write_events(dir / "validation" / "events.out.tfevents.1.h.1.2", {tf1, histogram});
  write_events(dir / "events.out.tfevents.1.h.1.3", {scalar_event(1, 9, "top", 3.0f, true)});
  std::filesystem::create_directories(dir / "empty");
  strata::testing::write_bytes((dir / "train" / "notes.txt").string(), "not an event file");

  const auto runs = read_scalars(dir.path);
  REQUIRE(runs.size() == 3);
  const auto& loss = runs.at("train").at("epoch_loss");
  REQUIRE(loss.size() == 3);
  CHECK(loss[0].step == 0);
  CHECK(loss[0].value == 1.0);
  CHECK(loss[0].wall_time == 10);
  CHECK(loss[1].value == 0.5);  // metadata only on the tag's first value, as TF1 writers do
  CHECK(loss[2].step == 2);
  CHECK(loss[2].value == 0.25);
  const auto& validation = runs.at("validation");
  CHECK(validation.size() == 2);  // the histogram is not a scalar
  CHECK(std::isnan(validation.at("a,b")[0].value));
  CHECK(validation.at("inf")[0].value == -std::numeric_limits<double>::infinity());
  CHECK(runs.at(".").at("top")[0].step == 9);
  CHECK(contains(message_of([&] { read_scalars(dir / "missing"); }), "does not exist"));
}

TEST_CASE("event_files: event files only, numbers in names compared by value") {
  ScopedTempDir dir("summary_order");
  for (const char* name : {"events.out.tfevents.0000000101.h.7.0.v2", "events.out.tfevents.0000000100.h.7.10.v2",
                           "events.out.tfevents.0000000100.h.7.9.v2", "notes.txt"})
    strata::testing::write_bytes((dir / name).string(), "");
  std::vector<std::string> names;
  for (const auto& file : event_files(dir.path)) names.push_back(file.filename().string());
  CHECK(names == std::vector<std::string>{"events.out.tfevents.0000000100.h.7.9.v2", "events.out.tfevents.0000000100.h.7.10.v2",
                                          "events.out.tfevents.0000000101.h.7.0.v2"});
}

TEST_CASE("decode_event: mutated and truncated messages decode or raise IOError, never read out of bounds") {
  Event event{.wall_time = 3.5, .step = 9};
  SummaryValue v{.tag = "w/histogram", .metadata = SummaryMetadata{.plugin_name = "histograms", .data_class = DataClass::kTensor}};
  v.tensor = TensorProto{.dtype = DataType::kDouble, .shape = {2, 3}, .double_val = {1, 2, 3, 4, 5, 6}};
  SummaryValue image{.tag = "i", .image = ImageProto{.height = 1, .width = 1, .colorspace = 1, .encoded_image_string = "x"}};
  SummaryValue histo{.tag = "h", .histo = HistogramProto{.min = 1, .bucket_limit = {1, 2}, .bucket = {3, 4}}};
  event.summary = std::vector<SummaryValue>{v, image, histo, {.tag = "s", .simple_value = 1.0f}};
  const std::string bytes = encode_event(event);
  std::uint64_t state = 12345;
  auto next = [&state] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  int decoded = 0, rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string mutated = bytes;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) mutated[next() % mutated.size()] = static_cast<char>(next());
    if (i % 3 == 0) mutated.resize(next() % mutated.size());
    try {
      decode_event(mutated);
      ++decoded;
    } catch (const IOError&) {
      ++rejected;
    }
  }
  CHECK(decoded + rejected == 3000);
  // A single value fills its shape, but a forged huge shape allocates nothing.
  CHECK(TensorProto{.dtype = DataType::kFloat, .shape = {2, 2}, .float_val = {1}}.numbers() == std::vector<double>(4, 1.0));
  CHECK(TensorProto{.dtype = DataType::kFloat, .shape = {1LL << 40, 1LL << 40}, .float_val = {1}}.numbers().size() == 1);
  CHECK(TensorProto{.dtype = DataType::kFloat, .shape = {-1}, .float_val = {1}}.numbers().size() == 1);
  CHECK(rejected > 0);
  CHECK(decoded > 0);
}
