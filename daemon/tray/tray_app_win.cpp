#include "tray_app_win.hpp"

#include <cstdio>
#include <memory>
#include <vector>

#include "background_win.hpp"
#include "core/win32_handle.hpp"
#include "core/win32_text.hpp"
#include "rpc_client.hpp"
#include "snapshot.hpp"
#include "tray_icons_win.hpp"

namespace sealbridge::tray {
namespace {

constexpr wchar_t kWindowClass[] = L"SealBridgeTray";
constexpr UINT kIconMessage = WM_APP + 1;  // the icon's mouse messages, in LPARAM
constexpr UINT kIconId = 1;
constexpr UINT_PTR kPollTimer = 1;
constexpr UINT_PTR kUpdateTimer = 2;
constexpr UINT kPollMs = 5 * 1000;
constexpr UINT kUpdateCheckMs = 6 * 60 * 60 * 1000;

// Menu command ids in the order of the Linux menu.
enum command : UINT {
  command_seal_tool = 1,
  command_renew,
  command_check_update,
  command_environment,
  command_about,
  command_quit,
};

int icon_resource(tray_state state) {
  switch (state) {
    case tray_state::offline:
      return SB_TRAY_ICON_OFFLINE;
    case tray_state::expiring:
      return SB_TRAY_ICON_EXPIRING;
    case tray_state::update_available:
      return SB_TRAY_ICON_UPDATE;
    case tray_state::no_key:
      return SB_TRAY_ICON_NOKEY;
    case tray_state::key_present:
      break;
  }
  return SB_TRAY_ICON_KEY;
}

const char* state_words(const texts& t, tray_state state) {
  switch (state) {
    case tray_state::offline:
      return t.state_offline;
    case tray_state::expiring:
      return t.state_expiring;
    case tray_state::update_available:
      return t.state_update;
    case tray_state::no_key:
      return t.state_no_key;
    case tray_state::key_present:
      break;
  }
  return t.state_key_present;
}

const std::string& message_of(const rpc_reply& reply, bool english) {
  return english ? reply.message_en : reply.message_zh;
}

// The renewal URL comes from the administrator's configuration through the daemon: only web
// addresses are handed to the shell, which would otherwise run a program path as readily.
bool is_web_address(const std::string& url) {
  return (url.starts_with("http://") || url.starts_with("https://")) &&
         url.find_first_of("\"\r\n") == std::string::npos;
}

void copy_truncated(wchar_t* destination, std::size_t capacity, const std::wstring& text) {
  lstrcpynW(destination, text.c_str(), static_cast<int>(capacity));
}

}  // namespace

tray_app::tray_app(tray_options options)
    : options_(std::move(options)), text_(texts_for(options_.english)) {}

tray_app::~tray_app() {
  if (window_) DestroyWindow(window_);
}

bool tray_app::start(HINSTANCE instance) {
  WNDCLASSEXW window_class{};
  window_class.cbSize = sizeof window_class;
  window_class.lpfnWndProc = window_procedure;
  window_class.hInstance = instance;
  window_class.lpszClassName = kWindowClass;
  if (!RegisterClassExW(&window_class)) return false;
  // A hidden top-level window rather than a message-only one: only top-level windows receive
  // the TaskbarCreated broadcast.
  window_ = CreateWindowExW(0, kWindowClass, L"SealBridge", WS_OVERLAPPED, 0, 0, 0, 0, nullptr,
                            nullptr, instance, this);
  if (!window_) return false;
  taskbar_created_ = RegisterWindowMessageW(L"TaskbarCreated");

  const int size = GetSystemMetrics(SM_CXSMICON);
  for (auto state : {tray_state::offline, tray_state::expiring, tray_state::update_available,
                     tray_state::no_key, tray_state::key_present}) {
    icons_[static_cast<std::size_t>(state)].reset(
        static_cast<HICON>(LoadImageW(instance, MAKEINTRESOURCEW(icon_resource(state)), IMAGE_ICON,
                                      size, size, LR_DEFAULTCOLOR)));
  }
  add_icon();
  poll();
  SetTimer(window_, kPollTimer, kPollMs, nullptr);
  SetTimer(window_, kUpdateTimer, kUpdateCheckMs, nullptr);
  // At logon the Run entry may start the tray before the taskbar exists: the icon is then
  // added when Explorer broadcasts TaskbarCreated.
  if (!icon_added_) std::fprintf(stderr, "sealbridge-tray: no taskbar yet, waiting for it\n");
  return true;
}

LRESULT CALLBACK tray_app::window_procedure(HWND window, UINT message, WPARAM wparam,
                                            LPARAM lparam) {
  if (message == WM_NCCREATE) {
    auto* create = reinterpret_cast<CREATESTRUCTW*>(lparam);
    SetWindowLongPtrW(window, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(create->lpCreateParams));
  }
  auto* app = reinterpret_cast<tray_app*>(GetWindowLongPtrW(window, GWLP_USERDATA));
  if (!app) return DefWindowProcW(window, message, wparam, lparam);
  if (!app->window_) app->window_ = window;  // messages sent from inside CreateWindowExW
  return app->handle_message(message, wparam, lparam);
}

LRESULT tray_app::handle_message(UINT message, WPARAM wparam, LPARAM lparam) {
  if (message == taskbar_created_ && taskbar_created_ != 0) {
    icon_added_ = false;
    add_icon();
    return 0;
  }
  switch (message) {
    case kIconMessage:
      // Any click opens the menu, as the indicator does on Linux.
      if (lparam == WM_RBUTTONUP || lparam == WM_LBUTTONUP || lparam == WM_CONTEXTMENU) show_menu();
      return 0;
    case kJobDoneMessage:
      finish_background_job(lparam);
      return 0;
    case WM_TIMER:
      if (wparam == kPollTimer) poll();
      if (wparam == kUpdateTimer) check_for_update(false);
      return 0;
    case WM_COMMAND:
      on_command(LOWORD(wparam));
      return 0;
    case WM_DESTROY:
      remove_icon();
      KillTimer(window_, kPollTimer);
      KillTimer(window_, kUpdateTimer);
      PostQuitMessage(0);
      return 0;
    case WM_NCDESTROY:
      // Completions still on their way find no window: PostMessageW fails and drops them.
      window_ = nullptr;
      return 0;
    default:
      return DefWindowProcW(window_, message, wparam, lparam);
  }
}

std::uint16_t tray_app::port() const {
  return options_.port ? *options_.port : daemon_port(options_.state_dir);
}

std::string tray_app::local_url(const char* fragment) const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/" + fragment;
}

