#include "strata/models/saving/zip_archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>
#include <set>

#include "strata/framework/errors.hpp"

namespace strata::saving::zip {

namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr std::uint32_t kZip64End = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::size_t kLocalHeaderSize = 30, kCentralHeaderSize = 46, kEndSize = 22;
constexpr std::size_t kZip64EndSize = 56, kZip64LocatorSize = 20;
// Flags: bit 0 encrypted, bit 6 strong encryption, bit 13 encrypted central directory.
constexpr std::uint16_t kEncryptedFlags = 1u << 0 | 1u << 6 | 1u << 13;
constexpr std::uint16_t kUtf8Flag = 1u << 11;

std::uint16_t u16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
std::uint32_t u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t u64(const unsigned char* p) { return u32(p) | static_cast<std::uint64_t>(u32(p + 4)) << 32; }

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v & 0xffff));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}

std::string quote(const std::string& name) {
  std::string out;
  for (char c : name.substr(0, 200)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return "'" + out + (name.size() > 200 ? "...'" : "'");
}

// A member name that cannot escape the archive's directory or confuse a lookup.
const char* unsafe_name(const std::string& name) {
  if (name.empty()) return "an empty name";
  if (name.find('\0') != std::string::npos) return "a NUL byte in the name";
  if (name.front() == '/' || name.front() == '\\') return "an absolute path";
  if (name.size() >= 2 && name[1] == ':') return "a drive letter";
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find_first_of("/\\", start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0) return "a '..' path component";
    start = end + 1;
  }
  return nullptr;
}

std::uint32_t dos_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  if (!localtime_r(&t, &tm) || tm.tm_year < 80) return Writer::kDos1980;
  return static_cast<std::uint32_t>(tm.tm_year - 80) << 25 | static_cast<std::uint32_t>(tm.tm_mon + 1) << 21 |
         static_cast<std::uint32_t>(tm.tm_mday) << 16 | static_cast<std::uint32_t>(tm.tm_hour) << 11 |
         static_cast<std::uint32_t>(tm.tm_min) << 5 | static_cast<std::uint32_t>(tm.tm_sec / 2);
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  std::size_t left = data.size();
  while (left > 0) {
    const uInt n = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    crc = ::crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<std::uint32_t>(crc);
}

bool has_zip_magic(std::string_view bytes) { return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4); }

// ------------------------------------------------------------------ Reader

Reader::Reader(Reader&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      file_size_(other.file_size_),
      central_directory_offset_(other.central_directory_offset_),
      entries_(std::move(other.entries_)) {
  other.fd_ = -1;
}

Reader& Reader::operator=(Reader&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    file_size_ = other.file_size_;
    central_directory_offset_ = other.central_directory_offset_;
    entries_ = std::move(other.entries_);
    other.fd_ = -1;
  }
  return *this;
}

Reader::~Reader() {
  if (fd_ >= 0) ::close(fd_);
}

void Reader::pread_exact(void* buffer, std::uint64_t size, std::uint64_t offset, const std::string& what) const {
  if (offset > file_size_ || size > file_size_ - offset)
    throw IOError("Unable to read zip archive '" + path_ + "': " + what + " lies beyond the end of the file (" +
                  std::to_string(file_size_) + " bytes; truncated or corrupted archive)");
  auto* p = static_cast<char*>(buffer);
  while (size > 0) {
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, 1u << 30));
    const ssize_t got = ::pread(fd_, p, chunk, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw IOError("Unable to read zip archive '" + path_ + "': reading " + what + " failed" +
                    (got < 0 ? std::string(": ") + std::strerror(errno) : std::string(" (the file shrank)")));
    p += got;
    size -= static_cast<std::uint64_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
}

