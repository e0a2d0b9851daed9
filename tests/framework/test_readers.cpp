// The IDX, CSV and .npy readers on small files written here: valid files (plain and gzip), and
// truncated, corrupt or lying files, each of which must raise strata::IOError naming the file and
// the problem (never read garbage, never allocate what a header claims without checking it).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "strata/framework/data/readers.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
namespace fs = std::filesystem;
using st::Shape;
using st::Tensor;
using Bytes = std::vector<unsigned char>;
using st::testing::contains;

namespace {

fs::path write_file(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}
fs::path write_text(const fs::path& path, const std::string& text) {
  return write_file(path, Bytes(text.begin(), text.end()));
}

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
Bytes be32(std::uint32_t v) {
  return {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 8),
          static_cast<unsigned char>(v)};
}

// An IDX file: magic 00 00 type rank, big-endian dims, then `data` as given.
Bytes idx(unsigned char type, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes b = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (auto d : dims) append(b, be32(d));
  append(b, data);
  return b;
}

std::uint32_t crc32(const Bytes& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A gzip file holding `data` in stored (uncompressed) deflate blocks — a valid .gz without zlib.
Bytes gzip(const Bytes& data) {
  Bytes b = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + len == data.size();
    b.push_back(last ? 1 : 0);
    b.push_back(static_cast<unsigned char>(len & 0xff));
    b.push_back(static_cast<unsigned char>(len >> 8));
    b.push_back(static_cast<unsigned char>(~len & 0xff));
    b.push_back(static_cast<unsigned char>((~len >> 8) & 0xff));
    b.insert(b.end(), data.begin() + static_cast<std::ptrdiff_t>(pos), data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
  for (int k = 0; k < 4; ++k) b.push_back(static_cast<unsigned char>(crc >> (8 * k)));
  for (int k = 0; k < 4; ++k) b.push_back(static_cast<unsigned char>(size >> (8 * k)));
  return b;
}

// The message of the IOError `f` throws ("" and a failed check if it throws nothing or another type).
template <class F>
std::string io_error(F&& f) {
  try {
    f();
  } catch (const st::IOError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected strata::IOError, got another exception: " << e.what());
    return "";
  }
  FAIL("expected strata::IOError, nothing was thrown");
  return "";
}


// A .npy file: magic, version, little-endian header length (2 bytes for 1.x, else 4), header, data.
Bytes npy(int major, const std::string& header, const Bytes& data) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(major), 0};
  const auto len = static_cast<std::uint32_t>(header.size());
  b.push_back(static_cast<unsigned char>(len & 0xff));
  b.push_back(static_cast<unsigned char>((len >> 8) & 0xff));
  if (major >= 2) {
    b.push_back(static_cast<unsigned char>((len >> 16) & 0xff));
    b.push_back(static_cast<unsigned char>((len >> 24) & 0xff));
  }
  b.insert(b.end(), header.begin(), header.end());
  append(b, data);
  return b;
}

