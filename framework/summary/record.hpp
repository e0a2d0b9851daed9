#pragma once
// TensorFlow's record framing (TFRecord), in which event files are written:
//   uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)
// all little-endian (crc32c.hpp for the mask).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace strata::summary {

// The bytes of one framed record.
std::string frame_record(std::string_view data);

struct Record {
  std::uint64_t offset = 0;  // where the record starts in its file
  std::string data;
};

// Every whole record of `file`, as TensorBoard reads them: a truncated last record (a writer still
// appending, or one that crashed mid-write) is skipped; a checksum mismatch anywhere is an IOError
// naming the file and the record's offset. A file that cannot be read is an IOError too.
std::vector<Record> read_records(const std::filesystem::path& file);

}  // namespace strata::summary