Reader Reader::open(const std::string& path) {
  Reader r;
  r.path_ = path;
  const std::string bad = "Unable to read zip archive '" + path + "': ";
  r.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r.fd_ < 0) throw IOError("Unable to open file '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(r.fd_, &st) != 0 || !S_ISREG(st.st_mode)) throw IOError("Unable to open file '" + path + "': not a regular file");
  r.file_size_ = static_cast<std::uint64_t>(st.st_size);
  if (r.file_size_ < kEndSize) throw IOError(bad + "the file is too short to be a zip archive (truncated?)");

  // The end-of-central-directory record: the last one whose comment reaches the end of the file.
  const std::uint64_t tail_size = std::min<std::uint64_t>(r.file_size_, kEndSize + 0xffff);
  std::string tail(static_cast<std::size_t>(tail_size), '\0');
  r.pread_exact(tail.data(), tail_size, r.file_size_ - tail_size, "the end of the archive");
  const auto* t = reinterpret_cast<const unsigned char*>(tail.data());
  std::int64_t found = -1;
  for (std::int64_t i = static_cast<std::int64_t>(tail_size - kEndSize); i >= 0; --i) {
    const auto* p = t + i;
    if (u32(p) == kEndOfCentralDirectory && static_cast<std::uint64_t>(i) + kEndSize + u16(p + 20) == tail_size) {
      found = i;
      break;
    }
  }
  if (found < 0)
    throw IOError(bad + "no end-of-central-directory record (not a zip archive, or truncated / corrupted)");
  const std::uint64_t end_offset = r.file_size_ - tail_size + static_cast<std::uint64_t>(found);
  const auto* e = t + found;
  if (u16(e + 4) != 0 || u16(e + 6) != 0) throw IOError(bad + "multi-disk archives are not supported");
  std::uint64_t count = u16(e + 10), cd_size = u32(e + 12), cd_offset = u32(e + 16);
  if (u16(e + 8) != count) throw IOError(bad + "the central directory's entry counts disagree (corrupted archive)");
  std::uint64_t cd_end = end_offset;  // where the central directory must end
  if (count == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
    // Zip64: a locator right before the record points to the zip64 end record.
    if (end_offset < kZip64LocatorSize) throw IOError(bad + "the zip64 end-of-central-directory locator is missing");
    unsigned char loc[kZip64LocatorSize];
    r.pread_exact(loc, kZip64LocatorSize, end_offset - kZip64LocatorSize, "the zip64 locator");
    if (u32(loc) != kZip64Locator) throw IOError(bad + "the zip64 end-of-central-directory locator is missing");
    if (u32(loc + 4) != 0 || u32(loc + 16) > 1) throw IOError(bad + "multi-disk archives are not supported");
    const std::uint64_t z_offset = u64(loc + 8);
    if (z_offset > end_offset - kZip64LocatorSize || end_offset - kZip64LocatorSize - z_offset < kZip64EndSize)
      throw IOError(bad + "the zip64 end-of-central-directory record lies outside the file (corrupted archive)");
    unsigned char z[kZip64EndSize];
    r.pread_exact(z, kZip64EndSize, z_offset, "the zip64 end-of-central-directory record");
    if (u32(z) != kZip64End) throw IOError(bad + "bad zip64 end-of-central-directory record (corrupted archive)");
    if (u32(z + 16) != 0 || u32(z + 20) != 0) throw IOError(bad + "multi-disk archives are not supported");
    if (u64(z + 24) != u64(z + 32)) throw IOError(bad + "the central directory's entry counts disagree (corrupted archive)");
    count = u64(z + 32);
    cd_size = u64(z + 40);
    cd_offset = u64(z + 48);
    cd_end = z_offset;
  }
  if (count > kMaxEntries)
    throw IOError(bad + "it has " + std::to_string(count) + " members, more than the limit of " + std::to_string(kMaxEntries));
  if (cd_size > kMaxCentralDirectoryBytes || cd_size < count * kCentralHeaderSize)
    throw IOError(bad + "the central directory's size (" + std::to_string(cd_size) + " bytes for " + std::to_string(count) +
                  " members) is impossible (corrupted archive)");
  if (cd_offset > cd_end || cd_end - cd_offset != cd_size)
    throw IOError(bad + "the central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
                  " bytes) does not end where the end record starts (" + std::to_string(cd_end) +
                  "): truncated or corrupted archive");
  r.central_directory_offset_ = cd_offset;

  std::string cd(static_cast<std::size_t>(cd_size), '\0');
  r.pread_exact(cd.data(), cd_size, cd_offset, "the central directory");
  const auto* c = reinterpret_cast<const unsigned char*>(cd.data());
  std::size_t at = 0;
  std::set<std::string> names;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string which = "central directory entry " + std::to_string(i);
    if (cd.size() - at < kCentralHeaderSize || u32(c + at) != kCentralHeader)
      throw IOError(bad + which + " is not a valid header (corrupted central directory)");
    const auto* h = c + at;
    const std::size_t name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
    if (cd.size() - at - kCentralHeaderSize < name_len + extra_len + comment_len)
      throw IOError(bad + which + " runs past the central directory (corrupted central directory)");
    Entry entry;
    entry.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), name_len);
    const std::string member = "member " + quote(entry.name);
    entry.flags = u16(h + 8);
    entry.method = u16(h + 10);
    entry.crc32 = u32(h + 16);
    entry.compressed_size = u32(h + 20);
    entry.size = u32(h + 24);
    std::uint32_t disk = u16(h + 34);
    entry.local_header_offset = u32(h + 42);
    // Zip64 extended information: the 64-bit values of the fields saturated above, in this order.
    const unsigned char* x = h + kCentralHeaderSize + name_len;
    const unsigned char* x_end = x + extra_len;
    while (x_end - x >= 4) {
      const std::uint16_t id = u16(x), len = u16(x + 2);
      if (x_end - x - 4 < len) throw IOError(bad + member + " has a malformed extra field (corrupted central directory)");
      if (id == 0x0001) {
        const unsigned char* f = x + 4;
        std::size_t left = len;
        auto take = [&](std::uint64_t& field) {
          if (left < 8) throw IOError(bad + member + " has a short zip64 extra field (corrupted central directory)");
          field = u64(f);
          f += 8;
          left -= 8;
        };
        if (entry.size == 0xffffffffu) take(entry.size);
        if (entry.compressed_size == 0xffffffffu) take(entry.compressed_size);
        if (entry.local_header_offset == 0xffffffffu) take(entry.local_header_offset);
        if (disk == 0xffff) {
          if (left < 4) throw IOError(bad + member + " has a short zip64 extra field (corrupted central directory)");
          disk = u32(f);
        }
      }
      x += 4 + len;
    }
    at += kCentralHeaderSize + name_len + extra_len + comment_len;

    if (const char* why = unsafe_name(entry.name)) throw IOError(bad + member + " is refused: " + why);
    if (!names.insert(entry.name).second) throw IOError(bad + member + " appears twice");
    if (disk != 0) throw IOError(bad + member + " lies on another disk (multi-disk archives are not supported)");
    if (entry.flags & kEncryptedFlags) throw IOError(bad + member + " is encrypted, which is not supported");
    if (entry.method != 0 && entry.method != 8)
      throw IOError(bad + member + " uses compression method " + std::to_string(entry.method) +
                    "; only stored (0) and deflated (8) members are supported");
    if (entry.size > kMaxEntryBytes)
      throw IOError(bad + member + " is " + std::to_string(entry.size) + " bytes, more than the limit of " +
                    std::to_string(kMaxEntryBytes));
    if (entry.method == 0 && entry.compressed_size != entry.size)
      throw IOError(bad + member + " is stored but its sizes differ (" + std::to_string(entry.compressed_size) + " vs " +
                    std::to_string(entry.size) + "; corrupted central directory)");
    if (entry.local_header_offset > cd_offset || cd_offset - entry.local_header_offset < kLocalHeaderSize ||
        entry.compressed_size > cd_offset - entry.local_header_offset - kLocalHeaderSize)
      throw IOError(bad + member + " (offset " + std::to_string(entry.local_header_offset) + ", " +
                    std::to_string(entry.compressed_size) + " bytes) lies outside the archive's data (truncated or " +
                    "corrupted archive)");
    r.entries_.push_back(std::move(entry));
  }
  if (at != cd.size()) throw IOError(bad + "the central directory has trailing bytes (corrupted central directory)");
  return r;
}

