#pragma once
// A small zip reader and writer for Keras 3's `.keras` archives (models/saving). Keras writes
// stored (uncompressed) entries; we write the same and read stored and deflated ones.
//
//   zip::Writer out("m.keras");              // atomic: a temporary file in the same directory
//   out.add("metadata.json", text);           // stored, CRC-32
//   out.commit();                             // central directory, fsync, rename over m.keras
//   auto in = zip::Reader::open("m.keras");
//   std::string config = in.read("config.json", 64 << 20);
//
// An archive is untrusted input: every offset and size is checked against the file before it is
// used, entry sizes are capped before anything is allocated, encrypted entries, unknown methods,
// multi-disk archives, absolute / ".." / duplicate names are refused, and every entry's CRC-32 is
// checked. Errors are strata::IOError naming the file (and the member).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/framework/io/atomic_file.hpp"

namespace strata::saving::zip {

inline constexpr std::uint64_t kMaxEntryBytes = 16ull << 30;       // one member (the weights)
inline constexpr std::uint64_t kMaxEntries = 1u << 16;             // members of one archive
inline constexpr std::uint64_t kMaxCentralDirectoryBytes = 64u << 20;

struct Entry {
  std::string name;
  std::uint16_t flags = 0;
  std::uint16_t method = 0;  // 0 stored, 8 deflated
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t size = 0;
  std::uint64_t local_header_offset = 0;
};

// CRC-32 (the zip / zlib polynomial).
std::uint32_t crc32(std::string_view data);

// "PK\x03\x04" at the start of `bytes` (a local file header: a zip archive that is not empty).
bool has_zip_magic(std::string_view bytes);

class Reader {
 public:
  // Reads and checks the central directory; IOError when the file is missing, not a zip, or the
  // directory is corrupted, truncated, encrypted, multi-disk or holds an unsafe / duplicate name.
  static Reader open(const std::string& path);
  Reader(Reader&& other) noexcept;
  Reader& operator=(Reader&& other) noexcept;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  const std::string& path() const { return path_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  // The member's bytes (inflated when deflated), CRC-checked. IOError when it is missing, larger
  // than `max_bytes`, truncated, or its local header, data or CRC is wrong.
  std::string read(const std::string& name, std::uint64_t max_bytes = kMaxEntryBytes) const;

 private:
  Reader() = default;
  void pread_exact(void* buffer, std::uint64_t size, std::uint64_t offset, const std::string& what) const;

  std::string path_;
  int fd_ = -1;
  std::uint64_t file_size_ = 0;
  std::uint64_t central_directory_offset_ = 0;  // entry data must end before it
  std::vector<Entry> entries_;
};

class Writer {
 public:
  // Creates a temporary file next to `path`; nothing touches `path` before commit().
  explicit Writer(std::string path);
  ~Writer();  // without commit(): the temporary file is removed
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // A stored member; `dos_time` is the modification time (now when 0; Keras's JSON members use
  // 1980-01-01 00:00, which is `kDos1980`).
  void add(const std::string& name, std::string_view data, std::uint32_t dos_time = 0);
  // Writes the central directory, fsyncs and renames the temporary file over `path`.
  void commit();

  static constexpr std::uint32_t kDos1980 = (0u << 25 | 1u << 21 | 1u << 16);

 private:
  void write(std::string_view bytes);

  io::AtomicFile target_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> times_;
  bool committed_ = false;
};

}  // namespace strata::saving::zip
