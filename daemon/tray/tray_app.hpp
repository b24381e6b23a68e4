#pragma once

#include <gtk/gtk.h>
#include <libayatana-appindicator/app-indicator.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "texts.hpp"
#include "tray_state.hpp"

namespace sealbridge::tray {

struct tray_options {
  std::optional<std::uint16_t> port;  // fixed port; otherwise read from the daemon's state dir
  std::filesystem::path state_dir;
  std::vector<std::string> browser;  // program and arguments; the URL is appended
  std::filesystem::path icon_dir;
  bool english = false;
};

// The indicator, its menu and the poll that keeps the icon's state current. Every daemon call
// runs in the background and reports back on the main loop.
class tray_app {
 public:
  explicit tray_app(tray_options options);
  ~tray_app();
  tray_app(const tray_app&) = delete;
  tray_app& operator=(const tray_app&) = delete;

  void start();

 private:
  std::uint16_t port() const;
  void add_item(const char* label, void (*on_activate)(GtkMenuItem*, gpointer));
  void poll();
  void show_state();
  void check_for_update(bool tell_user);
  void open_url(const std::string& url);
  void show_message(const std::string& title, const std::string& text, GtkMessageType type);

  static void on_seal_tool(GtkMenuItem*, gpointer self);
  static void on_renew(GtkMenuItem*, gpointer self);
  static void on_check_update(GtkMenuItem*, gpointer self);
  static void on_environment(GtkMenuItem*, gpointer self);
  static void on_about(GtkMenuItem*, gpointer self);
  static void on_quit(GtkMenuItem*, gpointer self);

  tray_options options_;
  const texts& text_;
  AppIndicator* indicator_ = nullptr;
  GtkWidget* menu_ = nullptr;
  GtkWidget* state_item_ = nullptr;
  daemon_snapshot snapshot_;
  update_status update_;
  bool polling_ = false;
  guint poll_timer_ = 0;
  guint update_timer_ = 0;
};

}  // namespace sealbridge::tray
