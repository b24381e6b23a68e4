#pragma once

#include <windows.h>

#include <string_view>

namespace sealbridge::consent_dialog {

// The seal picture as a 32-bit top-down DIB section with premultiplied alpha, ready for
// AlphaBlend. Empty (no bitmap) when the bytes are not a readable PNG.
class seal_bitmap {
 public:
  seal_bitmap() = default;
  seal_bitmap(const seal_bitmap&) = delete;
  seal_bitmap& operator=(const seal_bitmap&) = delete;
  seal_bitmap(seal_bitmap&& other) noexcept;
  seal_bitmap& operator=(seal_bitmap&& other) noexcept;
  ~seal_bitmap();

  // Decodes a PNG (only PNG: the bytes come from a page) with WIC, scaled down to fit `box`
  // pixels square. Never throws; COM must be initialised on the calling thread.
  static seal_bitmap decode_png(std::string_view png, int box);

  explicit operator bool() const noexcept { return bitmap_ != nullptr; }
  HBITMAP get() const noexcept { return bitmap_; }
  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }

 private:
  HBITMAP bitmap_ = nullptr;
  int width_ = 0, height_ = 0;
};

}  // namespace sealbridge::consent_dialog
