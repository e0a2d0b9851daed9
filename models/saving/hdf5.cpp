#include "strata/models/saving/hdf5.hpp"

#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include "strata/framework/errors.hpp"

namespace strata::saving::hdf5 {

namespace {

static_assert(sizeof(hid_t) == sizeof(std::int64_t), "hid_t must be 64-bit (HDF5 >= 1.10)");

void quiet_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// Closes a temporary HDF5 id (type, space, attribute, property list, dataset).
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : path) {
    if (c == '/') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

std::string join(const std::string& base, const std::string& name) {
  if (base.empty() || base == "/") return "/" + name;
  return base + "/" + name;
}

// The kind of the hard link `name` directly under `loc` (H5O_TYPE_UNKNOWN when absent).
// Soft and external links are rejected: a model file must not point elsewhere.
H5O_type_t hard_link_type(hid_t loc, const std::string& name, const std::string& file, const std::string& where) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos) return H5O_TYPE_UNKNOWN;
  htri_t exists = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  if (exists <= 0) return H5O_TYPE_UNKNOWN;
  H5L_info_t info;
  if (H5Lget_info(loc, name.c_str(), &info, H5P_DEFAULT) < 0)
    throw IOError("Unable to read the link '" + where + "' in file '" + file + "' (the file may be corrupted)");
  if (info.type != H5L_TYPE_HARD)
    throw ValueError("File '" + file + "': '" + where + "' is a " +
                     (info.type == H5L_TYPE_SOFT ? "soft" : info.type == H5L_TYPE_EXTERNAL ? "external" : "user-defined") +
                     " link; model files may only contain hard links");
  hid_t object = H5Oopen(loc, name.c_str(), H5P_DEFAULT);
  if (object < 0) throw IOError("Unable to open '" + where + "' in file '" + file + "' (the file may be corrupted)");
  H5I_type_t type = H5Iget_type(object);
  H5Oclose(object);
  if (type == H5I_GROUP) return H5O_TYPE_GROUP;
  if (type == H5I_DATASET) return H5O_TYPE_DATASET;
  return H5O_TYPE_NAMED_DATATYPE;
}

std::uint64_t checked_product(const std::vector<hsize_t>& dims, const std::string& what) {
  std::uint64_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d) throw ValueError(what + ": the element count overflows");
    n *= d;
  }
  return n;
}

void close_any(hid_t id) {
  if (id < 0) return;
  switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    default: H5Oclose(id); break;
  }
}

}  // namespace

std::string sniff(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  char magic[8] = {};
  in.read(magic, 8);
  const auto got = in.gcount();
  if (got >= 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0) return "hdf5";
  if (got >= 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) return "zip";
  return "";
}

// ------------------------------------------------------------------ Object

Object::~Object() { close_any(id_); }

Object::Object(Object&& other) noexcept
    : id_(other.id_), file_(std::move(other.file_)), path_(std::move(other.path_)) {
  other.id_ = -1;
}

Object& Object::operator=(Object&& other) noexcept {
  if (this != &other) {
    close_any(id_);
    id_ = other.id_;
    file_ = std::move(other.file_);
    path_ = std::move(other.path_);
    other.id_ = -1;
  }
  return *this;
}

std::string Object::where(const std::string& name) const { return name.empty() ? path_ : join(path_, name); }

namespace {
// Walks `path` from `loc` through hard-linked groups; returns the group holding the last part
// (an owned id, or -1 with `owned` false when it is `loc` itself) and that last part.
struct Walk {
  hid_t parent = -1;
  bool owned = false;
  std::string last;
  ~Walk() {
    if (owned) H5Gclose(parent);
  }
};

bool walk(hid_t loc, const std::string& path, const std::string& file, const std::string& base, Walk& out) {
  auto parts = split_path(path);
  if (parts.empty()) return false;
  out.parent = loc;
  std::string where = base;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    where = join(where, parts[i]);
    if (hard_link_type(out.parent, parts[i], file, where) != H5O_TYPE_GROUP) return false;
    hid_t next = H5Gopen2(out.parent, parts[i].c_str(), H5P_DEFAULT);
    if (next < 0) throw IOError("Unable to open group '" + where + "' in file '" + file + "'");
    if (out.owned) H5Gclose(out.parent);
    out.parent = next;
    out.owned = true;
  }
  out.last = parts.back();
  return true;
}
}  // namespace

