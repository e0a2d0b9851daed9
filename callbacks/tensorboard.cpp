#include "strata/callbacks/tensorboard.hpp"

#include <algorithm>
#include <filesystem>

#include "strata/framework/errors.hpp"
#include "strata/framework/summary/event_reader.hpp"
#include "strata/framework/variable.hpp"
#include "strata/framework/warnings.hpp"
#include "strata/models/model.hpp"
#include "strata/models/sequential.hpp"
#include "strata/optimizers/optimizer.hpp"

namespace strata::callbacks {
namespace fs = std::filesystem;
namespace {

const char* run_folder(bool train) { return train ? "train" : "validation"; }

// Per tag, the last step of the values in the event files of `dir` (none when it has none).
std::map<std::string, std::int64_t> last_steps(const fs::path& dir) {
  std::map<std::string, std::int64_t> last;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return last;
  for (const auto& file : summary::event_files(dir)) {
    for (const auto& event : summary::read_events(file)) {
      if (!event.summary) continue;
      for (const auto& value : *event.summary) {
        auto [it, inserted] = last.emplace(value.tag, event.step);
        if (!inserted) it->second = std::max(it->second, event.step);
      }
    }
  }
  return last;
}

}  // namespace

UpdateFrequency::UpdateFrequency(const std::string& text) {
  if (text == "epoch") batches_ = 0;
  else if (text == "batch") batches_ = 1;
  else
    throw ValueError("TensorBoard: update_freq must be \"epoch\", \"batch\" or a positive number of batches. Received: update_freq=\"" +
                     text + "\"");
}

UpdateFrequency::UpdateFrequency(std::int64_t batches) : batches_(batches) {
  if (batches <= 0)
    throw ValueError("TensorBoard: update_freq must be \"epoch\", \"batch\" or a positive number of batches. Received: update_freq=" +
                     std::to_string(batches));
}

TensorBoardCallback::TensorBoardCallback(TensorBoardOptions options) : options_(std::move(options)) {
  if (options_.histogram_freq < 0)
    throw ValueError("TensorBoard: histogram_freq must be non-negative, got " + std::to_string(options_.histogram_freq));
  if (options_.log_dir.empty()) throw ValueError("TensorBoard: log_dir must not be empty");
}

summary::SummaryWriter& TensorBoardCallback::writer(Run run) {
  auto found = writers_.find(run);
  if (found == writers_.end()) {
    // Created on first use, as Keras: a fit without validation makes no validation/ folder.
    found = writers_.emplace(run, summary::create_file_writer(fs::path(options_.log_dir) / run_folder(run == Run::kTrain)))
                .first;
  }
  return found->second;
}

void TensorBoardCallback::warn_once(const std::string& message) {
  if (warned_) return;
  warned_ = true;
  warn("TensorBoard: " + message + " (logging goes on where it can; training is not affected).");
}

std::int64_t TensorBoardCallback::iterations() const {
  const auto* m = model();
  return m && m->optimizer() ? m->optimizer()->iterations() : 0;
}

bool TensorBoardCallback::already_logged(Run run, const std::string& tag, std::int64_t step) {
  const auto found = logged_.find(run);
  if (found == logged_.end()) return false;
  const auto last = found->second.find(tag);
  return last != found->second.end() && step <= last->second;
}

void TensorBoardCallback::scalar(Run run, const std::string& tag, double value, std::int64_t step) {
  if (already_logged(run, tag, step)) return;
  try {
    auto scope = writer(run).as_default();
    summary::scalar(tag, value, step);
  } catch (const Error& error) {
    warn_once(std::string("cannot log '") + tag + "': " + error.what());
  }
}

void TensorBoardCallback::start_run_if_needed() {
  if (run_started_) return;
  run_started_ = true;
  // A fit that starts past the beginning (BackupAndRestore, initial_epoch) continues curves that
  // may hold the steps it is about to redo: those are skipped.
  if (first_epoch_.value_or(0) == 0 && first_batch_.value_or(0) == 0) return;
  for (Run run : {Run::kTrain, Run::kValidation}) {
    try {
      logged_[run] = last_steps(fs::path(options_.log_dir) / run_folder(run == Run::kTrain));
    } catch (const Error& error) {
      warn_once(std::string("cannot read the existing logs: ") + error.what());
    }
  }
}

void TensorBoardCallback::on_train_begin(const Logs&) {
  writers_.clear();
  logged_.clear();
  run_started_ = false;
  first_epoch_.reset();
  first_batch_.reset();
  batches_done_ = 0;
  if (options_.write_graph) write_graph();
}

void TensorBoardCallback::write_graph() {
  const Model* m = model();
  if (!m || !(m->is_functional() || dynamic_cast<const Sequential*>(m))) return;
  try {
    summary::TensorProto json{.dtype = summary::DataType::kString, .string_val = {m->to_json()}};
    // Keras's keras_model_summary: plugin "graph_keras_model", content "1" (its version).
    writer(Run::kTrain).write("keras", std::move(json), summary::SummaryMetadata{.plugin_name = "graph_keras_model", .plugin_content = "1"}, 0);
  } catch (const Error& error) {
    warn(std::string("Model failed to serialize as JSON. Ignoring... ") + error.what());
  }
}

void TensorBoardCallback::on_epoch_begin(int epoch, const Logs&) {
  if (!first_epoch_) first_epoch_ = epoch;
  if (options_.write_steps_per_second) {
    epoch_start_ = std::chrono::steady_clock::now();
    epoch_start_iterations_ = iterations();
  }
}

void TensorBoardCallback::on_train_batch_begin(std::int64_t batch, const Logs&) {
  if (!first_batch_) {
    first_batch_ = batch;
    base_iterations_ = iterations();  // restored by BackupAndRestore by now
  }
  if (options_.write_steps_per_second) batch_start_ = std::chrono::steady_clock::now();
}

void TensorBoardCallback::on_train_batch_end(std::int64_t, const Logs& logs) {
  ++batches_done_;
  if (options_.update_freq.per_epoch()) return;
  const std::int64_t step = base_iterations_ + batches_done_;
  if (step % options_.update_freq.batches() != 0) return;
  start_run_if_needed();
  if (options_.write_steps_per_second) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start_).count();
    if (seconds > 0) scalar(Run::kTrain, "batch_steps_per_second", 1.0 / seconds, step);
  }
  for (const auto& [name, value] : logs) scalar(Run::kTrain, "batch_" + name, value, step);
}

