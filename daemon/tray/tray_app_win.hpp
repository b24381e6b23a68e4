#pragma once

#include <windows.h>
// After windows.h:
#include <shellapi.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "texts.hpp"
#include "tray_state.hpp"
#include "win32_ui_handle.hpp"

namespace sealbridge::tray {

struct tray_options {
  std::optional<std::uint16_t> port;  // fixed port; otherwise read from the daemon's state dir
  std::filesystem::path state_dir;
  std::wstring browser;  // a command line the quoted URL is appended to; empty: ShellExecuteW
  bool english = false;
};

// The notification-area icon (Shell_NotifyIconW), its menu and the poll that keeps the icon's
// state current: the Win32 counterpart of tray_app.cpp. A hidden window receives the icon's
// mouse messages, the timers and the completions of the daemon calls, which all run on
// threads of their own (background_win.hpp).
class tray_app {
 public:
  explicit tray_app(tray_options options);
  ~tray_app();
  tray_app(const tray_app&) = delete;
  tray_app& operator=(const tray_app&) = delete;

  // Creates the window and the icon; false when Windows refused the window.
  bool start(HINSTANCE instance);

 private:
  static LRESULT CALLBACK window_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam);
  LRESULT handle_message(UINT message, WPARAM wparam, LPARAM lparam);

  std::uint16_t port() const;
  std::string local_url(const char* fragment) const;
  void add_icon();
  void remove_icon();
  void show_menu();
  void on_command(UINT command);
  void poll();
  void show_state();
  void check_for_update(bool tell_user);
  void renew();
  void about();
  void open_url(const std::string& url);
  void show_message(const char* title, const std::string& text, UINT icon);

  tray_options options_;
  const texts& text_;
  HWND window_ = nullptr;
  UINT taskbar_created_ = 0;  // Explorer broadcasts it when it restarts: add the icon again
  bool icon_added_ = false;
  std::array<unique_icon, 5> icons_;  // one per tray_state
  daemon_snapshot snapshot_;
  update_status update_;
  tray_state shown_ = tray_state::offline;
  bool polling_ = false;
};

}  // namespace sealbridge::tray
