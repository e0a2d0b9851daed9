#pragma once
// Small files written atomically (BackupAndRestore's training_metadata.json): the text goes to a
// temporary file in the same folder, which is fsync'ed and renamed over the target; the folder is
// then fsync'ed, so after a crash the target is either the old or the new file, whole.
#include <string>

namespace strata::callbacks::detail {

// IOError naming `path` when any step fails (the temporary file is then removed).
void write_text_atomically(const std::string& path, const std::string& text);

// The whole content of `path`, at most `max_bytes` (IOError when missing, unreadable or larger).
std::string read_text(const std::string& path, std::size_t max_bytes);

}  // namespace strata::callbacks::detail
