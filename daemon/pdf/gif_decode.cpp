#include <gif_lib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "pdf/picture_image.hpp"

namespace sealbridge::pdf {
namespace {

struct memory_reader {
  byte_view data;
  std::size_t pos = 0;
};

int read_from_memory(GifFileType* gif, GifByteType* buf, int len) {
  auto* reader = static_cast<memory_reader*>(gif->UserData);
  const std::size_t want = len < 0 ? 0 : static_cast<std::size_t>(len);
  const std::size_t n = std::min(want, reader->data.size() - reader->pos);
  std::memcpy(buf, reader->data.data() + reader->pos, n);
  reader->pos += n;
  return static_cast<int>(n);
}

struct gif_closer {
  void operator()(GifFileType* gif) const noexcept {
    int err = 0;
    DGifCloseFile(gif, &err);
  }
};

}  // namespace

// The first frame, placed on the logical screen; pixels outside it and the transparent colour
// index get alpha 0. Records are read one by one (not DGifSlurp) so a frame's declared size is
// checked before giflib allocates for it.
rgba_raster decode_gif(byte_view data) {
  memory_reader reader{data};
  int err = 0;
  std::unique_ptr<GifFileType, gif_closer> gif(DGifOpen(&reader, read_from_memory, &err));
  if (!gif) throw error(errc::picture_unsupported, std::string("GIF: ") + GifErrorString(err));
  check_picture_size(gif->SWidth, gif->SHeight);
  auto fail = [&]() -> error {
    return error(errc::picture_unsupported, std::string("GIF: ") + GifErrorString(gif->Error));
  };

  int transparent = NO_TRANSPARENT_COLOR;
  for (;;) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif.get(), &type) != GIF_OK) throw fail();
    if (type == TERMINATE_RECORD_TYPE) break;
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif.get(), &code, &ext) != GIF_OK) throw fail();
      if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4 && (ext[1] & 1)) {
        transparent = ext[4];
      }
      while (ext) {
        if (DGifGetExtensionNext(gif.get(), &ext) != GIF_OK) throw fail();
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) != GIF_OK) throw fail();
    const GifImageDesc& desc = gif->Image;
    check_picture_size(desc.Width, desc.Height);
    const ColorMapObject* map = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
    if (!map) throw error(errc::picture_unsupported, "GIF: no colour map");

    const auto w = static_cast<std::size_t>(desc.Width);
    std::vector<GifPixelType> raster(w * static_cast<std::size_t>(desc.Height));
    if (desc.Interlace) {
      static constexpr int kStart[] = {0, 4, 2, 1};
      static constexpr int kStep[] = {8, 8, 4, 2};
      for (int pass = 0; pass < 4; ++pass) {
        for (int y = kStart[pass]; y < desc.Height; y += kStep[pass]) {
          if (DGifGetLine(gif.get(), &raster[static_cast<std::size_t>(y) * w], desc.Width) !=
              GIF_OK) {
            throw fail();
          }
        }
      }
    } else {
      for (int y = 0; y < desc.Height; ++y) {
        if (DGifGetLine(gif.get(), &raster[static_cast<std::size_t>(y) * w], desc.Width) !=
            GIF_OK) {
          throw fail();
        }
      }
    }

    rgba_raster r;
    r.width = gif->SWidth;
    r.height = gif->SHeight;
    r.rgba.assign(static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * 4, 0);
    for (int y = 0; y < desc.Height; ++y) {
      const int ty = desc.Top + y;
      if (ty < 0 || ty >= r.height) continue;
      for (int x = 0; x < desc.Width; ++x) {
        const int tx = desc.Left + x;
        if (tx < 0 || tx >= r.width) continue;
        const int index = raster[static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)];
        if (index == transparent || index >= map->ColorCount) continue;
        const GifColorType& c = map->Colors[index];
        auto* px = &r.rgba[(static_cast<std::size_t>(ty) * static_cast<std::size_t>(r.width) +
                            static_cast<std::size_t>(tx)) *
                           4];
        px[0] = c.Red;
        px[1] = c.Green;
        px[2] = c.Blue;
        px[3] = 255;
      }
    }
    return r;
  }
  throw error(errc::picture_unsupported, "GIF: no image");
}

}  // namespace sealbridge::pdf
