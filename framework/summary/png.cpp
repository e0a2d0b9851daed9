#include "strata/framework/summary/png.hpp"

#include <png.h>

#include <csetjmp>
#include <vector>

#include "strata/framework/errors.hpp"

namespace strata::summary {
namespace {

void append_bytes(png_structp png, png_bytep data, png_size_t size) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), size);
}

void no_flush(png_structp) {}

// Writes the image; false when libpng reports an error (it long-jumps back here, so this function
// holds no object with a destructor).
bool write_png(std::string* out, png_bytep* rows, int height, int width, int color_type) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, out, append_bytes, no_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, color_type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::string encode_png(const std::uint8_t* pixels, int height, int width, int channels) {
  static const int kColorTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                    PNG_COLOR_TYPE_RGB_ALPHA};
  if (channels < 1 || channels > 4)
    throw ValueError("encode_png: an image needs 1, 2, 3 or 4 channels, got " + std::to_string(channels));
  if (height <= 0 || width <= 0 || height > (1 << 24) || width > (1 << 24))
    throw ValueError("encode_png: bad image size " + std::to_string(height) + "x" + std::to_string(width));
  std::vector<png_bytep> rows(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y)
    rows[y] = const_cast<png_bytep>(pixels + static_cast<std::size_t>(y) * width * channels);
  std::string out;
  if (!write_png(&out, rows.data(), height, width, kColorTypes[channels - 1]))
    throw IOError("encode_png: libpng could not encode a " + std::to_string(height) + "x" + std::to_string(width) + " image");
  return out;
}

}  // namespace strata::summary