bool Object::has_link(const std::string& name) const {
  Walk w;
  return walk(id_, name, file_, path_, w) && hard_link_type(w.parent, w.last, file_, where(name)) != H5O_TYPE_UNKNOWN;
}

bool Object::has_group(const std::string& name) const {
  Walk w;
  return walk(id_, name, file_, path_, w) && hard_link_type(w.parent, w.last, file_, where(name)) == H5O_TYPE_GROUP;
}

bool Object::has_dataset(const std::string& name) const {
  Walk w;
  return walk(id_, name, file_, path_, w) && hard_link_type(w.parent, w.last, file_, where(name)) == H5O_TYPE_DATASET;
}

Object Object::open_group(const std::string& name) const {
  Walk w;
  if (!walk(id_, name, file_, path_, w) || hard_link_type(w.parent, w.last, file_, where(name)) != H5O_TYPE_GROUP)
    throw ValueError("File '" + file_ + "' has no group '" + where(name) + "'");
  hid_t g = H5Gopen2(w.parent, w.last.c_str(), H5P_DEFAULT);
  if (g < 0) throw IOError("Unable to open group '" + where(name) + "' in file '" + file_ + "'");
  return Object(g, file_, where(name));
}

Object Object::create_group(const std::string& name) const {
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  hid_t g = H5Gcreate2(id_, name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) throw IOError("Unable to create group '" + where(name) + "' in file '" + file_ + "'");
  return Object(g, file_, where(name));
}

std::vector<std::string> Object::children() const {
  std::vector<std::string> names;
  H5G_info_t info;
  if (H5Gget_info(id_, &info) < 0) throw IOError("Unable to list '" + path_ + "' in file '" + file_ + "'");
  if (info.nlinks > kMaxStringListEntries)
    throw ValueError("File '" + file_ + "': group '" + path_ + "' has too many members (" + std::to_string(info.nlinks) + ")");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t n = H5Lget_name_by_idx(id_, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0 || static_cast<std::size_t>(n) > 65536)
      throw ValueError("File '" + file_ + "': a member name of '" + path_ + "' is unreadable or too long");
    std::string s(static_cast<std::size_t>(n) + 1, '\0');
    H5Lget_name_by_idx(id_, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
    s.resize(static_cast<std::size_t>(n));
    names.push_back(s);
  }
  return names;
}

// ------------------------------------------------------------------ attributes

bool Object::has_attribute(const std::string& name) const { return H5Aexists(id_, name.c_str()) > 0; }

namespace {

// Reads every string of a string attribute (any rank), checking sizes first.
std::vector<std::string> read_strings(hid_t attr, const std::string& what, bool allow_empty_float) {
  Id type(H5Aget_type(attr), H5Tclose);
  Id space(H5Aget_space(attr), H5Sclose);
  if (!type.ok() || !space.ok()) throw IOError(what + ": unable to read the attribute (the file may be corrupted)");
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0 || static_cast<std::uint64_t>(points) > kMaxStringListEntries)
    throw ValueError(what + ": the attribute has an invalid or too large number of entries");
  const auto n = static_cast<std::size_t>(points);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_STRING) {
    // Keras writes an empty name list as an empty float64 array.
    if (allow_empty_float && n == 0) return {};
    throw ValueError(what + ": expected a string attribute");
  }
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  const htri_t variable = H5Tis_variable_str(type.get());
  if (variable < 0) throw IOError(what + ": unable to read the string type");
  Id memtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(memtype.get(), H5Tget_cset(type.get()));
  if (variable > 0) {
    H5Tset_size(memtype.get(), H5T_VARIABLE);
    std::vector<char*> buffer(n, nullptr);
    if (H5Aread(attr, memtype.get(), buffer.data()) < 0) throw IOError(what + ": unable to read the attribute");
    std::size_t total = 0;
    bool too_big = false;
    for (char* s : buffer) {
      const std::size_t len = s ? strnlen(s, kMaxAttributeBytes + 1) : 0;
      total += len;
      if (len > kMaxAttributeBytes || total > kMaxAttributeBytes) too_big = true;
      if (!too_big) out.emplace_back(s ? s : "", len);
    }
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(memtype.get(), space.get(), H5P_DEFAULT, buffer.data());
#else
    H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, buffer.data());