template <class T>
Bytes le_bytes(const std::vector<T>& values) {
  Bytes b(values.size() * sizeof(T));
  std::memcpy(b.data(), values.data(), b.size());
  return b;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// IDX

TEST_CASE("Readers: read_idx: ubyte images, plain and gzip") {
  const strata::testing::ScopedTempDir dir("readers");
  Bytes pixels(2 * 3 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 10);
  const Bytes file = idx(0x08, {2, 3, 4}, pixels);
  for (const auto& path : {write_file(dir / "images-idx3-ubyte", file), write_file(dir / "images-idx3-ubyte.gz", gzip(file))}) {
    CAPTURE(path);
    Tensor t = st::data::read_idx(path);
    CHECK(t.dtype() == st::uint8);
    CHECK(t.shape() == Shape{2, 3, 4});
    CHECK(t.to_vector<std::uint8_t>() == std::vector<std::uint8_t>(pixels.begin(), pixels.end()));
  }
  // Labels (rank 1), and a large gzip file spanning many stored blocks.
  Bytes labels(200000);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<unsigned char>(i % 10);
  Tensor l = st::data::read_idx(write_file(dir / "labels.gz", gzip(idx(0x08, {200000}, labels))));
  CHECK(l.shape() == Shape{200000});
  CHECK(l.to_vector<std::uint8_t>()[199999] == 9);
  // An empty array.
  CHECK(st::data::read_idx(write_file(dir / "empty", idx(0x08, {0, 28, 28}, {}))).shape() == Shape{0, 28, 28});
}

TEST_CASE("Readers: read_idx: big-endian multi-byte types") {
  const strata::testing::ScopedTempDir dir("readers");
  // float32 1.5 and -2.0, big-endian.
  Tensor f = st::data::read_idx(write_file(dir / "f", idx(0x0D, {2}, {0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0})));
  CHECK(f.dtype() == st::float32);
  CHECK(f.to_vector<float>() == std::vector<float>{1.5f, -2.0f});
  // float64 0.25.
  Tensor d = st::data::read_idx(write_file(dir / "d", idx(0x0E, {1, 1}, {0x3f, 0xd0, 0, 0, 0, 0, 0, 0})));
  CHECK(d.dtype() == st::float64);
  CHECK(d.shape() == Shape{1, 1});
  CHECK(d.to_vector<double>()[0] == 0.25);
  // int32 -2 and 258; int16 -3; int8 -1 (all widen to int32).
  Tensor i = st::data::read_idx(write_file(dir / "i", idx(0x0C, {2}, {0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2})));
  CHECK(i.dtype() == st::int32);
  CHECK(i.to_vector<std::int32_t>() == std::vector<std::int32_t>{-2, 258});
  Tensor s = st::data::read_idx(write_file(dir / "s", idx(0x0B, {1}, {0xff, 0xfd})));
  CHECK(s.dtype() == st::int32);
  CHECK(s.to_vector<std::int32_t>() == std::vector<std::int32_t>{-3});
  Tensor b = st::data::read_idx(write_file(dir / "b", idx(0x09, {2}, {0xff, 0x05})));
  CHECK(b.to_vector<std::int32_t>() == std::vector<std::int32_t>{-1, 5});
}

TEST_CASE("Readers: read_idx: bad and lying files raise IOError naming the file") {
  const strata::testing::ScopedTempDir dir("readers");
  const Bytes pixels(12, 7);

  auto wrong_magic = write_file(dir / "wrong_magic", [&] {
    Bytes b = idx(0x08, {12}, pixels);
    b[0] = 0x1f;
    b[1] = 0x00;
    return b;
  }());
  auto msg = io_error([&] { st::data::read_idx(wrong_magic); });
  CHECK(contains(msg, wrong_magic.string()));
  CHECK(contains(msg, "magic"));

  msg = io_error([&] { st::data::read_idx(write_file(dir / "type", idx(0x07, {12}, pixels))); });
  CHECK(contains(msg, "type code 0x07"));

  // Dimensions promise more than the file holds.
  auto lying = write_file(dir / "lying", idx(0x08, {60000, 28, 28}, pixels));
  msg = io_error([&] { st::data::read_idx(lying); });
  CHECK(contains(msg, lying.string()));
  CHECK(contains(msg, "(60000, 28, 28)"));
  CHECK(contains(msg, "12 bytes"));
  // Absurd dimensions (4e9^3 overflows) must not allocate.
  msg = io_error([&] { st::data::read_idx(write_file(dir / "huge", idx(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, pixels))); });
  CHECK(contains(msg, "(4294967295, 4294967295, 4294967295)"));
  // The same inside a gzip file: bounded by what the compressed file could hold.
  msg = io_error([&] { st::data::read_idx(write_file(dir / "huge.gz", gzip(idx(0x0D, {0xFFFFFF, 0xFFFF}, pixels)))); });
  CHECK(contains(msg, "huge.gz"));
  // ... and a gzip file whose dims are plausible but whose data is short.
  msg = io_error([&] { st::data::read_idx(write_file(dir / "short.gz", gzip(idx(0x08, {100}, pixels)))); });
  CHECK(contains(msg, "truncated"));

  // The header ends early.
  msg = io_error([&] { st::data::read_idx(write_file(dir / "short_header", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0})); });
  CHECK(contains(msg, "truncated"));
  msg = io_error([&] { st::data::read_idx(write_file(dir / "tiny", {0, 0})); });
  CHECK(contains(msg, "truncated"));
  CHECK(contains(msg, "magic"));
  // Trailing bytes after the data.
  msg = io_error([&] { st::data::read_idx(write_file(dir / "trailing", idx(0x08, {10}, pixels))); });
  CHECK(contains(msg, "trailing"));
  // A truncated gzip stream, and a gzip file with a corrupt checksum.
  Bytes gz = gzip(idx(0x08, {12}, pixels));
  msg = io_error([&] { st::data::read_idx(write_file(dir / "cut.gz", Bytes(gz.begin(), gz.begin() + 20))); });
  CHECK(contains(msg, "cut.gz"));
  Bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0xff;
  msg = io_error([&] { st::data::read_idx(write_file(dir / "crc.gz", bad_crc)); });
  CHECK(contains(msg, "crc.gz"));
  // Missing files and folders.
  msg = io_error([&] { st::data::read_idx(dir / "nope"); });
  CHECK(contains(msg, "no such file"));
  CHECK(contains(msg, (dir / "nope").string()));
  CHECK(contains(io_error([&] { st::data::read_idx(dir.path); }), "directory"));
}

