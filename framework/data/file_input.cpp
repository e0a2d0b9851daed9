// Bounded reads from plain and gzip files (zlib), and raw array bytes -> Tensor.
#include "strata/framework/data/file_input.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>

#include "strata/framework/errors.hpp"

namespace strata::data::detail {

namespace {
constexpr std::uint64_t kMaxDeflateRatio = 1032;  // deflate cannot expand data more than this
constexpr std::size_t kChunk = std::size_t{1} << 20;
}  // namespace

struct InputFile::Impl {
  std::FILE* plain = nullptr;
  gzFile gz = nullptr;
  std::uint64_t size = 0;
  std::uint64_t position = 0;
  ~Impl() {
    if (plain) std::fclose(plain);
    if (gz) gzclose(gz);
  }
};

InputFile::InputFile(const std::filesystem::path& path, std::string reader)
    : impl_(std::make_unique<Impl>()), name_(path.string()), reader_(std::move(reader)) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) fail("no such file");
  if (std::filesystem::is_directory(status)) fail("is a directory, not a file");
  impl_->size = std::filesystem::file_size(path, ec);
  if (ec) fail("cannot get the file size: " + ec.message());
  std::FILE* f = std::fopen(name_.c_str(), "rb");
  if (!f) fail(std::string("cannot open: ") + std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, f);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    std::fclose(f);
    impl_->gz = gzopen(name_.c_str(), "rb");
    if (!impl_->gz) fail("cannot open the gzip file");
    gzbuffer(impl_->gz, 1 << 17);
  } else {
    std::rewind(f);
    impl_->plain = f;
  }
}

InputFile::~InputFile() = default;

bool InputFile::compressed() const { return impl_->gz != nullptr; }
std::uint64_t InputFile::size_on_disk() const { return impl_->size; }
std::uint64_t InputFile::position() const { return impl_->position; }

std::uint64_t InputFile::max_remaining() const {
  if (!compressed()) return impl_->size - std::min(impl_->size, impl_->position);
  const std::uint64_t bound = impl_->size > std::numeric_limits<std::uint64_t>::max() / kMaxDeflateRatio
                                  ? std::numeric_limits<std::uint64_t>::max()
                                  : impl_->size * kMaxDeflateRatio;
  return bound - std::min(bound, impl_->position);
}

void InputFile::fail(const std::string& message) const { throw IOError(reader_ + ": " + name_ + ": " + message); }

std::size_t InputFile::read_some(void* dst, std::size_t n) {
  std::size_t total = 0;
  auto* out = static_cast<unsigned char*>(dst);
  while (total < n) {
    std::size_t got;
    if (impl_->gz) {
      const auto want = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
      const int r = gzread(impl_->gz, out + total, want);
      if (r < 0) {
        int code = 0;
        const char* message = gzerror(impl_->gz, &code);
        fail(std::string("corrupt gzip data (") + (message ? message : "unknown zlib error") + ")");
      }
      got = static_cast<std::size_t>(r);
      if (got == 0) {
        int code = 0;
        const char* message = gzerror(impl_->gz, &code);
        if (code != Z_OK && code != Z_STREAM_END)
          fail(std::string("corrupt or truncated gzip data (") + (message ? message : "unknown zlib error") + ")");
      }
    } else {
      got = std::fread(out + total, 1, n - total, impl_->plain);
      if (got == 0 && std::ferror(impl_->plain)) fail(std::string("read error: ") + std::strerror(errno));
    }
    if (got == 0) break;
    total += got;
    impl_->position += got;
  }
  return total;
}

void InputFile::read_exact(void* dst, std::size_t n, const std::string& what) {
  const std::size_t got = read_some(dst, n);
  if (got != n)
    fail("truncated file: expected " + std::to_string(n) + " bytes of " + what + " at offset " +
         std::to_string(impl_->position - got) + ", but the file ends after " + std::to_string(got));
}