#endif
    if (too_big) throw ValueError(what + ": the attribute is larger than " + std::to_string(kMaxAttributeBytes) + " bytes");
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxAttributeBytes || n > kMaxAttributeBytes / size)
    throw ValueError(what + ": the attribute is larger than " + std::to_string(kMaxAttributeBytes) + " bytes");
  H5Tset_size(memtype.get(), size);
  H5Tset_strpad(memtype.get(), H5T_STR_NULLPAD);
  std::vector<char> buffer(size * n);
  if (H5Aread(attr, memtype.get(), buffer.data()) < 0) throw IOError(what + ": unable to read the attribute");
  for (std::size_t i = 0; i < n; ++i) {
    const char* s = buffer.data() + i * size;
    std::size_t len = strnlen(s, size);
    while (len > 0 && s[len - 1] == ' ' && H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) --len;
    out.emplace_back(s, len);
  }
  return out;
}

}  // namespace

std::string Object::read_string_attribute(const std::string& name) const {
  const std::string what = "File '" + file_ + "': attribute '" + name + "' of '" + path_ + "'";
  if (!has_attribute(name)) throw ValueError(what + " is missing");
  Id attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) throw IOError(what + ": unable to open it (the file may be corrupted)");
  auto values = read_strings(attr.get(), what, false);
  if (values.size() != 1) throw ValueError(what + ": expected one string, got " + std::to_string(values.size()));
  return values.front();
}