void tray_app::add_icon() {
  NOTIFYICONDATAW data{};
  data.cbSize = sizeof data;
  data.hWnd = window_;
  data.uID = kIconId;
  data.uFlags = NIF_MESSAGE | NIF_ICON | NIF_TIP;
  data.uCallbackMessage = kIconMessage;
  data.hIcon = icons_[static_cast<std::size_t>(shown_)].get();
  copy_truncated(data.szTip, std::size(data.szTip), wide_from_utf8(state_words(text_, shown_)));
  icon_added_ = Shell_NotifyIconW(NIM_ADD, &data) != FALSE;
}

void tray_app::remove_icon() {
  if (!icon_added_) return;
  NOTIFYICONDATAW data{};
  data.cbSize = sizeof data;
  data.hWnd = window_;
  data.uID = kIconId;
  Shell_NotifyIconW(NIM_DELETE, &data);
  icon_added_ = false;
}

void tray_app::show_menu() {
  unique_menu menu(CreatePopupMenu());
  if (!menu) return;
  // The first line says the state in words; it is not an action.
  AppendMenuW(menu.get(), MF_STRING | MF_GRAYED, 0,
              wide_from_utf8(state_words(text_, state_of(snapshot_, update_))).c_str());
  const std::pair<UINT, const char*> items[] = {
      {command_seal_tool, text_.seal_tool},
      {command_renew, text_.renew_online},
      {command_check_update, text_.check_update},
      {command_environment, text_.environment_check},
      {command_about, text_.about},
      {command_quit, text_.quit},
  };
  for (const auto& [id, label] : items)
    AppendMenuW(menu.get(), MF_STRING, id, wide_from_utf8(label).c_str());
  POINT at{};
  GetCursorPos(&at);
  // Without the foreground the menu would not close when the user clicks elsewhere; the
  // WM_NULL afterwards is the documented companion of that call.
  SetForegroundWindow(window_);
  TrackPopupMenu(menu.get(), TPM_RIGHTBUTTON | TPM_BOTTOMALIGN, at.x, at.y, 0, window_, nullptr);
  PostMessageW(window_, WM_NULL, 0, 0);
}

void tray_app::on_command(UINT command) {
  switch (command) {
    case command_seal_tool:
      open_url(local_url(""));
      break;
    case command_renew:
      renew();
      break;
    case command_check_update:
      check_for_update(true);
      break;
    case command_environment:
      // The seal tool runs system.diagnose itself and shows every finding with its advice.
      open_url(local_url("#diag-title"));
      break;
    case command_about:
      about();
      break;
    case command_quit:
      std::fprintf(stderr, "sealbridge-tray: quit\n");
      DestroyWindow(window_);
      break;
    default:
      break;
  }
}

