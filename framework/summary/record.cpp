#include "strata/framework/summary/record.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

#include "strata/framework/errors.hpp"
#include "strata/framework/summary/crc32c.hpp"

namespace strata::summary {
namespace {

std::uint32_t load_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void store_u32(std::string& out, std::uint32_t v) {
  char bytes[4];
  std::memcpy(bytes, &v, 4);
  out.append(bytes, 4);
}

}  // namespace

std::string frame_record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  const std::uint64_t length = data.size();
  char header[8];
  std::memcpy(header, &length, 8);
  out.append(header, 8);
  store_u32(out, masked_crc32c(std::string_view(header, 8)));
  out.append(data);
  store_u32(out, masked_crc32c(data));
  return out;
}

std::vector<Record> read_records(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IOError("cannot open event file '" + file.string() + "' for reading.");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw IOError("cannot read event file '" + file.string() + "'.");
  const std::string bytes = buffer.str();

  std::vector<Record> records;
  std::size_t pos = 0;
  while (bytes.size() - pos >= 12) {
    const char* header = bytes.data() + pos;
    if (masked_crc32c(std::string_view(header, 8)) != load_u32(header + 8))
      throw IOError("event file '" + file.string() + "' is corrupted: the length of the record at offset " +
                    std::to_string(pos) + " fails its checksum.");
    std::uint64_t length;
    std::memcpy(&length, header, 8);
    if (length > bytes.size() - pos - 12 || bytes.size() - pos - 12 - length < 4) break;  // truncated: skip
    std::string_view data(bytes.data() + pos + 12, length);
    if (masked_crc32c(data) != load_u32(bytes.data() + pos + 12 + length))
      throw IOError("event file '" + file.string() + "' is corrupted: the data of the record at offset " +
                    std::to_string(pos) + " fails its checksum.");
    records.push_back({pos, std::string(data)});
    pos += 16 + length;
  }
  return records;
}

}  // namespace strata::summary
