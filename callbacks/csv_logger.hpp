#pragma once
// CSVLogger, as keras.callbacks.CSVLogger: streams each epoch's logs to a CSV file.
//
//   st::callbacks::CSVLogger("training.log")
//   st::callbacks::CSVLogger("training.log", {.separator = ";", .append = true})
//
// The file is opened at on_train_begin (truncated, or appended to with `append`; the header is
// written unless appending to a file whose first line is not empty) and closed at on_train_end.
// Columns: "epoch", then the keys of the first epoch's logs, sorted. Each row is flushed. Values are
// written as Python's csv module writes them: floats as repr() ("0.4951234", "1e-05", "nan"),
// "NA" for a key missing from a later epoch's logs, fields quoted only when they contain the
// separator, a quote or a line break, and lines ended by "\r\n" (the csv module's excel dialect).
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/callbacks/callback.hpp"

namespace strata::callbacks {

struct CSVLoggerOptions {
  std::string separator = ",";
  bool append = false;
};

class CSVLoggerCallback : public Callback {
 public:
  explicit CSVLoggerCallback(std::string filename, CSVLoggerOptions options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  const std::string& filename() const { return filename_; }

 private:
  std::string field(const std::string& text) const;
  void write_row(const std::vector<std::string>& fields);

  std::string filename_;
  CSVLoggerOptions options_;
  std::ofstream file_;
  std::optional<std::vector<std::string>> keys_;
  bool append_header_ = true;
  bool header_done_ = false;
};

std::shared_ptr<CSVLoggerCallback> CSVLogger(std::string filename, CSVLoggerOptions options = {});

}  // namespace strata::callbacks
