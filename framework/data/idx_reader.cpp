// IDX files (MNIST's format), plain or gzip-compressed.
#include <array>

#include "strata/framework/data/file_input.hpp"
#include "strata/framework/data/readers.hpp"

namespace strata::data {

Tensor read_idx(const std::filesystem::path& path) {
  detail::InputFile file(path, "read_idx");
  std::array<unsigned char, 4> magic{};
  file.read_exact(magic.data(), magic.size(), "the magic number");
  auto hex = [](unsigned v) {
    const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[(v >> 4) & 15] + digits[v & 15];
  };
  if (magic[0] != 0 || magic[1] != 0)
    file.fail("not an IDX file: the magic number must start with two zero bytes, got " + hex(magic[0]) + " " +
              hex(magic[1]));
  detail::StoredType type{detail::StoredType::unsigned_integer, 1, true, "ubyte (0x08)"};
  switch (magic[2]) {
    case 0x08: type = {detail::StoredType::unsigned_integer, 1, true, "ubyte (0x08)"}; break;
    case 0x09: type = {detail::StoredType::signed_integer, 1, true, "byte (0x09)"}; break;
    case 0x0B: type = {detail::StoredType::signed_integer, 2, true, "short (0x0b)"}; break;
    case 0x0C: type = {detail::StoredType::signed_integer, 4, true, "int (0x0c)"}; break;
    case 0x0D: type = {detail::StoredType::floating, 4, true, "float (0x0d)"}; break;
    case 0x0E: type = {detail::StoredType::floating, 8, true, "double (0x0e)"}; break;
    default:
      file.fail("not an IDX file: unknown type code " + hex(magic[2]) +
                " in the magic number (expected 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float or 0x0e double)");
  }
  const int rank = magic[3];
  if (static_cast<std::uint64_t>(rank) * 4 > file.max_remaining())
    file.fail("truncated file: the header declares " + std::to_string(rank) + " dimensions (" + std::to_string(rank * 4) +
              " bytes) but the file ends before them");
  std::vector<unsigned char> raw(static_cast<std::size_t>(rank) * 4);
  file.read_exact(raw.data(), raw.size(), "the " + std::to_string(rank) + " dimensions");
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const unsigned char* p = raw.data() + 4 * d;
    dims[static_cast<std::size_t>(d)] = (std::int64_t{p[0]} << 24) | (std::int64_t{p[1]} << 16) | (std::int64_t{p[2]} << 8) | p[3];
  }
  const Shape shape(dims);
  const auto count = detail::checked_product(dims);
  const auto size = static_cast<std::uint64_t>(type.size);
  if (!count || static_cast<std::uint64_t>(*count) > file.max_remaining() / size)
    file.fail("the header's dimensions " + shape.to_string() + " of " + type.name + " need more data than the file holds (" +
              std::to_string(file.max_remaining()) + (file.compressed() ? " bytes at most" : " bytes") +
              " after the header)");
  auto bytes = file.read_rest_exact(static_cast<std::uint64_t>(*count) * size,
                                    "the data of shape " + shape.to_string() + " (" + type.name + ")");
  return detail::tensor_from_bytes(std::move(bytes), type, shape, file);
}

}  // namespace strata::data