std::vector<unsigned char> InputFile::read_rest_exact(std::uint64_t n, const std::string& what) {
  const std::uint64_t start = impl_->position;
  if (n > max_remaining()) {
    if (!compressed())
      fail("truncated or corrupt file: " + what + " needs " + std::to_string(n) + " bytes after offset " +
           std::to_string(start) + ", but the file has only " + std::to_string(max_remaining()));
    fail("corrupt file: " + what + " needs " + std::to_string(n) + " bytes, more than a gzip file of " +
         std::to_string(impl_->size) + " bytes can hold");
  }
  std::vector<unsigned char> bytes;
  if (!compressed()) {
    bytes.resize(static_cast<std::size_t>(n));  // the file holds at least n bytes: checked above
    if (read_some(bytes.data(), bytes.size()) != bytes.size())
      fail("truncated file: it shrank while being read (" + what + ")");
  } else {
    // The decompressed size is known only by decompressing: grow with the data actually read.
    while (bytes.size() < n) {
      const std::size_t old = bytes.size();
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n - old, std::max(old, kChunk)));
      bytes.resize(old + want);
      const std::size_t got = read_some(bytes.data() + old, want);
      bytes.resize(old + got);
      if (got < want)
        fail("truncated file: " + what + " needs " + std::to_string(n) + " bytes after offset " + std::to_string(start) +
             ", but the data ends after " + std::to_string(bytes.size()));
    }
  }
  unsigned char extra;
  if (read_some(&extra, 1) != 0)
    fail("unexpected trailing data: " + what + " needs " + std::to_string(n) + " bytes after offset " +
         std::to_string(start) + ", but the file has more");
  return bytes;
}

std::vector<unsigned char> InputFile::read_all() {
  std::vector<unsigned char> bytes;
  if (!compressed()) bytes.reserve(static_cast<std::size_t>(max_remaining()));
  while (true) {
    const std::size_t old = bytes.size();
    const std::size_t want = std::max(old, kChunk);
    bytes.resize(old + want);
    const std::size_t got = read_some(bytes.data() + old, want);
    bytes.resize(old + got);
    if (got < want) break;
  }
  return bytes;
}

DType tensor_dtype(const StoredType& t, const InputFile& file) {
  switch (t.kind) {
    case StoredType::floating:
      if (t.size == 4) return float32;
      if (t.size == 8) return float64;
      break;
    case StoredType::signed_integer:
      if (t.size <= 4) return int32;
      if (t.size == 8) return int64;
      break;
    case StoredType::unsigned_integer:
      if (t.size == 1) return uint8;
      if (t.size == 2) return int32;
      if (t.size == 4) return int64;
      break;
    case StoredType::boolean:
      if (t.size == 1) return bool_;
      break;
  }
  file.fail("unsupported value type " + t.name);
}

std::optional<std::int64_t> checked_product(const std::vector<std::int64_t>& dims) {
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) return 0;
  std::int64_t product = 1;
  for (auto d : dims)
    if (d < 0 || __builtin_mul_overflow(product, d, &product)) return std::nullopt;
  return product;
}

namespace {

template <class Stored, class Out>
std::vector<Out> widen(const std::vector<unsigned char>& bytes) {
  std::vector<Out> out(bytes.size() / sizeof(Stored));
  for (std::size_t i = 0; i < out.size(); ++i) {
    Stored v;
    std::memcpy(&v, bytes.data() + i * sizeof(Stored), sizeof(Stored));
    out[i] = static_cast<Out>(v);
  }
  return out;
}

}  // namespace

Tensor tensor_from_bytes(std::vector<unsigned char>&& bytes, const StoredType& type, const Shape& shape,
                         const InputFile& file) {
  const DType dtype = tensor_dtype(type, file);
  const auto count = static_cast<std::size_t>(shape.num_elements());
  if (bytes.size() != count * static_cast<std::size_t>(type.size))
    file.fail("internal error: " + std::to_string(bytes.size()) + " bytes for " + std::to_string(count) + " values");
  // To native byte order.
  const bool native_big = std::endian::native == std::endian::big;
  if (type.size > 1 && type.big_endian != native_big)
    for (std::size_t i = 0; i < bytes.size(); i += static_cast<std::size_t>(type.size))
      std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i), bytes.begin() + static_cast<std::ptrdiff_t>(i) + type.size);
  if (type.kind == StoredType::boolean)
    for (auto& b : bytes) b = b != 0;  // any non-zero byte is true, as NumPy reads it
  if (static_cast<int>(dtype_size(dtype)) == type.size)
    return Tensor::from_host(bytes.data(), dtype, count, shape, dtype);
  if (type.kind == StoredType::signed_integer && type.size == 1)
    return Tensor::from_vector(widen<std::int8_t, std::int32_t>(bytes), shape);
  if (type.kind == StoredType::signed_integer && type.size == 2)
    return Tensor::from_vector(widen<std::int16_t, std::int32_t>(bytes), shape);
  if (type.kind == StoredType::unsigned_integer && type.size == 2)
    return Tensor::from_vector(widen<std::uint16_t, std::int32_t>(bytes), shape);
  if (type.kind == StoredType::unsigned_integer && type.size == 4)
    return Tensor::from_vector(widen<std::uint32_t, std::int64_t>(bytes), shape);
  file.fail("unsupported value type " + type.name);
}

}  // namespace strata::data::detail
