#include <png.h>

#include <cstring>

#include "core/error.hpp"
#include "pdf/picture_image.hpp"

namespace sealbridge::pdf {

// libpng's simplified API needs no setjmp on our side and does the palette, tRNS, gray and
// 16-bit expansion to straight (not premultiplied) RGBA for us.
rgba_raster decode_png(byte_view data) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, data.data(), data.size())) {
    throw error(errc::picture_unsupported, std::string("PNG: ") + image.message);
  }
  try {
    check_picture_size(static_cast<long>(image.width), static_cast<long>(image.height));
  } catch (...) {
    png_image_free(&image);
    throw;
  }
  image.format = PNG_FORMAT_RGBA;
  rgba_raster r;
  r.width = static_cast<int>(image.width);
  r.height = static_cast<int>(image.height);
  r.rgba.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, r.rgba.data(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    throw error(errc::picture_unsupported, "PNG: " + message);
  }
  png_image_free(&image);
  return r;
}

bytes encode_png(int width, int height, int channels, byte_view pixels, byte_view alpha) {
  const auto count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  bytes interleaved;
  png_uint_32 format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  byte_view source = pixels;
  if (!alpha.empty()) {
    const auto c = static_cast<std::size_t>(channels);
    interleaved.resize(count * (c + 1));
    for (std::size_t i = 0; i < count; ++i) {
      std::memcpy(&interleaved[i * (c + 1)], &pixels[i * c], c);
      interleaved[i * (c + 1) + c] = alpha[i];
    }
    format = channels == 1 ? PNG_FORMAT_GA : PNG_FORMAT_RGBA;
    source = interleaved;
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = format;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, source.data(), 0, nullptr)) {
    throw error(errc::internal, std::string("PNG encode: ") + image.message);
  }
  bytes out(size);
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, source.data(), 0, nullptr)) {
    throw error(errc::internal, std::string("PNG encode: ") + image.message);
  }
  out.resize(size);
  return out;
}

}  // namespace sealbridge::pdf