// ---------------------------------------------------------------------------------------------
// CSV

TEST_CASE("Readers: read_csv: numeric columns with and without a header") {
  const strata::testing::ScopedTempDir dir("readers");
  auto with_header = write_text(dir / "a.csv", "a,b,c\n1,2,3\n4.5,-6,7e2\n");
  auto t = st::data::read_csv(with_header);
  CHECK(t.column_names == std::vector<std::string>{"a", "b", "c"});
  CHECK(t.values.dtype() == st::float32);
  CHECK(t.values.shape() == Shape{2, 3});
  CHECK(t.values.to_vector<float>() == std::vector<float>{1, 2, 3, 4.5f, -6, 700});

  // No header (detected), CRLF line ends, blank lines, spaces, a final line without newline.
  auto plain = write_text(dir / "b.csv", "1, 2\r\n\r\n 3 ,+4\r\n\n5,6");
  auto p = st::data::read_csv(plain);
  CHECK(p.column_names.empty());
  CHECK(p.values.shape() == Shape{3, 2});
  CHECK(p.values.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  // Forcing header = true on numeric first row uses it as names.
  auto forced = st::data::read_csv(plain, {.header = true});
  CHECK(forced.column_names == std::vector<std::string>{"1", "2"});
  CHECK(forced.values.shape() == Shape{2, 2});

  // Quoted header cells with commas, a semicolon delimiter, float64, missing values.
  auto quoted = write_text(dir / "c.csv", "\"x, first\";\"say \"\"y\"\"\"\n1;\n;2\n");
  auto q = st::data::read_csv(quoted, {.delimiter = ';', .dtype = st::float64, .missing_value = -1.0});
  CHECK(q.column_names == std::vector<std::string>{"x, first", "say \"y\""});
  CHECK(q.values.dtype() == st::float64);
  CHECK(q.values.to_vector<double>() == std::vector<double>{1, -1, -1, 2});

  // Header only: zero rows.
  auto header_only = st::data::read_csv(write_text(dir / "d.csv", "a,b\n"));
  CHECK(header_only.values.shape() == Shape{0, 2});
  // Integer dtype, gzip-compressed.
  auto gz = st::data::read_csv(write_file(dir / "e.csv.gz", gzip(Bytes{'7', ',', '8', '\n'})), {.dtype = st::int32});
  CHECK(gz.values.dtype() == st::int32);
  CHECK(gz.values.to_vector<std::int32_t>() == std::vector<std::int32_t>{7, 8});
}

TEST_CASE("Readers: read_csv: bad cells and ragged rows name the file, line and column") {
  const strata::testing::ScopedTempDir dir("readers");
  auto bad = write_text(dir / "bad.csv", "a,b,c\n1,2,3\n4,abc,6\n");
  auto msg = io_error([&] { st::data::read_csv(bad); });
  CHECK(contains(msg, bad.string()));
  CHECK(contains(msg, "line 3"));
  CHECK(contains(msg, "column 2"));
  CHECK(contains(msg, "\"b\""));
  CHECK(contains(msg, "\"abc\""));

  msg = io_error([&] { st::data::read_csv(write_text(dir / "ragged.csv", "1,2,3\n4,5\n")); });
  CHECK(contains(msg, "line 2 has 2 cells, expected 3"));
  msg = io_error([&] { st::data::read_csv(write_text(dir / "empty_cell.csv", "1,2\n3,\n")); });
  CHECK(contains(msg, "line 2, column 2"));
  CHECK(contains(msg, "empty"));
  msg = io_error([&] { st::data::read_csv(write_text(dir / "partial.csv", "1,2\n3,4x\n")); });
  CHECK(contains(msg, "\"4x\""));
  msg = io_error([&] { st::data::read_csv(write_text(dir / "quote.csv", "a,\"b\n1,2\n")); });
  CHECK(contains(msg, "not closed"));
  CHECK(contains(io_error([&] { st::data::read_csv(write_text(dir / "nothing.csv", "")); }), "no rows"));
  CHECK(contains(io_error([&] { st::data::read_csv(write_text(dir / "blank.csv", "\n\n")); }), "no rows"));
  CHECK(contains(io_error([&] { st::data::read_csv(dir / "missing.csv"); }), "no such file"));
}

// ---------------------------------------------------------------------------------------------
// .npy

TEST_CASE("Readers: read_npy / write_npy: round trip of every dtype") {
  const strata::testing::ScopedTempDir dir("readers");
  const std::vector<Tensor> tensors = {
      Tensor({{1.5, -2.0, 3.25}, {4.0, 5.0, 6.0}}),
      Tensor({1.0, 2.0}, st::float64),
      Tensor({{-1, 2}, {3, 2147483647}}, st::int32),
      Tensor({-5, 6, 7}, st::int64),
      Tensor({0, 255, 3}, st::uint8),
      Tensor({1, 0, 1}, st::bool_),
      Tensor(2.5f),
      st::zeros({0, 4}),
  };
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    const auto path = dir / ("t" + std::to_string(k) + ".npy");
    st::data::write_npy(path, tensors[k]);
    CHECK(fs::file_size(path) % 16 == tensors[k].size() * st::dtype_size(tensors[k].dtype()) % 16);
    Tensor back = st::data::read_npy(path);
    CAPTURE(k);
    CHECK(back.dtype() == tensors[k].dtype());
    CHECK(back.shape() == tensors[k].shape());
    CHECK(back.to_vector<double>() == tensors[k].to_vector<double>());
  }
  CHECK_FALSE(fs::exists(dir / "t0.npy.tmp"));
}

