#pragma once
// A small RAII wrapper over libhdf5's C API for the model-file code (models/saving). The HDF5
// headers stay in hdf5.cpp: ids are plain 64-bit integers here. Every read treats the file as
// untrusted: object kinds, link types (no soft or external links), string sizes, ranks, dims,
// element counts (overflow-checked) and byte sizes are checked before anything is allocated.
// Errors are strata::IOError (the file cannot be read or written) or ValueError (its content is
// wrong), and name the file and the object.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/io/atomic_file.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::saving::hdf5 {

// Limits on what a file may make us allocate.
inline constexpr std::size_t kMaxAttributeBytes = 64u << 20;    // a JSON config attribute
inline constexpr std::size_t kMaxStringListEntries = 1u << 20;  // layer_names / weight_names
inline constexpr std::uint64_t kMaxDatasetBytes = 16ull << 30;  // one weight
inline constexpr int kMaxRank = 32;

// The first bytes of a file: "hdf5", "zip", or "" (neither, or unreadable).
std::string sniff(const std::string& path);

class Object {
 public:
  Object() = default;
  Object(std::int64_t id, std::string file, std::string path) : id_(id), file_(std::move(file)), path_(std::move(path)) {}
  ~Object();
  Object(Object&& other) noexcept;
  Object& operator=(Object&& other) noexcept;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  std::int64_t id() const { return id_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }  // inside the file, "/" for the root

  // --- groups (the file itself is the root group) ---
  bool has_link(const std::string& name) const;       // a hard link to any object
  bool has_group(const std::string& name) const;
  bool has_dataset(const std::string& name) const;
  Object open_group(const std::string& name) const;   // `name` may be a relative path a/b/c
  Object create_group(const std::string& name) const; // intermediate groups are created too
  std::vector<std::string> children() const;          // link names, in name order

  // --- attributes ---
  bool has_attribute(const std::string& name) const;
  // A scalar (or 1-element) string attribute, fixed- or variable-length.
  std::string read_string_attribute(const std::string& name) const;
  // A 1-D string array (fixed- or variable-length; an empty float64 array reads as empty), or the
  // chunks name0, name1, ... that Keras writes when the list is long.
  std::vector<std::string> read_string_list_attribute(const std::string& name) const;
  void write_string_attribute(const std::string& name, const std::string& value) const;
  // Splits into name0, name1, ... above 64512 bytes, as Keras.
  void write_string_list_attribute(const std::string& name, const std::vector<std::string>& values) const;

  // --- datasets ---
  // A float, integer or bool dataset as a Tensor (float32/float64/int32/int64/uint8 as stored).
  Tensor read_dataset(const std::string& name) const;
  // The shape of a dataset without reading it (checks the same limits).
  Shape dataset_shape(const std::string& name) const;
  void write_dataset(const std::string& name, const Tensor& value) const;

 protected:
  std::string where(const std::string& name = "") const;

  std::int64_t id_ = -1;
  std::string file_;
  std::string path_;
};

class File : public Object {
 public:
  // Opens for reading; IOError when missing, not HDF5 or unreadable.
  static File open(const std::string& path);
  // Creates (truncating) `path` for writing; callers use AtomicWriter for the real target.
  static File create(const std::string& path);
  // An HDF5 file held in memory (the weights inside a .keras zip): `image` is copied; `name`
  // names it in messages ("m.keras/model.weights.h5"). The same checks as open().
  static File open_image(const std::string& image, const std::string& name);
  // A new, empty HDF5 file in memory; image() returns its bytes.
  static File create_image(const std::string& name);
  // The bytes of a file made by create_image (flushed first).
  std::string image() const;
  File() = default;
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  // Flushes and closes (errors as IOError); the destructor closes silently.
  void close();

 private:
  // Takes ownership of an open file id; `name` names it in messages.
  File(std::int64_t id, std::string name) : Object(id, std::move(name), "/") {}
};

// Writes `path` atomically (io::AtomicFile): an HDF5 file created at the temporary name, closed,
// fsync'ed and renamed over `path` by commit(). Without commit() (an exception) the temporary
// file is removed and `path` is untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::string path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  File& file() { return file_; }
  void commit();

 private:
  io::AtomicFile target_;
  File file_;
};

}  // namespace strata::saving::hdf5
