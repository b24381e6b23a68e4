#include "tray_app.hpp"

#include <cstdio>
#include <memory>

#include "background.hpp"
#include "rpc_client.hpp"
#include "snapshot.hpp"

namespace sealbridge::tray {
namespace {

constexpr guint kPollSeconds = 5;
constexpr guint kUpdateCheckSeconds = 6 * 60 * 60;

const std::string& message_of(const rpc_reply& reply, bool english) {
  return english ? reply.message_en : reply.message_zh;
}

}  // namespace

tray_app::tray_app(tray_options options)
    : options_(std::move(options)), text_(texts_for(options_.english)) {}

tray_app::~tray_app() {
  if (poll_timer_) g_source_remove(poll_timer_);
  if (update_timer_) g_source_remove(update_timer_);
  if (indicator_) g_object_unref(indicator_);
}

std::uint16_t tray_app::port() const {
  return options_.port ? *options_.port : daemon_port(options_.state_dir);
}

void tray_app::add_item(const char* label, void (*on_activate)(GtkMenuItem*, gpointer)) {
  GtkWidget* item = gtk_menu_item_new_with_label(label);
  g_signal_connect(item, "activate", G_CALLBACK(on_activate), this);
  gtk_menu_shell_append(GTK_MENU_SHELL(menu_), item);
}

void tray_app::start() {
  const std::string icon_dir = options_.icon_dir.string();
  indicator_ =
      app_indicator_new_with_path("sealbridge-tray", icon_name(tray_state::offline),
                                  APP_INDICATOR_CATEGORY_APPLICATION_STATUS, icon_dir.c_str());
  menu_ = gtk_menu_new();
  // The first line says the state in words; it is not an action.
  state_item_ = gtk_menu_item_new_with_label(text_.state_offline);
  gtk_widget_set_sensitive(state_item_, FALSE);
  gtk_menu_shell_append(GTK_MENU_SHELL(menu_), state_item_);
  add_item(text_.seal_tool, on_seal_tool);
  add_item(text_.renew_online, on_renew);
  add_item(text_.check_update, on_check_update);
  add_item(text_.environment_check, on_environment);
  add_item(text_.about, on_about);
  add_item(text_.quit, on_quit);
  gtk_widget_show_all(menu_);
  app_indicator_set_menu(indicator_, GTK_MENU(menu_));
  app_indicator_set_status(indicator_, APP_INDICATOR_STATUS_ACTIVE);
  show_state();

  poll();
  poll_timer_ = g_timeout_add_seconds(
      kPollSeconds,
      [](gpointer self) -> gboolean {
        static_cast<tray_app*>(self)->poll();
        return G_SOURCE_CONTINUE;
      },
      this);
  update_timer_ = g_timeout_add_seconds(
      kUpdateCheckSeconds,
      [](gpointer self) -> gboolean {
        static_cast<tray_app*>(self)->check_for_update(false);
        return G_SOURCE_CONTINUE;
      },
      this);
}

void tray_app::poll() {
  if (polling_) return;  // a slow daemon must not pile up polls
  polling_ = true;
  auto result = std::make_shared<daemon_snapshot>();
  const auto p = port();
  run_in_background([result, p] { *result = take_snapshot(p); },
                    [this, result] {
                      polling_ = false;
                      const bool came_up = result->reachable && !snapshot_.reachable;
                      snapshot_ = *result;
                      show_state();
                      if (came_up) check_for_update(false);
                    });
}

void tray_app::show_state() {
  const auto state = state_of(snapshot_, update_);
  const char* words = text_.state_key_present;
  switch (state) {
    case tray_state::offline:
      words = text_.state_offline;
      break;
    case tray_state::expiring:
      words = text_.state_expiring;
      break;
    case tray_state::update_available:
      words = text_.state_update;
      break;
    case tray_state::no_key:
      words = text_.state_no_key;
      break;
    case tray_state::key_present:
      break;
  }
  const char* icon = icon_name(state);
  if (g_strcmp0(app_indicator_get_icon(indicator_), icon) != 0)
    std::fprintf(stderr, "sealbridge-tray: state %s\n", icon);
  app_indicator_set_icon_full(indicator_, icon, words);
  app_indicator_set_title(indicator_, words);
  gtk_menu_item_set_label(GTK_MENU_ITEM(state_item_), words);
}

void tray_app::check_for_update(bool tell_user) {
  auto reply = std::make_shared<rpc_reply>();
  const auto p = port();
  // update.check may fetch the administrator's manifest from the network: more time than a poll.
  run_in_background(
      [reply, p] {
        *reply = call_rpc(p, "update.check", nlohmann::json::object(), std::chrono::seconds{30});
      },
      [this, reply, tell_user] {
        if (reply->ok()) {
          update_ = update_status_of(reply->result);
          show_state();
        }
        if (!tell_user) return;
        if (!reply->connected) {
          show_message(text_.check_update, text_.daemon_unreachable, GTK_MESSAGE_ERROR);
        } else if (reply->is_error && reply->code == "METHOD_NOT_FOUND") {
          show_message(text_.check_update, text_.update_not_supported, GTK_MESSAGE_INFO);
        } else if (reply->is_error) {
          show_message(text_.check_update,
                       std::string(text_.update_failed) + message_of(*reply, options_.english) +
                           " (" + reply->code + ")",
                       GTK_MESSAGE_ERROR);
        } else if (!reply->failure.empty()) {
          show_message(text_.check_update, std::string(text_.update_failed) + reply->failure,
                       GTK_MESSAGE_ERROR);
        } else if (update_.available) {
          show_message(text_.check_update, std::string(text_.update_available) + update_.version,
                       GTK_MESSAGE_INFO);
        } else {
          show_message(text_.check_update, text_.up_to_date, GTK_MESSAGE_INFO);
        }
      });
}

void tray_app::open_url(const std::string& url) {
  std::fprintf(stderr, "sealbridge-tray: open %s\n", url.c_str());
  std::vector<char*> argv;
  for (const auto& part : options_.browser) argv.push_back(const_cast<char*>(part.c_str()));
  argv.push_back(const_cast<char*>(url.c_str()));
  argv.push_back(nullptr);
  GError* failure = nullptr;
  if (!g_spawn_async(nullptr, argv.data(), nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr,
                     &failure)) {
    show_message(text_.seal_tool, std::string(text_.browser_failed) + failure->message,
                 GTK_MESSAGE_ERROR);
    g_error_free(failure);
  }
}

void tray_app::show_message(const std::string& title, const std::string& text,
                            GtkMessageType type) {
  std::fprintf(stderr, "sealbridge-tray: message %s: %s\n", title.c_str(), text.c_str());
  GtkWidget* dialog = gtk_message_dialog_new(nullptr, GTK_DIALOG_DESTROY_WITH_PARENT, type,
                                             GTK_BUTTONS_OK, "%s", text.c_str());
  gtk_window_set_title(GTK_WINDOW(dialog), ("SealBridge - " + title).c_str());
  gtk_window_set_position(GTK_WINDOW(dialog), GTK_WIN_POS_CENTER);
  g_signal_connect(dialog, "response", G_CALLBACK(gtk_widget_destroy), nullptr);
  gtk_widget_show_all(dialog);
}

void tray_app::on_seal_tool(GtkMenuItem*, gpointer self) {
  auto* app = static_cast<tray_app*>(self);
  app->open_url("http://127.0.0.1:" + std::to_string(app->port()) + "/");
}

void tray_app::on_environment(GtkMenuItem*, gpointer self) {
  // The seal tool runs system.diagnose itself and shows every finding with its advice.
  auto* app = static_cast<tray_app*>(self);
  app->open_url("http://127.0.0.1:" + std::to_string(app->port()) + "/#diag-title");
}

void tray_app::on_renew(GtkMenuItem*, gpointer self) {
  auto* app = static_cast<tray_app*>(self);
  auto reply = std::make_shared<rpc_reply>();
  const auto p = app->port();
  // Asked afresh: the administrator may have changed the config since the last poll.
  run_in_background([reply, p] { *reply = call_rpc(p, "system.info"); },
                    [app, reply] {
                      const auto& t = app->text_;
                      if (!reply->ok()) {
                        app->show_message(t.renew_online, t.daemon_unreachable, GTK_MESSAGE_ERROR);
                        return;
                      }
                      const auto url = reply->result.value("renewal_url", std::string{});
                      if (url.empty()) {
                        app->show_message(t.renew_online, t.no_renewal_url, GTK_MESSAGE_INFO);
                        return;
                      }
                      app->open_url(url);
                    });
}

void tray_app::on_check_update(GtkMenuItem*, gpointer self) {
  static_cast<tray_app*>(self)->check_for_update(true);
}

void tray_app::on_about(GtkMenuItem*, gpointer self) {
  auto* app = static_cast<tray_app*>(self);
  auto reply = std::make_shared<rpc_reply>();
  const auto p = app->port();
  run_in_background([reply, p] { *reply = call_rpc(p, "system.info"); },
                    [app, reply] {
                      const auto& t = app->text_;
                      if (!reply->ok()) {
                        app->show_message(t.about, t.daemon_unreachable, GTK_MESSAGE_ERROR);
                        return;
                      }
                      app->show_message(
                          t.about,
                          std::string(t.about_text) + reply->result.value("version", std::string{}),
                          GTK_MESSAGE_INFO);
                    });
}

void tray_app::on_quit(GtkMenuItem*, gpointer) {
  std::fprintf(stderr, "sealbridge-tray: quit\n");
  gtk_main_quit();
}

}  // namespace sealbridge::tray