TEST_CASE("Readers: read_npy: versions 1-3, byte orders, Fortran order, narrow types") {
  const strata::testing::ScopedTempDir dir("readers");
  // Version 1.0 as numpy writes it: '<f4', shape (2, 2).
  auto v1 = write_file(dir / "v1.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }          \n",
                                            le_bytes(std::vector<float>{1, 2, 3, 4})));
  Tensor a = st::data::read_npy(v1);
  CHECK(a.shape() == Shape{2, 2});
  CHECK(a.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
  // Version 2.0, big-endian int32, 1-d.
  auto v2 = write_file(dir / "v2.npy", npy(2, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,)}\n",
                                            {0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}));
  Tensor b = st::data::read_npy(v2);
  CHECK(b.dtype() == st::int32);
  CHECK(b.to_vector<std::int32_t>() == std::vector<std::int32_t>{256, -1});
  // Version 3.0, a scalar float64 with double-quoted keys.
  auto v3 = write_file(dir / "v3.npy", npy(3, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": ()}\n",
                                            le_bytes(std::vector<double>{0.125})));
  Tensor c = st::data::read_npy(v3);
  CHECK(c.shape() == Shape{});
  CHECK(c.item<double>() == 0.125);
  // Fortran order: memory holds columns first; the result is the C-order array.
  auto fortran = write_file(dir / "f.npy", npy(1, "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }\n",
                                                le_bytes(std::vector<std::int64_t>{1, 4, 2, 5, 3, 6})));
  Tensor f = st::data::read_npy(fortran);
  CHECK(f.dtype() == st::int64);
  CHECK(f.shape() == Shape{2, 3});
  CHECK(f.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});
  // Narrow integers widen; bool bytes other than 0/1 read as true.
  Tensor i2 = st::data::read_npy(write_file(dir / "i2.npy", npy(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n",
                                                                 le_bytes(std::vector<std::int16_t>{-7, 300}))));
  CHECK(i2.dtype() == st::int32);
  CHECK(i2.to_vector<std::int32_t>() == std::vector<std::int32_t>{-7, 300});
  Tensor u4 = st::data::read_npy(write_file(dir / "u4.npy", npy(1, "{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }\n",
                                                                 le_bytes(std::vector<std::uint32_t>{4000000000u}))));
  CHECK(u4.dtype() == st::int64);
  CHECK(u4.to_vector<std::int64_t>()[0] == 4000000000);
  Tensor bools = st::data::read_npy(write_file(dir / "b.npy", npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n",
                                                                   {0, 1, 2})));
  CHECK(bools.dtype() == st::bool_);
  CHECK(bools.to_vector<bool>() == std::vector<bool>{false, true, true});
}

