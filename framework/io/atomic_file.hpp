#pragma once
// The one way Strata replaces a file (model files, .keras archives, callbacks' backups, .npy):
// write a temporary file in the target's folder, fsync it, rename it over the target, fsync the
// folder. After a crash the target is the old file or the new one, whole, never a mix; a failed
// write leaves the old file and no temporary behind. Private to the library (not in strata.hpp).
//
//   io::AtomicFile out("m.h5");                 // picks ".m.h5.tmp<pid>_<thread>_<n>" beside it
//   write_anything_to(out.temporary_path());    // HDF5, libzip, an ofstream...
//   out.commit();                                // fsync, rename over m.h5, fsync the folder
//
// The temporary name is unique per process and thread (pid, thread id, a counter), so concurrent
// writers of one target never share a temporary file: the last rename wins, whole.
#include <string>
#include <string_view>

namespace strata::io {

class AtomicFile {
 public:
  // Picks the temporary name; creates nothing. IOError when `path` names a folder ("dir/").
  explicit AtomicFile(std::string path);
  // Without commit(): removes the temporary file (if the writer created it).
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return temporary_; }
  const std::string& folder() const { return folder_; }

  // fsyncs the temporary file (which the caller has written and closed), renames it over path()
  // and fsyncs the folder. IOError naming path() on failure; the temporary file is then removed.
  void commit();

 private:
  std::string path_, folder_, temporary_;
  bool committed_ = false;
};

// Writes `bytes` to `path` atomically (as above). IOError naming `path` on failure.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace strata::io