std::vector<std::string> Object::read_string_list_attribute(const std::string& name) const {
  auto read_one = [&](const std::string& attr_name) {
    const std::string what = "File '" + file_ + "': attribute '" + attr_name + "' of '" + path_ + "'";
    Id attr(H5Aopen(id_, attr_name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!attr.ok()) throw IOError(what + ": unable to open it (the file may be corrupted)");
    return read_strings(attr.get(), what, true);
  };
  if (has_attribute(name)) return read_one(name);
  std::vector<std::string> all;
  for (int chunk = 0; has_attribute(name + std::to_string(chunk)); ++chunk) {
    auto part = read_one(name + std::to_string(chunk));
    all.insert(all.end(), part.begin(), part.end());
    if (all.size() > kMaxStringListEntries)
      throw ValueError("File '" + file_ + "': attribute '" + name + "' of '" + path_ + "' has too many entries");
  }
  if (!has_attribute(name + "0"))
    throw ValueError("File '" + file_ + "': attribute '" + name + "' of '" + path_ + "' is missing");
  return all;
}

void Object::write_string_attribute(const std::string& name, const std::string& value) const {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists(id_, name.c_str()) > 0) H5Adelete(id_, name.c_str());
  Id attr(H5Acreate2(id_, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* data = value.c_str();
  if (!attr.ok() || H5Awrite(attr.get(), type.get(), &data) < 0)
    throw IOError("Unable to write attribute '" + name + "' of '" + path_ + "' in file '" + file_ + "'");
}

void Object::write_string_list_attribute(const std::string& name, const std::vector<std::string>& values) const {
  auto write_one = [&](const std::string& attr_name, std::size_t begin, std::size_t end) {
    const hsize_t n = end - begin;
    Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    if (n == 0) {  // as Keras / h5py: an empty list is an empty float64 array
      Id attr(H5Acreate2(id_, attr_name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
      double dummy = 0;
      if (!attr.ok() || H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &dummy) < 0)
        throw IOError("Unable to write attribute '" + attr_name + "' of '" + path_ + "' in file '" + file_ + "'");
      return;
    }
    std::size_t width = 1;
    for (std::size_t i = begin; i < end; ++i) width = std::max(width, values[i].size());
    std::vector<char> buffer(width * n, '\0');
    for (std::size_t i = begin; i < end; ++i) std::memcpy(buffer.data() + (i - begin) * width, values[i].data(), values[i].size());
    // Fixed-length NULLPAD byte strings, as Keras writes them with h5py.
    Id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), width);
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    Id attr(H5Acreate2(id_, attr_name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.ok() || H5Awrite(attr.get(), type.get(), buffer.data()) < 0)
      throw IOError("Unable to write attribute '" + attr_name + "' of '" + path_ + "' in file '" + file_ + "'");
  };
  // HDF5_OBJECT_HEADER_LIMIT of Keras: longer lists are split into name0, name1, ...
  constexpr std::size_t kLimit = 64512;
  auto bytes = [&](std::size_t begin, std::size_t end) {
    std::size_t width = 1;
    for (std::size_t i = begin; i < end; ++i) width = std::max(width, values[i].size());
    return width * (end - begin);
  };
  if (bytes(0, values.size()) <= kLimit) {
    write_one(name, 0, values.size());
    return;
  }
  for (std::size_t chunks = 2;; ++chunks) {
    // np.array_split: the first (n % chunks) chunks get one more element.
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    const std::size_t n = values.size(), base = n / chunks, extra = n % chunks;
    std::size_t begin = 0;
    bool fits = true;
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t end = begin + base + (c < extra ? 1 : 0);
      ranges.emplace_back(begin, end);
      if (bytes(begin, end) > kLimit) fits = false;
      begin = end;
    }
    if (!fits && base > 0) continue;
    for (std::size_t c = 0; c < ranges.size(); ++c) write_one(name + std::to_string(c), ranges[c].first, ranges[c].second);
    return;
  }
}

// ------------------------------------------------------------------ datasets

namespace {

struct DatasetInfo {
  std::vector<std::int64_t> dims;
  std::uint64_t count = 0;
  DType dtype = float32;
  hid_t memtype = -1;
};

DatasetInfo inspect(hid_t dataset, const std::string& what) {
  Id type(H5Dget_type(dataset), H5Tclose);
  Id space(H5Dget_space(dataset), H5Sclose);
  Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
  if (!type.ok() || !space.ok() || !dcpl.ok()) throw IOError(what + ": unable to read it (the file may be corrupted)");
  if (H5Pget_external_count(dcpl.get()) != 0) throw ValueError(what + ": datasets stored in external files are not accepted");
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT)
    throw ValueError(what + ": unsupported dataset layout (virtual or unknown)");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > kMaxRank) throw ValueError(what + ": invalid rank " + std::to_string(rank));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    throw IOError(what + ": unable to read its shape");
  DatasetInfo info;
  for (hsize_t d : dims) {
    if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) throw ValueError(what + ": dimension too large");
    info.dims.push_back(static_cast<std::int64_t>(d));
  }
  info.count = checked_product(dims, what);
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  if (cls == H5T_FLOAT && size == 4) {
    info.dtype = float32;
    info.memtype = H5T_NATIVE_FLOAT;
  } else if (cls == H5T_FLOAT && size == 8) {
    info.dtype = float64;
    info.memtype = H5T_NATIVE_DOUBLE;
  } else if (cls == H5T_INTEGER && size == 1 && H5Tget_sign(type.get()) == H5T_SGN_NONE) {
    info.dtype = uint8;
    info.memtype = H5T_NATIVE_UINT8;
  } else if (cls == H5T_INTEGER && size <= 4 && H5Tget_sign(type.get()) != H5T_SGN_NONE) {
    info.dtype = int32;
    info.memtype = H5T_NATIVE_INT32;
  } else if (cls == H5T_INTEGER && size <= 8) {
    info.dtype = int64;
    info.memtype = H5T_NATIVE_INT64;
  } else if (cls == H5T_ENUM && size == 1) {  // h5py's bool
    info.dtype = uint8;
    info.memtype = H5T_NATIVE_UINT8;
  } else {
    throw ValueError(what + ": unsupported element type (class " + std::to_string(static_cast<int>(cls)) + ", " +
                     std::to_string(size) + " bytes); expected float32, float64 or an integer");
  }
  const std::uint64_t elem = dtype_size(info.dtype);
  if (info.count > kMaxDatasetBytes / elem)
    throw ValueError(what + ": " + std::to_string(info.count) + " elements exceed the limit of " +
                     std::to_string(kMaxDatasetBytes) + " bytes");
  // A contiguous dataset must have all its bytes in the file (a truncated file has fewer).
  if (layout == H5D_CONTIGUOUS && info.count > 0) {
    const hsize_t stored = H5Dget_storage_size(dataset);
    if (stored < info.count * size)
      throw ValueError(what + ": the file holds " + std::to_string(stored) + " bytes of it, expected " +
                       std::to_string(info.count * size) + " (truncated or corrupted file)");
  }
  return info;
}

