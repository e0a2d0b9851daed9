#include "strata/callbacks/model_checkpoint.hpp"

#include <filesystem>
#include <iostream>
#include <limits>
#include <map>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/warnings.hpp"
#include "strata/models/model.hpp"

namespace strata::callbacks {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

ModelCheckpointCallback::ModelCheckpointCallback(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), options_(std::move(options)) {
  options_.mode = checked_monitor_mode(options_.mode,
                                       "ModelCheckpoint mode '" + options_.mode + "' is unknown, fallback to auto mode.");
  if (options_.save_weights_only) {
    if (!ends_with(filepath_, ".h5"))
      throw ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                       "`.weights.h5` (Keras weights format) or `.h5` (legacy weights format). Received: filepath=" +
                       filepath_);
  } else if (!ends_with(filepath_, ".keras") && !ends_with(filepath_, ".h5")) {
    throw ValueError("The filepath provided must end in `.keras` (Keras model format) or `.h5` (legacy HDF5 format). "
                     "Received: filepath=" + filepath_);
  }
  if (options_.initial_value_threshold) best_ = *options_.initial_value_threshold;
}

void ModelCheckpointCallback::on_train_begin(const Logs&) { counter_.reset(); }

void ModelCheckpointCallback::on_epoch_begin(int epoch, const Logs&) { current_epoch_ = epoch; }

void ModelCheckpointCallback::on_epoch_end(int epoch, const Logs& logs) {
  if (options_.save_freq.per_epoch()) save(epoch, std::nullopt, logs);
}

void ModelCheckpointCallback::on_train_batch_end(std::int64_t batch, const Logs& logs) {
  if (counter_.batch_done(options_.save_freq)) save(current_epoch_, batch, logs);
}

std::string ModelCheckpointCallback::file_path(int epoch, std::optional<std::int64_t> batch, const Logs& logs) const {
  std::map<std::string, detail::FormatValue> values;
  for (const auto& [key, value] : logs) values[key] = value;
  values["epoch"] = std::int64_t{epoch} + 1;
  // As Keras: {batch} is the 1-based batch unless the logs have their own "batch".
  if (batch && !logs.count("batch")) values["batch"] = *batch + 1;
  try {
    return detail::python_format(filepath_, values);
  } catch (const ValueError& e) {
    throw ValueError("Failed to format this callback filepath: \"" + filepath_ + "\". Reason: " + e.what());
  }
}

bool ModelCheckpointCallback::should_save(int epoch, const Logs& logs, const std::string& path) {
  if (!options_.save_best_only) {
    if (options_.verbose > 0) std::cout << "\nEpoch " << epoch + 1 << ": saving model to " << path << std::endl;
    return true;
  }
  if (!direction_) {
    direction_ = monitor_direction(options_.monitor, options_.mode, "ModelCheckpoint");
    if (!options_.initial_value_threshold)
      best_ = *direction_ == MonitorDirection::minimize ? std::numeric_limits<double>::infinity()
                                                        : -std::numeric_limits<double>::infinity();
  }
  auto found = logs.find(options_.monitor);
  if (found == logs.end()) {
    warn("Can save best model only with " + options_.monitor + " available, skipping.");
    return false;
  }
  const double current = found->second;
  const bool improved = *direction_ == MonitorDirection::minimize ? current < best_ : current > best_;
  if (!improved) {
    if (options_.verbose > 0)
      std::cout << "\nEpoch " << epoch + 1 << ": " << options_.monitor << " did not improve from "
                << detail::python_fixed(best_, 5) << std::endl;
    return false;
  }
  if (options_.verbose > 0)
    std::cout << "\nEpoch " << epoch + 1 << ": " << options_.monitor << " improved from " << detail::python_fixed(best_, 5)
              << " to " << detail::python_fixed(current, 5) << ", saving model to " << path << std::endl;
  best_ = current;
  return true;
}

void ModelCheckpointCallback::save(int epoch, std::optional<std::int64_t> batch, const Logs& logs) {
  const std::string path = file_path(epoch, batch, logs);
  if (!should_save(epoch, logs, path)) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: " +
                  path);
  const fs::path folder = fs::path(path).parent_path();
  if (!folder.empty() && !fs::exists(folder, ec)) {
    fs::create_directories(folder, ec);
    if (ec) throw IOError("ModelCheckpoint: cannot create the folder '" + folder.string() + "': " + ec.message());
  }
  if (options_.save_weights_only)
    model()->save_weights(path);
  else
    model()->save(path);
  last_saved_ = path;
}

std::shared_ptr<ModelCheckpointCallback> ModelCheckpoint(std::string filepath, ModelCheckpointOptions options) {
  return std::make_shared<ModelCheckpointCallback>(std::move(filepath), std::move(options));
}

}  // namespace strata::callbacks