const Entry* Reader::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

std::string Reader::read(const std::string& name, std::uint64_t max_bytes) const {
  const std::string bad = "Unable to read member " + quote(name) + " of zip archive '" + path_ + "': ";
  const Entry* entry = find(name);
  if (!entry) throw IOError("Zip archive '" + path_ + "' has no member " + quote(name));
  if (entry->size > max_bytes)
    throw IOError(bad + "it is " + std::to_string(entry->size) + " bytes, more than the limit of " + std::to_string(max_bytes));
  unsigned char local[kLocalHeaderSize];
  pread_exact(local, kLocalHeaderSize, entry->local_header_offset, "the local header of member " + quote(name));
  if (u32(local) != kLocalHeader) throw IOError(bad + "its local header is missing (corrupted archive)");
  const std::uint16_t flags = u16(local + 6);
  if (flags & kEncryptedFlags) throw IOError(bad + "it is encrypted, which is not supported");
  if (u16(local + 8) != entry->method)
    throw IOError(bad + "its local header and the central directory disagree on the method (corrupted archive)");
  const std::uint64_t name_len = u16(local + 26), extra_len = u16(local + 28);
  // Bounds: the header, name, extra field and data must all lie before the central directory.
  const std::uint64_t room = central_directory_offset_ - entry->local_header_offset - kLocalHeaderSize;
  if (name_len + extra_len > room || entry->compressed_size > room - name_len - extra_len)
    throw IOError(bad + "its data runs past the end of the archive's data (truncated or corrupted archive)");
  std::string local_name(static_cast<std::size_t>(name_len), '\0');
  pread_exact(local_name.data(), name_len, entry->local_header_offset + kLocalHeaderSize, "a member name");
  if (local_name != name)
    throw IOError(bad + "its local header names " + quote(local_name) + " (corrupted archive)");
  const std::uint64_t data_offset = entry->local_header_offset + kLocalHeaderSize + name_len + extra_len;

  // Deflate expands at most ~1032:1, so a larger declared size is a lie (checked before allocating).
  if (entry->method == 8 && entry->size / 1032 > entry->compressed_size + 64)
    throw IOError(bad + "it declares " + std::to_string(entry->size) + " bytes from only " +
                  std::to_string(entry->compressed_size) + " deflated bytes (corrupted archive)");
  std::string out;
  try {
    out.assign(static_cast<std::size_t>(entry->size), '\0');
  } catch (const std::bad_alloc&) {
    throw IOError(bad + "its " + std::to_string(entry->size) + " bytes cannot be allocated");
  }
  if (entry->method == 0) {
    pread_exact(out.data(), entry->size, data_offset, "the data of member " + quote(name));
  } else {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw IOError(bad + "zlib could not start inflating");
    struct End {
      z_stream* z;
      ~End() { inflateEnd(z); }
    } end{&z};
    std::string chunk(1u << 20, '\0');
    std::uint64_t in_left = entry->compressed_size, in_at = data_offset, out_done = 0;
    int status = Z_OK;
    while (status != Z_STREAM_END) {
      if (z.avail_in == 0) {
        if (in_left == 0) throw IOError(bad + "the deflated data ends early (truncated or corrupted archive)");
        const std::uint64_t n = std::min<std::uint64_t>(in_left, chunk.size());
        pread_exact(chunk.data(), n, in_at, "the data of member " + quote(name));
        in_at += n;
        in_left -= n;
        z.next_in = reinterpret_cast<Bytef*>(chunk.data());
        z.avail_in = static_cast<uInt>(n);
      }
      // At most 1 GiB per call (avail_out is 32-bit); one spare byte shows output beyond the size.
      unsigned char overflow;
      if (out_done < out.size()) {
        z.next_out = reinterpret_cast<Bytef*>(out.data() + out_done);
        z.avail_out = static_cast<uInt>(std::min<std::uint64_t>(out.size() - out_done, 1u << 30));
      } else {
        z.next_out = reinterpret_cast<Bytef*>(&overflow);
        z.avail_out = 1;
      }
      const uInt before = z.avail_out;
      status = inflate(&z, Z_NO_FLUSH);
      const uInt produced = before - z.avail_out;
      if (out_done >= out.size() && produced > 0)
        throw IOError(bad + "it inflates to more than its declared " + std::to_string(entry->size) + " bytes (corrupted archive)");
      out_done += produced;
      if (status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR || status == Z_STREAM_ERROR)
        throw IOError(bad + "the deflated data is corrupted (" + (z.msg ? z.msg : "zlib error") + ")");
      if (status == Z_BUF_ERROR && z.avail_in != 0)
        throw IOError(bad + "the deflated data is corrupted (zlib made no progress)");
    }
    if (out_done != out.size() || in_left != 0 || z.avail_in != 0)
      throw IOError(bad + "it inflates to " + std::to_string(out_done) + " bytes from " +
                    std::to_string(entry->compressed_size - in_left - z.avail_in) + ", but the archive declares " +
                    std::to_string(entry->size) + " from " + std::to_string(entry->compressed_size) + " (corrupted archive)");
  }
  const std::uint32_t crc = crc32(out);
  if (crc != entry->crc32) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "CRC-32 mismatch (computed %08x, the archive says %08x)", crc, entry->crc32);
    throw IOError(bad + buf + ": the archive is corrupted");
  }
  return out;
}

