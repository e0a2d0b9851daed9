// The zip reader / writer behind .keras files: round trips, archives made by Python's zipfile
// (deflated, data descriptors, zip64; tests/data/zip/make_zips.py), and damaged or hostile archives.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include "strata/models/saving/zip_archive.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;
namespace zip = strata::saving::zip;

namespace {

using st::testing::message_of;
using st::testing::read_bytes;
using st::testing::write_bytes;

const st::testing::TempDir temp_dir("zip");
std::string temp(const std::string& name) { return temp_dir.file(name); }

std::string zip_data(const std::string& name) { return (fs::path(STRATA_TEST_DATA_DIR) / "zip" / name).string(); }

// The same bytes as make_zips.py writes.
std::string text_member() {
  std::string s;
  for (int i = 0; i < 1000; ++i) s += "hello keras ";
  return s;
}
std::string binary_member() {
  std::string s;
  for (int r = 0; r < 50; ++r)
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

// A good archive of two stored members, then `edit` applied to its bytes.
std::string archive_with(const std::string& name, const std::function<void(std::string&)>& edit) {
  const std::string path = temp(name);
  {
    zip::Writer w(path);
    w.add("AAAAAA.json", R"({"a": 1})");
    w.add("BBBBBB.json", binary_member());
    w.commit();
  }
  std::string bytes = read_bytes(path);
  edit(bytes);
  write_bytes(path, bytes);
  return path;
}

void replace_all(std::string& bytes, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  for (auto at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + to.size())) bytes.replace(at, from.size(), to);
}

// Expects an IOError naming the file (and `also`, when given) from opening and reading every member.
void expect_io_error(const std::string& path, const std::string& also = "") {
  const std::string message = message_of([&] {
    auto r = zip::Reader::open(path);
    for (const auto& e : r.entries()) r.read(e.name);
  });
  CAPTURE(message);
  CHECK(message.find(path) != std::string::npos);
  if (!also.empty()) CHECK(message.find(also) != std::string::npos);
  CHECK_THROWS_AS(
      [&] {
        auto r = zip::Reader::open(path);
        for (const auto& e : r.entries()) r.read(e.name);
      }(),
      st::IOError);
}

}  // namespace

TEST_CASE("zip: CRC-32 matches the standard check value") {
  CHECK(zip::crc32("123456789") == 0xCBF43926u);
  CHECK(zip::crc32("") == 0u);
}

TEST_CASE("zip: written archives read back, in order, stored, with the Keras 1980 date on request") {
  const std::string path = temp("round.zip");
  {
    zip::Writer w(path);
    w.add("metadata.json", R"({"keras_version": "3.3.3"})", zip::Writer::kDos1980);
    w.add("dir/binary.bin", binary_member());
    w.add("empty", "");
    w.commit();
  }
  auto r = zip::Reader::open(path);
  REQUIRE(r.entries().size() == 3);
  CHECK(r.entries()[0].name == "metadata.json");
  CHECK(r.entries()[1].name == "dir/binary.bin");
  for (const auto& e : r.entries()) CHECK(e.method == 0);
  CHECK(r.read("metadata.json") == R"({"keras_version": "3.3.3"})");
  CHECK(r.read("dir/binary.bin") == binary_member());
  CHECK(r.read("empty").empty());
  CHECK(r.entries()[1].crc32 == zip::crc32(binary_member()));
  // The DOS date 1980-01-01 00:00 is bytes 10..13 of the first local header: 0000 2100.
  const std::string bytes = read_bytes(path);
  CHECK(bytes.substr(0, 4) == std::string("PK\x03\x04", 4));
  CHECK(bytes.substr(10, 4) == std::string("\x00\x00\x21\x00", 4));
  CHECK(zip::has_zip_magic(bytes));
  // A member above the caller's limit is refused before it is read.
  CHECK(message_of([&] { r.read("dir/binary.bin", 100); }).find("more than the limit of 100") != std::string::npos);
  CHECK(message_of([&] { r.read("nope"); }).find("has no member 'nope'") != std::string::npos);
}

TEST_CASE("zip: the writer refuses unsafe or duplicate names, and leaves no file without commit") {
  const std::string path = temp("refused.zip");
  {
    zip::Writer w(path);
    CHECK_THROWS_AS(w.add("../evil", "x"), st::ValueError);
    CHECK_THROWS_AS(w.add("/abs", "x"), st::ValueError);
    w.add("a", "x");
    CHECK_THROWS_AS(w.add("a", "y"), st::ValueError);
  }
  CHECK_FALSE(fs::exists(path));
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    CHECK(e.path().filename().string().find("refused.zip") == std::string::npos);
  CHECK_THROWS_AS(zip::Writer(temp("no/such/dir/x.zip")), st::IOError);
}

