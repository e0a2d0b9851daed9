// CSV files of numeric columns.
#include <charconv>
#include <string_view>

#include "strata/framework/data/file_input.hpp"
#include "strata/framework/data/readers.hpp"
#include "strata/framework/errors.hpp"

namespace strata::data {
namespace {

struct Cell {
  std::string text;
  bool quoted = false;
};

struct Row {
  std::vector<Cell> cells;
  std::int64_t line = 0;  // 1-based line where the row starts
};

// Splits the text into rows of cells (RFC 4180: quoted cells may hold delimiters, newlines and
// doubled quotes). Blank lines are skipped.
class CsvParser {
 public:
  CsvParser(std::string_view text, char delimiter, const detail::InputFile& file)
      : text_(text), delimiter_(delimiter), file_(file) {}

  bool next(Row& row) {
    row.cells.clear();
    while (pos_ < text_.size()) {
      // Skip blank lines.
      const char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
        continue;
      }
      if (c == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n')) {
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ >= text_.size()) return false;
    row.line = line_;
    while (true) {
      Cell cell;
      read_cell(cell, static_cast<std::int64_t>(row.cells.size()) + 1);
      row.cells.push_back(std::move(cell));
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_];
      if (c == delimiter_) {
        ++pos_;
        continue;
      }
      if (c == '\r') ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n') {
        ++pos_;
        ++line_;
      }
      return true;
    }
  }

 private:
  void read_cell(Cell& cell, std::int64_t column) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      cell.quoted = true;
      const std::int64_t start_line = line_;
      ++pos_;
      while (true) {
        if (pos_ >= text_.size())
          file_.fail("line " + std::to_string(start_line) + ", column " + std::to_string(column) +
                     ": a quoted cell is not closed before the end of the file");
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            cell.text += '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        cell.text += c;
      }
      if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r')
        file_.fail("line " + std::to_string(line_) + ", column " + std::to_string(column) +
                   ": unexpected character after the closing quote of a cell");
      return;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    cell.text.assign(text_.substr(start, pos_ - start));
  }

  std::string_view text_;
  char delimiter_;
  const detail::InputFile& file_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A whole cell as a number (surrounding spaces allowed; "nan", "inf" accepted); nullopt otherwise.
// An empty cell gives `empty`.
std::optional<double> parse_number(std::string_view text, bool& empty) {
  text = trim(text);
  empty = text.empty();
  if (empty) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

CsvTable read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  detail::InputFile file(path, "read_csv");
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw ValueError("read_csv: the delimiter cannot be a quote or a line break");
  const auto bytes = file.read_all();
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  CsvParser parser(text, options.delimiter, file);

  CsvTable table;
  Row row;
  if (!parser.next(row)) file.fail("the file has no rows");
  bool header;
  if (options.header) {
    header = *options.header;
  } else {
    header = false;
    for (const auto& cell : row.cells) {
      bool empty = false;
      if (!parse_number(cell.text, empty) && !empty) header = true;
    }
  }
  const std::size_t columns = row.cells.size();
  const std::int64_t first_line = row.line;
  if (header) {
    for (auto& cell : row.cells) table.column_names.emplace_back(trim(cell.text));
  }
  auto column_label = [&](std::size_t c) {
    std::string label = "column " + std::to_string(c + 1);
    if (header && !table.column_names[c].empty()) label += " (\"" + table.column_names[c] + "\")";
    return label;
  };

  std::vector<double> values;
  std::int64_t rows = 0;
  bool have_row = !header;
  while (have_row || parser.next(row)) {
    have_row = false;
    if (row.cells.size() != columns)
      file.fail("line " + std::to_string(row.line) + " has " + std::to_string(row.cells.size()) + " cells, expected " +
                std::to_string(columns) + " (as line " + std::to_string(first_line) + ")");
    for (std::size_t c = 0; c < columns; ++c) {
      bool empty = false;
      auto value = parse_number(row.cells[c].text, empty);
      if (!value) {
        if (empty && options.missing_value) {
          value = *options.missing_value;
        } else if (empty) {
          file.fail("line " + std::to_string(row.line) + ", " + column_label(c) +
                    ": empty cell (set CsvOptions::missing_value to fill empty cells)");
        } else {
          std::string shown = row.cells[c].text.size() > 40 ? row.cells[c].text.substr(0, 40) + "..." : row.cells[c].text;
          file.fail("line " + std::to_string(row.line) + ", " + column_label(c) + ": cannot parse \"" + shown +
                    "\" as a number");
        }
      }
      values.push_back(*value);
    }
    ++rows;
  }
  table.values = Tensor::from_vector(values, Shape{rows, static_cast<std::int64_t>(columns)}, options.dtype);
  return table;
}

}  // namespace strata::data