void TensorBoardCallback::on_epoch_end(int epoch, const Logs& logs) {
  start_run_if_needed();
  Logs train, validation;
  for (const auto& [name, value] : logs) {
    if (name.rfind("val_", 0) == 0) validation[name.substr(4)] = value;
    else train[name] = value;
  }
  if (model() && model()->optimizer()) train["learning_rate"] = model()->optimizer()->learning_rate();
  if (options_.write_steps_per_second) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
    if (seconds > 0) train["steps_per_second"] = static_cast<double>(iterations() - epoch_start_iterations_) / seconds;
  }
  for (const auto& [name, value] : train) scalar(Run::kTrain, "epoch_" + name, value, epoch);
  for (const auto& [name, value] : validation) scalar(Run::kValidation, "epoch_" + name, value, epoch);
  if (options_.histogram_freq && epoch % options_.histogram_freq == 0) log_weights(epoch);
  flush();  // at least every epoch, so TensorBoard shows the epoch while the next one runs
}

void TensorBoardCallback::on_test_end(const Logs& logs) {
  if (!model() || !model()->optimizer()) return;
  start_run_if_needed();
  const std::int64_t step = iterations();
  for (const auto& [name, value] : logs) scalar(Run::kValidation, "evaluation_" + name + "_vs_iterations", value, step);
  if (auto found = writers_.find(Run::kValidation); found != writers_.end()) found->second.flush();
}

void TensorBoardCallback::log_weights(int epoch) {
  for (const auto& layer : model()->layers()) {
    for (const auto& weight : layer->weights()) {
      std::string name = weight.name();
      std::replace(name.begin(), name.end(), ':', '_');
      const std::string tag = name + "/histogram";
      if (already_logged(Run::kTrain, tag, epoch)) continue;
      try {
        auto scope = writer(Run::kTrain).as_default();
        summary::histogram(tag, weight, epoch);
        if (options_.write_images) log_weight_image(name + "/image", weight, epoch);
      } catch (const Error& error) {
        warn_once("cannot log the weight '" + name + "': " + error.what());
      }
    }
  }
}

// Keras's _log_weight_as_image: the weight squeezed; a vector as a 1 x n image, a matrix as one
// image (wider than tall), a rank-3 tensor as one image per last-axis slice; 4-D images whose last
// axis is 1, 3 or 4 go to summary::image (float values saturate to [0, 1]).
void TensorBoardCallback::log_weight_image(const std::string& tag, const Variable& weight, int epoch) {
  std::vector<std::int64_t> dims;
  for (int i = 0; i < weight.shape().rank(); ++i)
    if (weight.shape()[i] != 1) dims.push_back(weight.shape()[i]);
  std::vector<float> values = weight.to_vector<float>();
  std::vector<std::int64_t> image_shape;
  if (dims.size() == 1) {
    image_shape = {1, dims[0], 1, 1};
  } else if (dims.size() == 2) {
    std::int64_t rows = dims[0], cols = dims[1];
    if (rows > cols) {  // transpose
      std::vector<float> t(values.size());
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) t[c * rows + r] = values[r * cols + c];
      values.swap(t);
      std::swap(rows, cols);
    }
    image_shape = {1, rows, cols, 1};
  } else if (dims.size() == 3) {  // channels_last (h, w, c) -> (c, h, w)
    const std::int64_t h = dims[0], w = dims[1], c = dims[2];
    std::vector<float> t(values.size());
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x)
        for (std::int64_t k = 0; k < c; ++k) t[(k * h + y) * w + x] = values[(y * w + x) * c + k];
    values.swap(t);
    image_shape = {c, h, w, 1};
  } else if (dims.size() == 4) {
    image_shape = dims;
  }
  if (image_shape.size() != 4 || !(image_shape[3] == 1 || image_shape[3] == 3 || image_shape[3] == 4)) return;
  summary::image(tag, Tensor::from_vector(values, Shape(image_shape)), epoch);
}

void TensorBoardCallback::flush() {
  for (auto& [run, writer] : writers_) writer.flush();
}

void TensorBoardCallback::on_train_end(const Logs&) {
  for (auto& [run, writer] : writers_) writer.close();
  writers_.clear();
}

std::shared_ptr<TensorBoardCallback> TensorBoard(TensorBoardOptions options) {
  return std::make_shared<TensorBoardCallback>(std::move(options));
}

}  // namespace strata::callbacks
