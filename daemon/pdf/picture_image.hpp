#pragma once

#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "pdf/pdf_signer.hpp"

// Seal pictures turned into what a PDF image XObject needs.
namespace sealbridge::pdf {

// Decoded pixels, 8 bits per channel, rows top-down, no premultiplication.
struct rgba_raster {
  int width = 0, height = 0;
  bytes rgba;  // width * height * 4
};

struct image_xobject {
  int width = 0, height = 0;
  std::string color_space;     // "/DeviceRGB", "/DeviceGray", "/DeviceCMYK"
  std::string filter;          // "/DCTDecode" or "/FlateDecode"
  std::string extra;           // further dictionary entries, e.g. "/Decode [...]"
  bytes data;                  // the stream data, already encoded by `filter`
  std::optional<bytes> smask;  // Flate-encoded DeviceGray alpha, absent when fully opaque
};

// Largest picture accepted, in pixels per side and in total: a seal is a few hundred pixels,
// and this bounds the memory a hostile picture can make us allocate.
inline constexpr int kMaxPictureSide = 8192;
inline constexpr long kMaxPicturePixels = 16L * 1024 * 1024;

// Throws error(picture_unsupported) with a detail naming the reason.
image_xobject embed_picture(const picture& pic);

rgba_raster decode_png(byte_view data);
rgba_raster decode_gif(byte_view data);
rgba_raster decode_bmp(byte_view data);
// Header facts of a JPEG to embed it as DCTDecode unchanged.
image_xobject describe_jpeg(byte_view data);

// `alpha` may be empty (opaque); `channels` 1 (gray) or 3 (RGB) in `pixels`.
bytes encode_png(int width, int height, int channels, byte_view pixels, byte_view alpha);

bytes zlib_compress(byte_view data);
void check_picture_size(long width, long height);

}  // namespace sealbridge::pdf
