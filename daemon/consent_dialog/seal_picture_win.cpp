#include "seal_picture_win.hpp"

#include <wincodec.h>

#include <algorithm>
#include <utility>

namespace sealbridge::consent_dialog {

namespace {

// A seal is a few hundred pixels across; refusing giant dimensions before decoding keeps a
// crafted PNG from asking for gigabytes.
constexpr UINT max_source_side = 8192;

// Releases one COM interface pointer.
template <class T>
class com_ptr {
 public:
  com_ptr() = default;
  com_ptr(const com_ptr&) = delete;
  com_ptr& operator=(const com_ptr&) = delete;
  ~com_ptr() {
    if (p_) p_->Release();
  }
  T* operator->() const noexcept { return p_; }
  T* get() const noexcept { return p_; }
  T** out() noexcept { return &p_; }
  void** out_void() noexcept { return reinterpret_cast<void**>(&p_); }

 private:
  T* p_ = nullptr;
};

}  // namespace

seal_bitmap::seal_bitmap(seal_bitmap&& other) noexcept
    : bitmap_(std::exchange(other.bitmap_, nullptr)),
      width_(other.width_),
      height_(other.height_) {}

seal_bitmap& seal_bitmap::operator=(seal_bitmap&& other) noexcept {
  if (this != &other) {
    if (bitmap_) DeleteObject(bitmap_);
    bitmap_ = std::exchange(other.bitmap_, nullptr);
    width_ = other.width_;
    height_ = other.height_;
  }
  return *this;
}

seal_bitmap::~seal_bitmap() {
  if (bitmap_) DeleteObject(bitmap_);
}

seal_bitmap seal_bitmap::decode_png(std::string_view png, int box) {
  seal_bitmap out;
  if (png.size() < 8 || png.substr(1, 3) != "PNG" || png.size() > MAXDWORD || box <= 0) return out;

  com_ptr<IWICImagingFactory> factory;
  if (FAILED(CoCreateInstance(CLSID_WICImagingFactory, nullptr, CLSCTX_INPROC_SERVER,
                              IID_IWICImagingFactory, factory.out_void())))
    return out;
  com_ptr<IWICStream> stream;
  if (FAILED(factory->CreateStream(stream.out())) ||
      FAILED(stream->InitializeFromMemory(reinterpret_cast<BYTE*>(const_cast<char*>(png.data())),
                                          static_cast<DWORD>(png.size()))))
    return out;
  // The PNG decoder by name, not whichever codec claims the bytes.
  com_ptr<IWICBitmapDecoder> decoder;
  if (FAILED(factory->CreateDecoder(GUID_ContainerFormatPng, nullptr, decoder.out())) ||
      FAILED(decoder->Initialize(stream.get(), WICDecodeMetadataCacheOnDemand)))
    return out;
  com_ptr<IWICBitmapFrameDecode> frame;
  UINT width = 0, height = 0;
  if (FAILED(decoder->GetFrame(0, frame.out())) || FAILED(frame->GetSize(&width, &height)) ||
      width == 0 || height == 0 || width > max_source_side || height > max_source_side)
    return out;

  const double scale =
      std::min({1.0, static_cast<double>(box) / width, static_cast<double>(box) / height});
  const int target_width = std::max(1, static_cast<int>(width * scale));
  const int target_height = std::max(1, static_cast<int>(height * scale));

  com_ptr<IWICFormatConverter> converter;
  if (FAILED(factory->CreateFormatConverter(converter.out())) ||
      FAILED(converter->Initialize(frame.get(), GUID_WICPixelFormat32bppPBGRA,
                                   WICBitmapDitherTypeNone, nullptr, 0.0,
                                   WICBitmapPaletteTypeCustom)))
    return out;
  com_ptr<IWICBitmapScaler> scaler;
  if (FAILED(factory->CreateBitmapScaler(scaler.out())) ||
      FAILED(scaler->Initialize(converter.get(), static_cast<UINT>(target_width),
                                static_cast<UINT>(target_height), WICBitmapInterpolationModeFant)))
    return out;

  BITMAPINFO info{};
  info.bmiHeader.biSize = sizeof info.bmiHeader;
  info.bmiHeader.biWidth = target_width;
  info.bmiHeader.biHeight = -target_height;  // top-down, as WIC hands out the rows
  info.bmiHeader.biPlanes = 1;
  info.bmiHeader.biBitCount = 32;
  info.bmiHeader.biCompression = BI_RGB;
  void* bits = nullptr;
  HBITMAP bitmap = CreateDIBSection(nullptr, &info, DIB_RGB_COLORS, &bits, nullptr, 0);
  if (!bitmap || !bits) {
    if (bitmap) DeleteObject(bitmap);
    return out;
  }
  const UINT stride = static_cast<UINT>(target_width) * 4;
  if (FAILED(scaler->CopyPixels(nullptr, stride, stride * static_cast<UINT>(target_height),
                                static_cast<BYTE*>(bits)))) {
    DeleteObject(bitmap);
    return out;
  }
  out.bitmap_ = bitmap;
  out.width_ = target_width;
  out.height_ = target_height;
  return out;
}

}  // namespace sealbridge::consent_dialog