TEST_CASE("Readers: read_npy: bad headers and lying sizes raise IOError naming the file") {
  const strata::testing::ScopedTempDir dir("readers");
  const Bytes data = le_bytes(std::vector<float>{1, 2, 3, 4});
  auto header = [](const std::string& dict) { return dict + "\n"; };

  auto not_npy = write_file(dir / "not.npy", {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
  auto msg = io_error([&] { st::data::read_npy(not_npy); });
  CHECK(contains(msg, not_npy.string()));
  CHECK(contains(msg, "magic"));

  msg = io_error([&] { st::data::read_npy(write_file(dir / "v9.npy", npy(9, header("{}"), data))); });
  CHECK(contains(msg, "version 9.0"));

  // The header length runs past the end of the file.
  Bytes long_header = npy(1, header("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"), data);
  long_header[8] = 0xff;
  long_header[9] = 0xff;
  msg = io_error([&] { st::data::read_npy(write_file(dir / "len.npy", long_header)); });
  CHECK(contains(msg, "header length is 65535"));
  Bytes v2_huge = npy(2, header("{}"), {});
  v2_huge[8] = v2_huge[9] = v2_huge[10] = v2_huge[11] = 0xff;
  CHECK(contains(io_error([&] { st::data::read_npy(write_file(dir / "len2.npy", v2_huge)); }), "4294967295"));

  // Malformed dictionaries.
  const std::vector<std::pair<std::string, std::string>> bad_headers = {
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,)}", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [4]}", "tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", "non-negative"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,)}", "structured"},
      {"{'descr': '<c8', 'fortran_order': False, 'shape': (4,)}", "unsupported dtype '<c8'"},
      {"{'descr': '<U4', 'fortran_order': False, 'shape': (4,)}", "unsupported dtype"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,)", "expected '}'"},
      {"garbage", "expected '{'"},
  };
  for (const auto& [dict, expected] : bad_headers) {
    CAPTURE(dict);
    msg = io_error([&] { st::data::read_npy(write_file(dir / "bad.npy", npy(1, header(dict), data))); });
    CHECK(contains(msg, "bad.npy"));
    CHECK(contains(msg, expected));
  }

  // The shape promises more data than the file holds (and absurdly much: no allocation).
  auto lying = write_file(dir / "lying.npy", npy(1, header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 3), }"), data));
  msg = io_error([&] { st::data::read_npy(lying); });
  CHECK(contains(msg, lying.string()));
  CHECK(contains(msg, "(1000, 3)"));
  msg = io_error([&] {
    st::data::read_npy(write_file(dir / "huge.npy", npy(1, header("{'descr': '<f8', 'fortran_order': False, 'shape': "
                                                                  "(9223372036854775807, 9223372036854775807), }"),
                                                         data)));
  });
  CHECK(contains(msg, "huge.npy"));
  // Truncated data, and trailing data.
  msg = io_error([&] {
    st::data::read_npy(write_file(dir / "short.npy", npy(1, header("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"), data)));
  });
  CHECK(contains(msg, "(5,)"));
  msg = io_error([&] {
    st::data::read_npy(write_file(dir / "long.npy", npy(1, header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), data)));
  });
  CHECK(contains(msg, "trailing"));
  // A file cut inside the preamble.
  CHECK(contains(io_error([&] { st::data::read_npy(write_file(dir / "cut.npy", {0x93, 'N', 'U'})); }), "truncated"));
  CHECK(contains(io_error([&] { st::data::read_npy(dir / "absent.npy"); }), "no such file"));
}