// ------------------------------------------------------------------ Writer

Writer::Writer(std::string path) : target_(std::move(path)) {
  fd_ = ::open(target_.temporary_path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0)
    throw IOError("Unable to write file '" + target_.path() + "': cannot create a file in directory '" +
                  target_.folder() + "': " + std::strerror(errno));
}

Writer::~Writer() {
  if (fd_ >= 0) ::close(fd_);
}

void Writer::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), std::min<std::size_t>(bytes.size(), 1u << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IOError("Unable to write file '" + target_.path() + "': " + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset_ += static_cast<std::uint64_t>(n);
  }
}

void Writer::add(const std::string& name, std::string_view data, std::uint32_t dos_time) {
  if (committed_) throw IOError("zip::Writer: '" + target_.path() + "' is already committed");
  if (const char* why = unsafe_name(name)) throw ValueError("zip::Writer: member " + quote(name) + " is refused: " + why);
  if (name.size() > 0xffff) throw ValueError("zip::Writer: member name too long");
  for (const auto& e : entries_)
    if (e.name == name) throw ValueError("zip::Writer: member " + quote(name) + " is added twice");
  // Without zip64 every size and offset must fit in 32 bits (0xffffffff means "see zip64").
  if (data.size() >= 0xffffffffu || offset_ >= 0xffffffffu - kLocalHeaderSize - name.size() - data.size() ||
      entries_.size() >= 0xffff)
    throw IOError("Unable to write file '" + target_.path() + "': member " + quote(name) + " (" + std::to_string(data.size()) +
                  " bytes) would make the archive larger than 4 GiB, which needs zip64 (not supported for writing)");
  Entry entry;
  entry.name = name;
  entry.flags = 0;
  for (unsigned char ch : name)
    if (ch >= 0x80) entry.flags = kUtf8Flag;
  entry.method = 0;
  entry.crc32 = crc32(data);
  entry.size = entry.compressed_size = data.size();
  entry.local_header_offset = offset_;
  const std::uint32_t time = dos_time ? dos_time : dos_now();
  std::string header;
  put32(header, kLocalHeader);
  put16(header, 20);  // version needed to extract: 2.0, as Python's zipfile
  put16(header, entry.flags);
  put16(header, 0);  // stored
  put16(header, static_cast<std::uint16_t>(time & 0xffff));
  put16(header, static_cast<std::uint16_t>(time >> 16));
  put32(header, entry.crc32);
  put32(header, static_cast<std::uint32_t>(entry.compressed_size));
  put32(header, static_cast<std::uint32_t>(entry.size));
  put16(header, static_cast<std::uint16_t>(name.size()));
  put16(header, 0);  // no extra field
  header += name;
  write(header);
  write(data);
  entries_.push_back(std::move(entry));
  times_.push_back(time);
}

