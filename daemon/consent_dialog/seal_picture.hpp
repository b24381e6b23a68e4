#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include <string_view>

namespace sealbridge::consent_dialog {

// Decodes a PNG (only PNG: the bytes come from a page) scaled to fit `box` pixels square.
// Returns nullptr (never throws) for anything unreadable or absurdly large. Caller unrefs.
GdkPixbuf* load_seal_picture(std::string_view png, int box);

}  // namespace sealbridge::consent_dialog
