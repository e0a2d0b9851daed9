#pragma once
// Internal to the readers: bounded reads from a plain or gzip-compressed file, with IOErrors that
// name the file, and the conversion of raw array bytes into a Tensor.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata::data::detail {

class InputFile {
 public:
  // Opens `path` (IOError when it is missing or unreadable); `reader` names the caller in messages.
  InputFile(const std::filesystem::path& path, std::string reader);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  bool compressed() const;
  // The size of the file on disk (compressed size for a .gz file).
  std::uint64_t size_on_disk() const;
  // Bytes read so far (decompressed).
  std::uint64_t position() const;
  // For a plain file, the exact number of bytes left; for a gzip file an upper bound (deflate
  // expands at most 1032:1), so that no header can make us allocate more than the file can hold.
  std::uint64_t max_remaining() const;

  // Reads exactly `n` bytes of `what` (e.g. "the header") or throws IOError ("truncated").
  void read_exact(void* dst, std::size_t n, const std::string& what);
  // Reads the rest of the file, which must be exactly `n` bytes of `what`: fewer is a truncated
  // file, more is trailing data. Memory grows with the bytes actually read.
  std::vector<unsigned char> read_rest_exact(std::uint64_t n, const std::string& what);
  // Reads everything that is left.
  std::vector<unsigned char> read_all();

  // An IOError "<reader>: <path>: <message>".
  [[noreturn]] void fail(const std::string& message) const;
  const std::string& name() const { return name_; }

 private:
  std::size_t read_some(void* dst, std::size_t n);  // 0 at the end of the file

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_, reader_;
};

// How array values are stored in a file.
struct StoredType {
  enum Kind { floating, signed_integer, unsigned_integer, boolean } kind;
  int size;  // bytes per value
  bool big_endian;
  std::string name;  // for messages, e.g. "<f4" or "ubyte"
};

// The DType a stored type becomes (narrow integers widen); throws IOError via `file` if unsupported.
DType tensor_dtype(const StoredType& type, const InputFile& file);

// dims[0] * dims[1] * ... or nullopt on overflow of int64 (a zero dimension gives 0).
std::optional<std::int64_t> checked_product(const std::vector<std::int64_t>& dims);

// A tensor of `shape` from `bytes` (exactly shape.num_elements() * type.size bytes, consumed).
Tensor tensor_from_bytes(std::vector<unsigned char>&& bytes, const StoredType& type, const Shape& shape,
                         const InputFile& file);

}  // namespace strata::data::detail
