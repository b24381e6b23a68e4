#include <bit>
#include <cstdint>

#include "core/error.hpp"
#include "pdf/picture_image.hpp"

namespace sealbridge::pdf {
namespace {

std::uint32_t le32(byte_view d, std::size_t at) {
  if (at + 4 > d.size()) throw error(errc::picture_unsupported, "BMP: truncated header");
  return static_cast<std::uint32_t>(d[at]) | static_cast<std::uint32_t>(d[at + 1]) << 8 |
         static_cast<std::uint32_t>(d[at + 2]) << 16 | static_cast<std::uint32_t>(d[at + 3]) << 24;
}

std::uint16_t le16(byte_view d, std::size_t at) {
  if (at + 2 > d.size()) throw error(errc::picture_unsupported, "BMP: truncated header");
  return static_cast<std::uint16_t>(d[at] | d[at + 1] << 8);
}

// One channel of a BI_BITFIELDS pixel; only whole-byte masks are accepted.
struct channel {
  std::uint32_t mask = 0;
  int shift = 0;
  static channel of(std::uint32_t mask) {
    channel c{mask, mask ? std::countr_zero(mask) : 0};
    if (mask && (mask >> c.shift) != 0xFF) {
      throw error(errc::picture_unsupported, "BMP: only 8-bit channel masks are supported");
    }
    return c;
  }
  std::uint8_t take(std::uint32_t px) const {
    return static_cast<std::uint8_t>((px & mask) >> shift);
  }
};

}  // namespace

// Uncompressed 24-bit and 32-bit (BI_RGB or 8-bit BI_BITFIELDS) Windows bitmaps, bottom-up
// or top-down. A 32-bit BI_RGB file whose fourth bytes are all zero is opaque: most writers
// leave that byte unused.
rgba_raster decode_bmp(byte_view d) {
  const std::uint32_t pixel_offset = le32(d, 10);
  const std::uint32_t header_size = le32(d, 14);
  if (header_size < 40) throw error(errc::picture_unsupported, "BMP: OS/2 headers not supported");
  const auto width = static_cast<std::int32_t>(le32(d, 18));
  const auto raw_height = static_cast<std::int32_t>(le32(d, 22));
  const std::uint16_t bpp = le16(d, 28);
  const std::uint32_t compression = le32(d, 30);
  if (raw_height == INT32_MIN) throw error(errc::picture_unsupported, "BMP: bad height");
  const bool top_down = raw_height < 0;
  const std::int32_t height = top_down ? -raw_height : raw_height;
  check_picture_size(width, height);
  if (bpp != 24 && bpp != 32) {
    throw error(errc::picture_unsupported,
                "BMP: only 24-bit and 32-bit pictures are supported, not " + std::to_string(bpp));
  }
  channel r{0x00FF0000, 16}, g{0x0000FF00, 8}, b{0x000000FF, 0}, a{0xFF000000, 24};
  bool use_alpha_as_given = false;
  if (compression == 3 && bpp == 32) {
    r = channel::of(le32(d, 54));
    g = channel::of(le32(d, 58));
    b = channel::of(le32(d, 62));
    a = header_size >= 56 ? channel::of(le32(d, 66)) : channel{};
    use_alpha_as_given = a.mask != 0;
  } else if (compression != 0) {
    throw error(errc::picture_unsupported, "BMP: compressed bitmaps are not supported");
  }

  const std::size_t w = static_cast<std::size_t>(width);
  const std::size_t h = static_cast<std::size_t>(height);
  const std::size_t stride = (w * bpp + 31) / 32 * 4;
  if (pixel_offset > d.size() || (d.size() - pixel_offset) / stride < h) {
    throw error(errc::picture_unsupported, "BMP: truncated pixel data");
  }
  rgba_raster out;
  out.width = width;
  out.height = height;
  out.rgba.resize(w * h * 4);
  bool any_alpha = false;
  for (std::size_t y = 0; y < h; ++y) {
    const std::size_t src_row = top_down ? y : h - 1 - y;
    const std::uint8_t* row = d.data() + pixel_offset + src_row * stride;
    for (std::size_t x = 0; x < w; ++x) {
      std::uint8_t* px = &out.rgba[(y * w + x) * 4];
      if (bpp == 24) {
        px[0] = row[x * 3 + 2];
        px[1] = row[x * 3 + 1];
        px[2] = row[x * 3];
        px[3] = 255;
        continue;
      }
      const std::uint8_t* s = row + x * 4;
      const std::uint32_t v =
          static_cast<std::uint32_t>(s[0]) | static_cast<std::uint32_t>(s[1]) << 8 |
          static_cast<std::uint32_t>(s[2]) << 16 | static_cast<std::uint32_t>(s[3]) << 24;
      px[0] = r.take(v);
      px[1] = g.take(v);
      px[2] = b.take(v);
      px[3] = a.mask ? a.take(v) : 255;
      if (px[3] != 0) any_alpha = true;
    }
  }
  if (bpp == 32 && !any_alpha && !use_alpha_as_given) {
    for (std::size_t i = 0; i < w * h; ++i) out.rgba[i * 4 + 3] = 255;
  }
  return out;
}

}  // namespace sealbridge::pdf