TEST_CASE("zip: archives written by Python's zipfile read back (deflated, data descriptors, zip64)") {
  if (!fs::exists(zip_data("deflated.zip"))) {
    MESSAGE("tests/data/zip not found; skipping");
    return;
  }
  SUBCASE("deflated") {
    auto r = zip::Reader::open(zip_data("deflated.zip"));
    REQUIRE(r.entries().size() == 3);
    CHECK(r.entries()[0].method == 8);
    CHECK(r.read("text.txt") == text_member());
    CHECK(r.read("dir/binary.bin") == binary_member());
    CHECK(r.read("empty.txt").empty());
  }
  SUBCASE("data descriptors (sizes only in the central directory)") {
    auto r = zip::Reader::open(zip_data("data_descriptor.zip"));
    CHECK((r.entries()[0].flags & 8) != 0);
    CHECK(r.read("text.txt") == text_member());
    CHECK(r.read("dir/binary.bin") == binary_member());
  }
  SUBCASE("zip64 end record and extra field") {
    auto r = zip::Reader::open(zip_data("zip64.zip"));
    REQUIRE(r.entries().size() == 1);
    CHECK(r.entries()[0].size == text_member().size());
    CHECK(r.read("text.txt") == text_member());
  }
  SUBCASE("bzip2 is refused, naming the method and the member") {
    const std::string message = message_of([&] { zip::Reader::open(zip_data("bzip2.zip")); });
    CHECK(message.find("compression method 12") != std::string::npos);
    CHECK(message.find("'text.txt'") != std::string::npos);
  }
  SUBCASE("a deflated member that inflates beyond its declared size") {
    std::string bytes = read_bytes(zip_data("deflated.zip"));
    // text.txt declares 12000 bytes (0x2ee0) in both headers; claim 11999.
    replace_all(bytes, std::string("\xe0\x2e\x00\x00", 4), std::string("\xdf\x2e\x00\x00", 4));
    const std::string path = temp("inflate_overrun.zip");
    write_bytes(path, bytes);
    expect_io_error(path, "'text.txt'");
  }
  SUBCASE("corrupted deflate data") {
    std::string bytes = read_bytes(zip_data("deflated.zip"));
    const auto at = bytes.find("text.txt") + 8;  // the data follows the first local header's name
    for (std::size_t i = 0; i < 20; ++i) bytes[at + i] = static_cast<char>(0xff);
    const std::string path = temp("bad_deflate.zip");
    write_bytes(path, bytes);
    expect_io_error(path, "'text.txt'");
  }
}

TEST_CASE("zip: damaged and hostile archives raise IOError naming the file and the member") {
  SUBCASE("not a zip, empty, truncated") {
    const std::string text = temp("text.zip");
    write_bytes(text, "just some text, long enough to look for an end record in it");
    expect_io_error(text, "no end-of-central-directory record");
    const std::string empty = temp("empty.zip");
    write_bytes(empty, "");
    expect_io_error(empty, "too short");
    const std::string good = archive_with("full.zip", [](std::string&) {});
    const std::string bytes = read_bytes(good);
    for (std::size_t keep : {std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
      CAPTURE(keep);
      const std::string path = temp("truncated.zip");
      write_bytes(path, bytes.substr(0, keep));
      expect_io_error(path);
    }
    expect_io_error(temp("missing.zip"), "No such file");
  }
  SUBCASE("wrong CRC names the member") {
    const std::string path = archive_with("crc.zip", [](std::string& b) { replace_all(b, R"({"a": 1})", R"({"a": 2})"); });
    auto r = zip::Reader::open(path);
    CHECK(r.read("BBBBBB.json") == binary_member());  // the other member is fine
    const std::string message = message_of([&] { r.read("AAAAAA.json"); });
    CHECK(message.find("CRC-32 mismatch") != std::string::npos);
    CHECK(message.find("'AAAAAA.json'") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
  }
  SUBCASE("corrupted central directory") {
    // The second central header's signature.
    const std::string path = archive_with("cd.zip", [](std::string& b) {
      const auto first = b.find(std::string("PK\x01\x02", 4));
      b[b.find(std::string("PK\x01\x02", 4), first + 4) + 2] = 'X';
    });
    expect_io_error(path, "central directory entry 1");
  }
  SUBCASE("central directory offset beyond the file") {
    const std::string path = archive_with("cd_offset.zip", [](std::string& b) {
      b[b.size() - 4] = static_cast<char>(0x7f);  // high byte of the offset
      b[b.size() - 3] = static_cast<char>(0x7f);
    });
    expect_io_error(path, "does not end where the end record starts");
  }
  SUBCASE("a member whose data runs into the central directory") {
    const std::string path = archive_with("size.zip", [](std::string& b) {
      // BBBBBB.json is 12800 = 0x3200 bytes; claim 0x00ff3200 in both headers.
      replace_all(b, std::string("\x00\x32\x00\x00", 4), std::string("\x00\x32\xff\x00", 4));
    });
    expect_io_error(path, "'BBBBBB.json'");
  }
  SUBCASE("local header names another member") {
    const std::string path = archive_with("local_name.zip", [](std::string& b) { b[30] = 'Z'; });  // first local name
    expect_io_error(path, "local header names");
  }
  SUBCASE("path traversal, absolute and duplicate names are refused") {
    expect_io_error(archive_with("dotdot.zip", [](std::string& b) { replace_all(b, "AAAAAA.json", "../a/b.json"); }),
                    "'..' path component");
    expect_io_error(archive_with("abs.zip", [](std::string& b) { replace_all(b, "AAAAAA.json", "/etc/passwd"); }),
                    "absolute path");
    expect_io_error(archive_with("drive.zip", [](std::string& b) { replace_all(b, "AAAAAA.json", "C:\\evil.txt"); }),
                    "drive letter");
    expect_io_error(archive_with("dup.zip", [](std::string& b) { replace_all(b, "BBBBBB.json", "AAAAAA.json"); }),
                    "appears twice");
  }
  SUBCASE("encrypted members are refused") {
    const std::string path = archive_with("encrypted.zip", [](std::string& b) {
      const auto cd = b.find(std::string("PK\x01\x02", 4));
      b[cd + 8] = 1;  // general purpose flag bit 0 in the first central header
    });
    expect_io_error(path, "encrypted");
  }
  SUBCASE("multi-disk archives are refused") {
    const std::string path = archive_with("disk.zip", [](std::string& b) { b[b.size() - 18] = 1; });
    expect_io_error(path, "multi-disk");
  }
}