void Writer::commit() {
  if (committed_) return;
  const std::uint64_t cd_offset = offset_;
  std::string cd;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    put32(cd, kCentralHeader);
    put16(cd, 3u << 8 | 20);  // made by: Unix, 2.0
    put16(cd, 20);
    put16(cd, e.flags);
    put16(cd, 0);
    put16(cd, static_cast<std::uint16_t>(times_[i] & 0xffff));
    put16(cd, static_cast<std::uint16_t>(times_[i] >> 16));
    put32(cd, e.crc32);
    put32(cd, static_cast<std::uint32_t>(e.compressed_size));
    put32(cd, static_cast<std::uint32_t>(e.size));
    put16(cd, static_cast<std::uint16_t>(e.name.size()));
    put16(cd, 0);  // extra
    put16(cd, 0);  // comment
    put16(cd, 0);  // disk
    put16(cd, 0);  // internal attributes
    put32(cd, 0100644u << 16);  // external attributes: a regular file, rw-r--r--
    put32(cd, static_cast<std::uint32_t>(e.local_header_offset));
    cd += e.name;
  }
  if (cd_offset + cd.size() >= 0xffffffffu)
    throw IOError("Unable to write file '" + target_.path() + "': the archive would be larger than 4 GiB (zip64 is not supported for writing)");
  const std::uint32_t cd_size = static_cast<std::uint32_t>(cd.size());
  put32(cd, kEndOfCentralDirectory);
  put16(cd, 0);  // this disk
  put16(cd, 0);  // the directory's disk
  put16(cd, static_cast<std::uint16_t>(entries_.size()));
  put16(cd, static_cast<std::uint16_t>(entries_.size()));
  put32(cd, cd_size);
  put32(cd, static_cast<std::uint32_t>(cd_offset));
  put16(cd, 0);  // comment
  write(cd);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw IOError("Unable to write file '" + target_.path() + "': " + std::strerror(errno));
  target_.commit();
  committed_ = true;
}

}  // namespace strata::saving::zip
