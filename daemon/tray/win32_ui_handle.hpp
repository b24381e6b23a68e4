#pragma once

#include <windows.h>

#include <utility>

namespace sealbridge::tray {

// Owns one USER object (an icon or a menu) and destroys it exactly once.
template <class Handle, BOOL(WINAPI* destroy)(Handle)>
class unique_ui_handle {
 public:
  unique_ui_handle() noexcept = default;
  explicit unique_ui_handle(Handle handle) noexcept : handle_(handle) {}
  unique_ui_handle(const unique_ui_handle&) = delete;
  unique_ui_handle& operator=(const unique_ui_handle&) = delete;
  unique_ui_handle(unique_ui_handle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  unique_ui_handle& operator=(unique_ui_handle&& other) noexcept {
    if (this != &other) reset(std::exchange(other.handle_, nullptr));
    return *this;
  }
  ~unique_ui_handle() { reset(); }

  Handle get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  void reset(Handle handle = nullptr) noexcept {
    if (Handle old = std::exchange(handle_, handle)) destroy(old);
  }

 private:
  Handle handle_ = nullptr;
};

using unique_icon = unique_ui_handle<HICON, DestroyIcon>;
using unique_menu = unique_ui_handle<HMENU, DestroyMenu>;

}  // namespace sealbridge::tray