// The id of dataset `name` below `id` (`where` its path, `what` its description in messages),
// open: ValueError when there is none, IOError when it cannot be opened.
hid_t open_dataset(hid_t id, const std::string& name, const std::string& file, const std::string& path,
                   const std::string& where, const std::string& what) {
  Walk w;
  if (!walk(id, name, file, path, w) || hard_link_type(w.parent, w.last, file, where) != H5O_TYPE_DATASET)
    throw ValueError(what + " is missing");
  const hid_t dataset = H5Dopen2(w.parent, w.last.c_str(), H5P_DEFAULT);
  if (dataset < 0) throw IOError(what + ": unable to open it (the file may be corrupted)");
  return dataset;
}

}  // namespace

Shape Object::dataset_shape(const std::string& name) const {
  const std::string what = "File '" + file_ + "': dataset '" + where(name) + "'";
  Id dataset(open_dataset(id_, name, file_, path_, where(name), what), H5Dclose);
  return Shape(inspect(dataset.get(), what).dims);
}

Tensor Object::read_dataset(const std::string& name) const {
  const std::string what = "File '" + file_ + "': dataset '" + where(name) + "'";
  Id dataset(open_dataset(id_, name, file_, path_, where(name), what), H5Dclose);
  const DatasetInfo info = inspect(dataset.get(), what);
  const Shape shape(info.dims);
  auto read = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> values(static_cast<std::size_t>(info.count));
    if (info.count > 0 && H5Dread(dataset.get(), info.memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
      throw IOError(what + ": unable to read its values (truncated or corrupted file)");
    return Tensor::from_vector(values, shape);
  };
  if (info.dtype == float32) return read(float{});
  if (info.dtype == float64) return read(double{});
  if (info.dtype == uint8) return read(std::uint8_t{});
  if (info.dtype == int32) return read(std::int32_t{});
  return read(std::int64_t{});
}

void Object::write_dataset(const std::string& name, const Tensor& value) const {
  std::vector<hsize_t> dims;
  for (auto d : value.shape()) dims.push_back(static_cast<hsize_t>(d));
  Id space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
           H5Sclose);
  hid_t filetype, memtype;
  const DType dt = value.dtype();
  if (dt == float64) {
    filetype = H5T_IEEE_F64LE, memtype = H5T_NATIVE_DOUBLE;
  } else if (dt == int32) {
    filetype = H5T_STD_I32LE, memtype = H5T_NATIVE_INT32;
  } else if (dt == int64) {
    filetype = H5T_STD_I64LE, memtype = H5T_NATIVE_INT64;
  } else if (dt == uint8 || dt == bool_) {
    filetype = H5T_STD_U8LE, memtype = H5T_NATIVE_UINT8;
  } else {
    filetype = H5T_IEEE_F32LE, memtype = H5T_NATIVE_FLOAT;
  }
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  Id dataset(H5Dcreate2(id_, name.c_str(), filetype, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) throw IOError("Unable to create dataset '" + where(name) + "' in file '" + file_ + "'");
  auto write = [&](auto element) {
    const auto v = value.to_vector<decltype(element)>();
    return H5Dwrite(dataset.get(), memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  };
  herr_t status;
  if (memtype == H5T_NATIVE_DOUBLE) status = write(double{});
  else if (memtype == H5T_NATIVE_INT32) status = write(std::int32_t{});
  else if (memtype == H5T_NATIVE_INT64) status = write(std::int64_t{});
  else if (memtype == H5T_NATIVE_UINT8) status = write(std::uint8_t{});
  else status = write(float{});
  if (status < 0) throw IOError("Unable to write dataset '" + where(name) + "' in file '" + file_ + "'");
}

// ------------------------------------------------------------------ File

File File::open(const std::string& path) {
  quiet_hdf5();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw IOError("Unable to open file '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw IOError("Unable to open file '" + path + "': not a regular file");
  if (sniff(path) != "hdf5") throw IOError("Unable to open file '" + path + "': it is not an HDF5 file");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw IOError("Unable to open file '" + path + "': the HDF5 file is truncated or corrupted");
  return File(id, path);
}

File File::create(const std::string& path) {
  quiet_hdf5();
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw IOError("Unable to create file '" + path + "'");
  return File(id, path);
}

namespace {
// The core (memory) driver identifies files by name: each image gets its own.
std::string image_name() {
  static std::atomic<unsigned long> counter{0};
  return "strata_image_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".h5";
}
}  // namespace

File File::open_image(const std::string& image, const std::string& name) {
  quiet_hdf5();
  if (image.size() < 8 || std::memcmp(image.data(), "\x89HDF\r\n\x1a\n", 8) != 0)
    throw IOError("Unable to open file '" + name + "': it is not an HDF5 file");
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), 1 << 20, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<char*>(image.data()), image.size()) < 0)
    throw IOError("Unable to open file '" + name + "': cannot set up an in-memory HDF5 file");
  hid_t id = H5Fopen(image_name().c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) throw IOError("Unable to open file '" + name + "': the HDF5 file is truncated or corrupted");
  return File(id, name);
}

