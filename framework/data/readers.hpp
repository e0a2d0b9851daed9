#pragma once
// Readers for array files: IDX (the MNIST format, plain or .gz), CSV (numeric columns), and NumPy
// .npy. Files are untrusted: every header field and size is checked against the file before
// anything is allocated, and a truncated, corrupt or lying file raises strata::IOError naming the
// file and what is wrong.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata::data {

// An IDX file: magic 00 00 <type> <rank>, then `rank` big-endian uint32 dimensions, then the
// values in row-major order, big-endian. A gzip-compressed file (detected by its magic bytes, so
// "train-images-idx3-ubyte.gz" works as is) is decompressed on the fly.
// Types: 0x08 ubyte -> uint8; 0x09 byte, 0x0B short -> int32; 0x0C int -> int32; 0x0D float ->
// float32; 0x0E double -> float64.
Tensor read_idx(const std::filesystem::path& path);

struct CsvOptions {
  // Whether the first row names the columns. Unset: it does when any of its cells is not a number.
  std::optional<bool> header{};
  char delimiter = ',';
  DType dtype = float32;
  // The value of an empty cell; unset: an empty cell is an error.
  std::optional<double> missing_value{};
};

struct CsvTable {
  std::vector<std::string> column_names;  // empty when the file has no header row
  Tensor values;                          // (rows, columns) of options.dtype
};

// A CSV file of numeric columns (RFC 4180 quoting, \n or \r\n line ends, blank lines skipped; .gz
// accepted). Every row must have the same number of cells; a cell that is not a number is an
// IOError naming the file, line and column.
CsvTable read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

// A NumPy .npy file (format versions 1, 2 and 3): dtypes f4, f8, i4, i8, u1, b1 (also i1, i2, u2,
// widened to int32, and u4 to int64), either byte order; C order, or Fortran order (transposed
// into C order on reading).
Tensor read_npy(const std::filesystem::path& path);

// Writes `tensor` as a version 1.0 .npy file that numpy.load reads (atomically: a temporary file
// in the same folder, then a rename).
void write_npy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace strata::data
