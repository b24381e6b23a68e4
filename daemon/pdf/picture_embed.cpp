#include <zlib.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "pdf/picture_image.hpp"

namespace sealbridge::pdf {
namespace {

bool starts_with(byte_view data, std::string_view magic) {
  return data.size() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), data.begin(),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

image_xobject from_raster(const rgba_raster& r) {
  const auto pixels = static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height);
  bytes rgb(pixels * 3);
  bytes alpha(pixels);
  bool opaque = true;
  for (std::size_t i = 0; i < pixels; ++i) {
    rgb[i * 3] = r.rgba[i * 4];
    rgb[i * 3 + 1] = r.rgba[i * 4 + 1];
    rgb[i * 3 + 2] = r.rgba[i * 4 + 2];
    alpha[i] = r.rgba[i * 4 + 3];
    if (alpha[i] != 255) opaque = false;
  }
  image_xobject img;
  img.width = r.width;
  img.height = r.height;
  img.color_space = "/DeviceRGB";
  img.filter = "/FlateDecode";
  img.data = zlib_compress(rgb);
  if (!opaque) img.smask = zlib_compress(alpha);
  return img;
}

}  // namespace

void check_picture_size(long width, long height) {
  if (width <= 0 || height <= 0 || width > kMaxPictureSide || height > kMaxPictureSide ||
      width * height > kMaxPicturePixels) {
    throw error(errc::picture_unsupported, "seal picture size " + std::to_string(width) + "x" +
                                               std::to_string(height) + " is out of bounds");
  }
}

bytes zlib_compress(byte_view data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  bytes out(size);
  if (compress2(out.data(), &size, data.data(), static_cast<uLong>(data.size()), 6) != Z_OK) {
    throw error(errc::internal, "zlib compress failed");
  }
  out.resize(size);
  return out;
}

image_xobject embed_picture(const picture& pic) {
  const byte_view data = pic.data;
  const std::string type = upper(pic.type);
  if (starts_with(data, "\x89PNG\r\n\x1a\n")) return from_raster(decode_png(data));
  if (starts_with(data, "\xFF\xD8\xFF")) return describe_jpeg(data);
  if (starts_with(data, "GIF87a") || starts_with(data, "GIF89a")) {
    return from_raster(decode_gif(data));
  }
  if (starts_with(data, "BM")) return from_raster(decode_bmp(data));
  if (type == "SVG" || starts_with(data, "<")) {
    // Rendering SVG safely needs a full renderer (librsvg pulls in a large attack surface for
    // bytes that come from a seal); the seal maker can store a PNG instead.
    throw error(
        errc::picture_unsupported,
        "SVG seal pictures are not rendered; the seal needs a PNG, JPEG, GIF or BMP picture");
  }
  throw error(errc::picture_unsupported,
              "seal picture of type '" + pic.type + "' is not PNG, JPEG, GIF or BMP data");
}

}  // namespace sealbridge::pdf
