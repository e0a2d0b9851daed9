#include "strata/callbacks/backup_and_restore.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"
#include "strata/framework/io/atomic_file.hpp"
#include "strata/models/model.hpp"

namespace strata::callbacks {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxMetadataBytes = 1 << 16;

// The whole content of `path`, at most `max_bytes` (IOError when missing, unreadable or larger).
std::string read_text(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("Unable to open file '" + path + "': " + std::strerror(errno));
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw IOError("File '" + path + "' is larger than " + std::to_string(max_bytes) + " bytes; it is not a " +
                    fs::path(path).filename().string() + " this code wrote");
  }
  if (in.bad()) throw IOError("Unable to read file '" + path + "'");
  return text;
}

bool ours(const std::string& name) {
  // backup-<n>.weights.h5, the temporary files of its atomic write (".backup-..."), and those of
  // the metadata's (".training_metadata.json.tmp<pid>_<thread>_<n>").
  return name.rfind("backup-", 0) == 0 || name.rfind(".backup-", 0) == 0 ||
         name.rfind(std::string(".") + BackupAndRestoreCallback::kMetadataFile + ".tmp", 0) == 0;
}

}  // namespace

BackupAndRestoreCallback::BackupAndRestoreCallback(std::string backup_dir, BackupAndRestoreOptions options)
    : backup_dir_(std::move(backup_dir)), options_(std::move(options)) {
  if (backup_dir_.empty()) throw ValueError("Empty `backup_dir` argument passed");
}

void BackupAndRestoreCallback::on_train_begin(const Logs&) {
  Model& model = *this->model();
  if (!model.built())
    throw ValueError("To use the BackupAndRestore callback, you model must be built before you call `fit()`. Model '" +
                     model.name() + "' is unbuilt. You can build it beforehand by calling it on a batch of data.");
  restored_ = false;
  current_epoch_ = 0;
  steps_done_ = 0;
  last_batch_ = 0;
  sequence_ = 0;
  weights_file_.clear();
  counter_.reset();

  const std::string metadata_path = (fs::path(backup_dir_) / kMetadataFile).string();
  std::error_code ec;
  if (fs::exists(metadata_path, ec)) {
    Config metadata;
    try {
      metadata = Config::parse(read_text(metadata_path, kMaxMetadataBytes));
      weights_file_ = metadata.at("weights").get<std::string>();
      current_epoch_ = metadata.at("epoch").get<int>();
      steps_done_ = metadata.at("steps_done").get<std::int64_t>();
      sequence_ = metadata.at("sequence").get<std::int64_t>() + 1;
    } catch (const nlohmann::json::exception& e) {
      throw ValueError("BackupAndRestore: '" + metadata_path + "' is not a backup's metadata: " + e.what());
    }
    if (!ours(weights_file_) || weights_file_.find('/') != std::string::npos || current_epoch_ < 0 || steps_done_ < 0)
      throw ValueError("BackupAndRestore: '" + metadata_path + "' holds an invalid position or weights file name");
    model.load_weights((fs::path(backup_dir_) / weights_file_).string());
    restored_ = true;
    restored_epoch_ = current_epoch_;
    restored_step_ = steps_done_;
    model.resume_from = Model::ResumePoint{current_epoch_, steps_done_};
  }
  if (fs::is_directory(backup_dir_, ec)) remove_stale_files(weights_file_);
}

void BackupAndRestoreCallback::on_epoch_begin(int epoch, const Logs&) {
  if (epoch != current_epoch_) steps_done_ = 0;
  current_epoch_ = epoch;
}

void BackupAndRestoreCallback::on_train_batch_end(std::int64_t batch, const Logs&) {
  steps_done_ = batch + 1;
  last_batch_ = batch;
  if (counter_.batch_done(options_.save_freq)) backup();
}

void BackupAndRestoreCallback::on_epoch_end(int epoch, const Logs&) {
  current_epoch_ = epoch + 1;
  steps_done_ = 0;
  last_batch_ = 0;
  if (options_.save_freq.per_epoch()) backup();
}

void BackupAndRestoreCallback::backup() {
  std::error_code ec;
  fs::create_directories(backup_dir_, ec);
  if (ec) throw IOError("BackupAndRestore: cannot create the folder '" + backup_dir_ + "': " + ec.message());
  // 1. The new weights (and optimizer state) in a file of their own.
  const std::string name = "backup-" + std::to_string(sequence_) + ".weights.h5";
  model()->save_weights((fs::path(backup_dir_) / name).string());
  // 2. The commit point: the metadata now names the new file.
  const Config metadata{{"epoch", current_epoch_},
                        {"batch", last_batch_},
                        {"steps_done", steps_done_},
                        {"sequence", sequence_},
                        {"weights", name}};
  io::write_file_atomically((fs::path(backup_dir_) / kMetadataFile).string(), metadata.dump());
  // 3. The previous backup is no longer needed.
  const std::string previous = weights_file_;
  weights_file_ = name;
  ++sequence_;
  if (!previous.empty() && previous != name) fs::remove(fs::path(backup_dir_) / previous, ec);
}

void BackupAndRestoreCallback::remove_stale_files(const std::string& keep) const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(backup_dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != keep && ours(name)) fs::remove(entry.path(), ec);
  }
}

void BackupAndRestoreCallback::on_train_end(const Logs&) {
  if (!options_.delete_checkpoint) return;
  std::error_code ec;
  if (!fs::is_directory(backup_dir_, ec)) return;
  remove_stale_files("");
  fs::remove(fs::path(backup_dir_) / kMetadataFile, ec);
  weights_file_.clear();
  fs::remove(backup_dir_, ec);  // only when empty: other files are not ours to delete
}

std::shared_ptr<BackupAndRestoreCallback> BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options) {
  return std::make_shared<BackupAndRestoreCallback>(std::move(backup_dir), std::move(options));
}

}  // namespace strata::callbacks
