#include <cstdint>

#include "core/error.hpp"
#include "pdf/picture_image.hpp"

namespace sealbridge::pdf {

// Walks the marker segments up to the frame header. The picture is embedded as DCTDecode
// byte for byte, so only the size and the number of components are needed.
image_xobject describe_jpeg(byte_view d) {
  auto fail = [](const char* why) {
    return error(errc::picture_unsupported, std::string("JPEG: ") + why);
  };
  std::size_t pos = 2;
  bool adobe = false;
  while (pos + 4 <= d.size()) {
    if (d[pos] != 0xFF) throw fail("bad marker");
    const std::uint8_t marker = d[pos + 1];
    if (marker == 0xFF) {
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) break;
    const std::size_t length = static_cast<std::size_t>(d[pos + 2] << 8 | d[pos + 3]);
    if (length < 2 || pos + 2 + length > d.size()) throw fail("truncated segment");
    const std::uint8_t* seg = d.data() + pos + 4;
    if (marker == 0xEE && length >= 7 &&
        std::string_view(reinterpret_cast<const char*>(seg), 5) == "Adobe") {
      adobe = true;
    }
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (marker != 0xC0 && marker != 0xC1 && marker != 0xC2) {
        throw fail("only baseline and progressive Huffman JPEG can be embedded");
      }
      if (length < 8) throw fail("short frame header");
      if (seg[0] != 8) throw fail("only 8-bit samples are supported");
      image_xobject img;
      img.height = seg[1] << 8 | seg[2];
      img.width = seg[3] << 8 | seg[4];
      check_picture_size(img.width, img.height);
      switch (seg[5]) {
        case 1:
          img.color_space = "/DeviceGray";
          break;
        case 3:
          img.color_space = "/DeviceRGB";
          break;
        case 4:
          img.color_space = "/DeviceCMYK";
          // Adobe writes CMYK JPEGs inverted.
          if (adobe) img.extra = "/Decode [1 0 1 0 1 0 1 0]";
          break;
        default:
          throw fail("unsupported number of components");
      }
      img.filter = "/DCTDecode";
      img.data.assign(d.begin(), d.end());
      return img;
    }
    pos += 2 + length;
  }
  throw fail("no frame header");
}

}  // namespace sealbridge::pdf