void tray_app::poll() {
  if (polling_) return;  // a slow daemon must not pile up polls
  polling_ = true;
  auto result = std::make_shared<daemon_snapshot>();
  const auto p = port();
  run_in_background(
      window_, [result, p] { *result = take_snapshot(p); },
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
  if (state != shown_) std::fprintf(stderr, "sealbridge-tray: state %s\n", icon_name(state));
  shown_ = state;
  if (!icon_added_) {
    add_icon();
    return;
  }
  NOTIFYICONDATAW data{};
  data.cbSize = sizeof data;
  data.hWnd = window_;
  data.uID = kIconId;
  data.uFlags = NIF_ICON | NIF_TIP;
  data.hIcon = icons_[static_cast<std::size_t>(state)].get();
  copy_truncated(data.szTip, std::size(data.szTip), wide_from_utf8(state_words(text_, state)));
  Shell_NotifyIconW(NIM_MODIFY, &data);
}

void tray_app::check_for_update(bool tell_user) {
  auto reply = std::make_shared<rpc_reply>();
  const auto p = port();
  // update.check may fetch the administrator's manifest from the network: more time than a poll.
  run_in_background(
      window_,
      [reply, p] {
        *reply = call_rpc(p, "update.check", nlohmann::json::object(), std::chrono::seconds{30});
      },
      [this, reply, tell_user] {
        if (reply->ok()) {
          update_ = update_status_of(reply->result);
          show_state();
        }
        if (!tell_user) return;
        const char* title = text_.check_update;
        if (!reply->connected) {
          show_message(title, text_.daemon_unreachable, MB_ICONERROR);
        } else if (reply->is_error && reply->code == "METHOD_NOT_FOUND") {
          show_message(title, text_.update_not_supported, MB_ICONINFORMATION);
        } else if (reply->is_error) {
          show_message(title,
                       std::string(text_.update_failed) + message_of(*reply, options_.english) +
                           " (" + reply->code + ")",
                       MB_ICONERROR);
        } else if (!reply->failure.empty()) {
          show_message(title, std::string(text_.update_failed) + reply->failure, MB_ICONERROR);
        } else if (update_.available) {
          show_message(title, std::string(text_.update_available) + update_.version,
                       MB_ICONINFORMATION);
        } else {
          show_message(title, text_.up_to_date, MB_ICONINFORMATION);
        }
      });
}

void tray_app::renew() {
  auto reply = std::make_shared<rpc_reply>();
  const auto p = port();
  // Asked afresh: the administrator may have changed the config since the last poll.
  run_in_background(
      window_, [reply, p] { *reply = call_rpc(p, "system.info"); },
      [this, reply] {
        if (!reply->ok()) {
          show_message(text_.renew_online, text_.daemon_unreachable, MB_ICONERROR);
          return;
        }
        const auto url = reply->result.value("renewal_url", std::string{});
        if (url.empty()) {
          show_message(text_.renew_online, text_.no_renewal_url, MB_ICONINFORMATION);
          return;
        }
        open_url(url);
      });
}

void tray_app::about() {
  auto reply = std::make_shared<rpc_reply>();
  const auto p = port();
  run_in_background(
      window_, [reply, p] { *reply = call_rpc(p, "system.info"); },
      [this, reply] {
        if (!reply->ok()) {
          show_message(text_.about, text_.daemon_unreachable, MB_ICONERROR);
          return;
        }
        show_message(text_.about,
                     std::string(text_.about_text) + reply->result.value("version", std::string{}),
                     MB_ICONINFORMATION);
      });
}

void tray_app::open_url(const std::string& url) {
  std::fprintf(stderr, "sealbridge-tray: open %s\n", url.c_str());
  if (!is_web_address(url)) {
    show_message(text_.seal_tool, std::string(text_.browser_failed) + url, MB_ICONERROR);
    return;
  }
  const std::wstring wide_url = wide_from_utf8(url);
  if (options_.browser.empty()) {
    const auto result = reinterpret_cast<INT_PTR>(
        ShellExecuteW(nullptr, L"open", wide_url.c_str(), nullptr, nullptr, SW_SHOWNORMAL));
    if (result <= 32)
      show_message(text_.seal_tool,
                   std::string(text_.browser_failed) +
                       win32_error_text(static_cast<unsigned long>(GetLastError())),
                   MB_ICONERROR);
    return;
  }
  std::wstring command_line = options_.browser + L" \"" + wide_url + L"\"";
  std::vector<wchar_t> buffer(command_line.begin(), command_line.end());
  buffer.push_back(L'\0');
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION process{};
  if (!CreateProcessW(nullptr, buffer.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                      &startup, &process)) {
    show_message(text_.seal_tool,
                 std::string(text_.browser_failed) +
                     win32_error_text(static_cast<unsigned long>(GetLastError())),
                 MB_ICONERROR);
    return;
  }
  // Nothing waits for the browser: its handles are closed at once.
  unique_handle browser_process(process.hProcess);
  unique_handle browser_thread(process.hThread);
}

void tray_app::show_message(const char* title, const std::string& text, UINT icon) {
  std::fprintf(stderr, "sealbridge-tray: message %s: %s\n", title, text.c_str());
  // MessageBoxW runs a modal loop of its own: the timers and completions keep arriving.
  MessageBoxW(window_, wide_from_utf8(text).c_str(),
              wide_from_utf8(std::string("SealBridge - ") + title).c_str(),
              MB_OK | icon | MB_SETFOREGROUND);
}

}  // namespace sealbridge::tray
