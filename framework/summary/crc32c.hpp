#pragma once
// CRC-32C (Castagnoli), the checksum of TensorFlow's record files, and TensorFlow's masked form of
// it (a CRC stored next to the data it covers is masked so that a CRC of data that itself holds
// CRCs stays well distributed).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::summary {

// Continues `crc` (0 to start) over `size` bytes.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
inline std::uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }

// TensorFlow's mask: rotate right by 15 bits, add a constant.
std::uint32_t masked_crc32c(std::string_view bytes);

}  // namespace strata::summary
