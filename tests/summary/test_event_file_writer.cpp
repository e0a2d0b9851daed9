// EventFileWriter: the file TensorBoard finds, whole records only, flushing, thread safety, and
// failures (uncreatable directory, full disk) that warn and never throw.
#include <signal.h>
#include <sys/resource.h>

#include <regex>
#include <thread>

#include "strata/framework/summary/event_file_writer.hpp"
#include "strata/framework/summary/event_reader.hpp"
#include "strata/framework/summary/record.hpp"
#include "support/test_helpers.hpp"

using namespace strata;
using namespace strata::summary;
using strata::testing::contains;
using strata::testing::ScopedTempDir;

namespace {

Event simple(double wall_time, std::int64_t step, const std::string& tag, float value) {
  Event event{.wall_time = wall_time, .step = step};
  event.summary = std::vector<SummaryValue>{{.tag = tag, .simple_value = value}};
  return event;
}

}  // namespace

TEST_CASE("EventFileWriter: TensorFlow's file name, the file_version record first, events after a flush") {
  ScopedTempDir dir("summary_writer");
  const double before = wall_time_now();
  EventFileWriter writer(dir / "logs" / "train");
  const std::string name = writer.path().filename().string();
  CHECK(writer.path().parent_path() == dir / "logs" / "train");
  CHECK(std::regex_match(name, std::regex(R"(events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+\.v2)")));
  const std::string pid = std::to_string(getpid());
  CHECK(contains(name, std::string(".").append(pid).append(".")));
  // The first record is on disk at once.
  auto events = read_events(writer.path());
  REQUIRE(events.size() == 1);
  CHECK(events[0].file_version == "brain.Event:2");
  CHECK(events[0].wall_time >= before);
  CHECK(events[0].wall_time <= wall_time_now());

  CHECK(writer.add_event(simple(5.0, 1, "a", 1.0f)));
  CHECK(writer.add_event(simple(6.0, 2, "a", 2.0f)));
  CHECK(read_events(writer.path()).size() == 1);  // waiting in memory until a flush
  writer.flush();
  events = read_events(writer.path());
  REQUIRE(events.size() == 3);
  CHECK(events[2].wall_time == 6.0);
  CHECK(events[2].step == 2);
  CHECK((*events[2].summary)[0].simple_value == 2.0f);

  // Two writers of one directory get two files.
  EventFileWriter other(dir / "logs" / "train");
  CHECK(other.path() != writer.path());
  writer.close();
  CHECK_FALSE(writer.add_event(simple(7.0, 3, "a", 3.0f)));
  CHECK(read_events(writer.path()).size() == 3);
}

TEST_CASE("EventFileWriter: the records it writes are the golden bytes") {
  ScopedTempDir dir("summary_golden");
  const auto file = dir / "events.out.tfevents.golden";
  {
    auto writer = EventFileWriter::to_file(file);
    writer->add_event(simple(1.5, 3, "loss", 0.25f));
  }  // closing flushes
  const std::string bytes = strata::testing::read_bytes(file.string());
  const auto records = read_records(file);
  REQUIRE(records.size() == 2);
  // golden_records.py
  const unsigned char golden[] = {0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x9b, 0xd8, 0x2d, 0x09, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x10, 0x03, 0x2a, 0x0d, 0x0a, 0x0b, 0x0a,
                                  0x04, 0x6c, 0x6f, 0x73, 0x73, 0x15, 0x00, 0x00, 0x80, 0x3e, 0xd0, 0x54, 0xb2, 0x55};
  CHECK(bytes.substr(records[1].offset) == std::string(reinterpret_cast<const char*>(golden), sizeof(golden)));
}

TEST_CASE("EventFileWriter: flush_seconds = 0 writes every event at once") {
  ScopedTempDir dir("summary_flush");
  EventFileWriter writer(dir.path, {.flush_seconds = 0});
  writer.add_event(simple(5.0, 1, "a", 1.0f));
  CHECK(read_events(writer.path()).size() == 2);
}

TEST_CASE("EventFileWriter: writes from many threads stay whole records") {
  ScopedTempDir dir("summary_threads");
  EventFileWriter writer(dir.path);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&writer, t] {
      for (int i = 0; i < 500; ++i) writer.add_event(simple(1.0 + i, i, "thread" + std::to_string(t), float(i)));
    });
  for (auto& thread : threads) thread.join();
  writer.close();
  const auto scalars = read_scalars(dir.path).at(".");
  REQUIRE(scalars.size() == 4);
  for (const auto& [tag, points] : scalars) {
    REQUIRE(points.size() == 500);
    for (int i = 0; i < 500; ++i) CHECK(points[i].value == i);  // each thread's order kept
  }
}

TEST_CASE("EventFileWriter: a directory that cannot be created warns, and nothing throws") {
  ScopedTempDir dir("summary_baddir");
  strata::testing::write_bytes((dir / "file").string(), "a file, not a folder");
  CaptureWarnings warnings;
  EventFileWriter writer(dir / "file" / "logs");
  REQUIRE(warnings.messages().size() == 1);
  CHECK(contains(warnings.messages()[0], "cannot create the log directory"));
  CHECK(contains(warnings.messages()[0], (dir / "file" / "logs").string()));
  CHECK(writer.failed());
  CHECK_FALSE(writer.add_event(simple(1, 1, "a", 1)));
  writer.flush();
  writer.close();
  CHECK(warnings.messages().size() == 1);  // one warning, not one per event
}

TEST_CASE("EventFileWriter: a full disk (/dev/full) warns once and drops what follows") {
  CaptureWarnings warnings;
  auto writer = EventFileWriter::to_file("/dev/full");
  REQUIRE(warnings.messages().size() == 1);
  CHECK(contains(warnings.messages()[0], "/dev/full"));
  CHECK(contains(warnings.messages()[0], "No space left on device"));
  CHECK(writer->failed());
  CHECK_FALSE(writer->add_event(simple(1, 1, "a", 1)));
  writer->close();
  CHECK(warnings.messages().size() == 1);
}

TEST_CASE("EventFileWriter: a disk that fills mid-write leaves whole records only") {
  ScopedTempDir dir("summary_full");
  const auto file = dir / "events.out.tfevents.full";
  auto writer = EventFileWriter::to_file(file);
  for (int i = 0; i < 10; ++i) writer->add_event(simple(1, i, "a", float(i)));
  writer->flush();
  const auto size = std::filesystem::file_size(file);
  // The file size limit stands for a full disk: a write past it is cut short, then fails (EFBIG).
  struct rlimit old_limit {};
  getrlimit(RLIMIT_FSIZE, &old_limit);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = size + 100;
  setrlimit(RLIMIT_FSIZE, &limit);
  CaptureWarnings warnings;
  for (int i = 10; i < 40; ++i) writer->add_event(simple(1, i, "a", float(i)));
  writer->flush();
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  REQUIRE(warnings.messages().size() == 1);
  CHECK(contains(warnings.messages()[0], "cannot write to the event file"));
  CHECK(writer->failed());
  CHECK(std::filesystem::file_size(file) == size);  // the partial records were cut off
  const auto points = read_scalars(dir.path).at(".").at("a");
  CHECK(points.size() == 10);
  CHECK_FALSE(writer->add_event(simple(1, 50, "a", 1)));
}
