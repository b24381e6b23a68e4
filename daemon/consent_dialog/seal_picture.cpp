#include "seal_picture.hpp"

#include <algorithm>

namespace sealbridge::consent_dialog {

namespace {

// A seal is a few hundred pixels across; refusing giant dimensions before decoding keeps a
// crafted PNG from asking for gigabytes.
constexpr int max_source_side = 8192;

struct fit {
  int box;
};

void on_size_prepared(GdkPixbufLoader* loader, int width, int height, gpointer data) {
  const int box = static_cast<fit*>(data)->box;
  if (width <= 0 || height <= 0 || width > max_source_side || height > max_source_side) {
    gdk_pixbuf_loader_set_size(loader, 0, 0);  // makes the PNG loader fail
    return;
  }
  const double scale =
      std::min({1.0, static_cast<double>(box) / width, static_cast<double>(box) / height});
  gdk_pixbuf_loader_set_size(loader, std::max(1, static_cast<int>(width * scale)),
                             std::max(1, static_cast<int>(height * scale)));
}

}  // namespace

GdkPixbuf* load_seal_picture(std::string_view png, int box) {
  if (png.size() < 8 || png.substr(1, 3) != "PNG") return nullptr;
  GdkPixbufLoader* loader = gdk_pixbuf_loader_new_with_type("png", nullptr);
  if (!loader) return nullptr;
  fit target{box};
  g_signal_connect(loader, "size-prepared", G_CALLBACK(on_size_prepared), &target);
  const bool written = gdk_pixbuf_loader_write(loader, reinterpret_cast<const guchar*>(png.data()),
                                               png.size(), nullptr);
  const bool closed = gdk_pixbuf_loader_close(loader, nullptr);
  GdkPixbuf* picture = nullptr;
  if (written && closed) {
    picture = gdk_pixbuf_loader_get_pixbuf(loader);
    if (picture) g_object_ref(picture);
  }
  g_object_unref(loader);
  return picture;
}

}  // namespace sealbridge::consent_dialog
