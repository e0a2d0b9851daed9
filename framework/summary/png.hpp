#pragma once
// PNG encoding (libpng) of 8-bit images for image summaries.
#include <cstdint>
#include <string>

namespace strata::summary {

// `pixels`: height x width x channels bytes, row-major; channels 1 (gray), 2 (gray + alpha),
// 3 (RGB) or 4 (RGBA). Throws ValueError on a bad size, IOError when libpng fails.
std::string encode_png(const std::uint8_t* pixels, int height, int width, int channels);

}  // namespace strata::summary