File File::create_image(const std::string& name) {
  quiet_hdf5();
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), 1 << 20, 0) < 0)
    throw IOError("Unable to create file '" + name + "': cannot set up an in-memory HDF5 file");
  hid_t id = H5Fcreate(image_name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) throw IOError("Unable to create file '" + name + "' in memory");
  return File(id, name);
}

std::string File::image() const {
  if (H5Fflush(id_, H5F_SCOPE_GLOBAL) < 0) throw IOError("Unable to write file '" + file_ + "' (flush failed)");
  const ssize_t size = H5Fget_file_image(id_, nullptr, 0);
  if (size < 0) throw IOError("Unable to write file '" + file_ + "' (cannot get its image)");
  std::string out(static_cast<std::size_t>(size), '\0');
  if (size > 0 && H5Fget_file_image(id_, out.data(), out.size()) != size)
    throw IOError("Unable to write file '" + file_ + "' (cannot get its image)");
  return out;
}

void File::close() {
  if (id_ < 0) return;
  const hid_t id = id_;
  id_ = -1;
  const bool flushed = H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0;
  const bool closed = H5Fclose(id) >= 0;
  if (!flushed || !closed) throw IOError("Unable to write file '" + file_ + "'");
}

// ------------------------------------------------------------------ AtomicWriter

AtomicWriter::AtomicWriter(std::string path) : target_(std::move(path)) {
  try {
    file_ = File::create(target_.temporary_path());
  } catch (const IOError&) {
    throw IOError("Unable to write file '" + target_.path() + "': cannot create a file in directory '" +
                  target_.folder() + "'");
  }
}

AtomicWriter::~AtomicWriter() {
  try {
    file_.close();  // before the AtomicFile removes the temporary file
  } catch (...) {
  }
}

void AtomicWriter::commit() {
  file_.close();
  target_.commit();
}

}  // namespace strata::saving::hdf5
