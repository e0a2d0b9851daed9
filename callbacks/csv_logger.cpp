#include "strata/callbacks/csv_logger.hpp"

#include <filesystem>

#include "strata/callbacks/detail/python_format.hpp"
#include "strata/framework/errors.hpp"

namespace strata::callbacks {

CSVLoggerCallback::CSVLoggerCallback(std::string filename, CSVLoggerOptions options)
    : filename_(std::move(filename)), options_(std::move(options)) {
  if (options_.separator.empty()) throw ValueError("CSVLogger: the separator must not be empty.");
}

void CSVLoggerCallback::on_train_begin(const Logs&) {
  append_header_ = true;
  if (options_.append) {
    std::error_code error;
    // Keras writes the header unless the file's first line is not empty: only an empty file gets one.
    if (std::filesystem::exists(filename_, error)) append_header_ = std::filesystem::file_size(filename_, error) == 0;
  }
  if (file_.is_open()) file_.close();
  file_.clear();
  file_.open(filename_, options_.append ? std::ios::out | std::ios::app : std::ios::out | std::ios::trunc);
  if (!file_) throw IOError("CSVLogger: cannot open '" + filename_ + "' for writing.");
  keys_.reset();
  header_done_ = false;
}

std::string CSVLoggerCallback::field(const std::string& text) const {
  // Python's csv QUOTE_MINIMAL: quote when the field holds the separator, a quote or a line break;
  // quotes inside are doubled.
  if (text.find(options_.separator) == std::string::npos && text.find_first_of("\"\r\n") == std::string::npos)
    return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void CSVLoggerCallback::write_row(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? options_.separator : "") + field(fields[i]);
  file_ << line << "\r\n";
}

void CSVLoggerCallback::on_epoch_end(int epoch, const Logs& logs) {
  if (!file_.is_open()) on_train_begin({});
  if (!keys_) {
    keys_.emplace();
    for (const auto& [key, value] : logs) keys_->push_back(key);  // a std::map: already sorted
  }
  if (!header_done_) {
    if (append_header_) {
      std::vector<std::string> header{"epoch"};
      header.insert(header.end(), keys_->begin(), keys_->end());
      write_row(header);
    }
    header_done_ = true;
  }
  std::vector<std::string> row{std::to_string(epoch)};
  for (const auto& key : *keys_) {
    auto found = logs.find(key);
    row.push_back(found == logs.end() ? "NA" : detail::python_repr(found->second));
  }
  write_row(row);
  file_.flush();
  if (!file_) throw IOError("CSVLogger: cannot write to '" + filename_ + "'.");
}

void CSVLoggerCallback::on_train_end(const Logs&) {
  if (file_.is_open()) file_.close();
  header_done_ = false;
}

std::shared_ptr<CSVLoggerCallback> CSVLogger(std::string filename, CSVLoggerOptions options) {
  return std::make_shared<CSVLoggerCallback>(std::move(filename), std::move(options));
}

}  // namespace strata::callbacks
