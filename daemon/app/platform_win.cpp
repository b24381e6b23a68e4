#include <windows.h>
// After windows.h, which it needs.
#include <shlobj.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/platform.hpp"
#include "core/error.hpp"
#include "core/win32_text.hpp"

namespace sealbridge::app {
namespace {

constexpr const wchar_t* kPolicyKey = L"Software\\Policies\\SealBridge";

std::filesystem::path known_folder(REFKNOWNFOLDERID id) {
  wchar_t* path = nullptr;
  std::filesystem::path out;
  if (SUCCEEDED(SHGetKnownFolderPath(id, KF_FLAG_DEFAULT, nullptr, &path)) && path != nullptr)
    out = path;
  CoTaskMemFree(path);
  return out;
}

// %ProgramData%\SealBridge: the administrator's config file and the machine's TLS files.
std::filesystem::path machine_data_dir() {
  auto program_data = known_folder(FOLDERID_ProgramData);
  if (program_data.empty()) program_data = L"C:\\ProgramData";
  return program_data / L"SealBridge";
}

struct registry_key {
  HKEY handle = nullptr;
  ~registry_key() {
    if (handle != nullptr) RegCloseKey(handle);
  }
};

// A REG_SZ (REG_EXPAND_SZ comes expanded) or REG_MULTI_SZ value as UTF-8 lines; nullopt when
// the value is not there.
struct policy_value {
  bool multi = false;
  std::vector<std::string> strings;
};

std::optional<policy_value> read_value(HKEY key, const wchar_t* name) {
  const std::string shown = "HKLM\\Software\\Policies\\SealBridge\\" + utf8_from_wide(name);
  std::vector<wchar_t> buffer(256);
  DWORD type = 0;
  for (;;) {
    DWORD size = static_cast<DWORD>(buffer.size() * sizeof(wchar_t));
    const LSTATUS status = RegGetValueW(key, nullptr, name, RRF_RT_REG_SZ | RRF_RT_REG_MULTI_SZ,
                                        &type, buffer.data(), &size);
    if (status == ERROR_FILE_NOT_FOUND) return std::nullopt;
    if (status == ERROR_MORE_DATA) {
      buffer.resize(size / sizeof(wchar_t) + 2);
      continue;
    }
    if (status == ERROR_UNSUPPORTED_TYPE)
      throw error(errc::bad_params, shown + " must be a string (REG_SZ or REG_MULTI_SZ)");
    if (status != ERROR_SUCCESS)
      throw error(errc::io_error, "cannot read " + shown + ": " + win32_error_text(status));
    buffer.resize(size / sizeof(wchar_t));
    break;
  }
  policy_value out;
  out.multi = type == REG_MULTI_SZ;
  // Both types are NUL-terminated strings laid end to end (REG_MULTI_SZ ends in an empty one).
  std::size_t start = 0;
  for (std::size_t i = 0; i <= buffer.size(); ++i) {
    if (i == buffer.size() || buffer[i] == L'\0') {
      if (i > start)
        out.strings.push_back(utf8_from_wide(std::wstring_view(buffer.data() + start, i - start)));
      start = i + 1;
      if (!out.multi) break;
    }
  }
  return out;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// One string may carry several entries (an MSI property is a single string): split on any of
// `separators`, dropping empty entries.
std::vector<std::string> entries(const policy_value& value, std::string_view separators) {
  std::vector<std::string> out;
  for (const auto& s : value.strings) {
    std::size_t start = 0;
    while (start <= s.size()) {
      auto end = s.find_first_of(separators, start);
      if (end == std::string::npos) end = s.size();
      if (auto entry = trimmed(std::string_view(s).substr(start, end - start)); !entry.empty())
        out.push_back(std::move(entry));
      start = end + 1;
    }
  }
  return out;
}

std::optional<std::string> single_string(HKEY key, const wchar_t* name) {
  auto value = read_value(key, name);
  if (!value) return std::nullopt;
  if (value->multi && value->strings.size() > 1)
    throw error(errc::bad_params,
                "HKLM\\Software\\Policies\\SealBridge\\" + utf8_from_wide(name) + " holds one URL");
  auto text = value->strings.empty() ? std::string() : trimmed(value->strings.front());
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

std::filesystem::path machine_tls_state_dir() {
  return machine_data_dir();
}

std::filesystem::path system_config_file() {
  return machine_data_dir() / L"config.json";
}

void apply_machine_policy(config& cfg) {
  registry_key key;
  // The 64-bit view, where a 64-bit MSI and group policy write.
  const LSTATUS status = RegOpenKeyExW(HKEY_LOCAL_MACHINE, kPolicyKey, 0,
                                       KEY_QUERY_VALUE | KEY_WOW64_64KEY, &key.handle);
  if (status == ERROR_FILE_NOT_FOUND) return;
  if (status != ERROR_SUCCESS)
    throw error(errc::io_error,
                "cannot open HKLM\\Software\\Policies\\SealBridge: " + win32_error_text(status));
  cfg.policy_source = "HKLM\\Software\\Policies\\SealBridge";

  // An empty value counts as not set: the MSI writes its properties whether given or not.
  if (auto value = read_value(key.handle, L"AllowedOrigins")) {
    auto origins = entries(*value, "; ,\t\r\n");
    if (!origins.empty()) cfg.allowed_origins = std::move(origins);
  }
  if (auto value = read_value(key.handle, L"Modules")) {
    // Paths may hold spaces and commas, never ';' in practice (PATH uses it too).
    auto paths = entries(*value, ";\r\n");
    if (!paths.empty()) {
      cfg.modules.clear();
      for (auto& path : paths) {
        service::module_config module;
        module.path = std::filesystem::path(wide_from_utf8(path));
        cfg.modules.push_back(std::move(module));
      }
    }
  }
  if (auto url = single_string(key.handle, L"RenewalUrl")) cfg.renewal_url = std::move(*url);
  if (auto url = single_string(key.handle, L"UpdateUrl")) {
    // The same rule as for the config file: manifests come over HTTPS only.
    if (!url->empty() && !url->starts_with("https://"))
      throw error(errc::bad_params, "UpdateUrl in the policy key must be an https:// URL");
    cfg.update_url = std::move(*url);
  }
}

std::filesystem::path executable_path(const char* argv0) {
  std::wstring buffer(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length =
        GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
    if (length == 0) return std::filesystem::path(argv0);
    if (length < buffer.size()) {
      buffer.resize(length);
      return std::filesystem::path(buffer);
    }
    buffer.resize(buffer.size() * 2);
  }
}

std::filesystem::path default_state_dir() {
  // Per user, like the daemon: %LOCALAPPDATA%, whose ACL admits only the user.
  auto local = known_folder(FOLDERID_LocalAppData);
  if (local.empty()) return std::filesystem::temp_directory_path() / L"SealBridge";
  return local / L"SealBridge";
}

std::filesystem::path installed_webroot(const std::filesystem::path& executable) {
  std::error_code ec;
  auto installed = executable.parent_path() / L"webroot";
  return std::filesystem::is_directory(installed, ec) ? installed : std::filesystem::path();
}

unsigned long current_process_id() {
  return GetCurrentProcessId();
}

void attach_console() {
  // Under wine, or with redirected output, the handles are there already.
  if (GetStdHandle(STD_ERROR_HANDLE) != nullptr) return;
  if (!AttachConsole(ATTACH_PARENT_PROCESS)) return;
  FILE* ignored = nullptr;
  freopen_s(&ignored, "CONOUT$", "w", stdout);
  freopen_s(&ignored, "CONOUT$", "w", stderr);
}

void block_stop_signals() {}

// The daemon has no console when started at logon (it is a GUI-subsystem program, so that no
// window appears), so a stop comes as a window message: a hidden top-level window receives
// WM_CLOSE (taskkill without /F, the MSI) and WM_ENDSESSION. When run from a console,
// Ctrl+C and Ctrl+Break stop it too.
struct stop_request::state {
  std::function<void()> on_stop;
  std::atomic<bool> fired{false};
  std::atomic<DWORD> window_thread_id{0};
  std::thread window_thread;

  void fire(const char* why) {
    if (fired.exchange(true)) return;
    spdlog::info("{}, stopping", why);
    on_stop();
  }
};

namespace {

constexpr UINT kQuitWithoutStop = WM_APP + 1;
std::atomic<stop_request::state*> console_target{nullptr};

BOOL WINAPI on_console_event(DWORD event) {
  auto* target = console_target.load();
  if (target == nullptr) return FALSE;
  target->fire(event == CTRL_C_EVENT ? "Ctrl+C received" : "console event received");
  return TRUE;
}

LRESULT CALLBACK stop_window_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
  auto* target = reinterpret_cast<stop_request::state*>(GetWindowLongPtrW(window, GWLP_USERDATA));
  switch (message) {
    case WM_CLOSE:
      if (target != nullptr) target->fire("asked to close");
      return 0;
    case WM_QUERYENDSESSION:
      return TRUE;
    case WM_ENDSESSION:
      if (wparam != 0 && target != nullptr) target->fire("session ending");
      return 0;
    default:
      return DefWindowProcW(window, message, wparam, lparam);
  }
}

void run_stop_window(stop_request::state* target) {
  WNDCLASSW window_class{};
  window_class.lpfnWndProc = stop_window_procedure;
  window_class.hInstance = GetModuleHandleW(nullptr);
  window_class.lpszClassName = L"SealBridgeDaemon";
  RegisterClassW(&window_class);
  HWND window = CreateWindowExW(0, window_class.lpszClassName, L"SealBridge", 0, 0, 0, 0, 0,
                                nullptr, nullptr, window_class.hInstance, nullptr);
  if (window == nullptr) {
    spdlog::warn("no stop window ({}): only Ctrl+C or ending the process stops the daemon",
                 win32_error_text(GetLastError()));
  } else {
    SetWindowLongPtrW(window, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(target));
  }
  MSG message;
  while (GetMessageW(&message, nullptr, 0, 0) > 0) {
    if (message.hwnd == nullptr && message.message == kQuitWithoutStop) break;
    DispatchMessageW(&message);
  }
  if (window != nullptr) DestroyWindow(window);
}

}  // namespace

stop_request::stop_request(std::function<void()> on_stop) : state_(std::make_unique<state>()) {
  state_->on_stop = std::move(on_stop);
  console_target = state_.get();
  SetConsoleCtrlHandler(on_console_event, TRUE);
  state_->window_thread = std::thread([target = state_.get()] {
    MSG ignored;
    // Creates the thread's message queue before anyone posts to it.
    PeekMessageW(&ignored, nullptr, WM_USER, WM_USER, PM_NOREMOVE);
    target->window_thread_id = GetCurrentThreadId();
    run_stop_window(target);
  });
}

stop_request::~stop_request() {
  SetConsoleCtrlHandler(on_console_event, FALSE);
  console_target = nullptr;
  state_->fired = true;  // the daemon is stopping already: no second on_stop
  // The thread posts its id once its queue exists; until then a post would be lost.
  while (state_->window_thread_id == 0) std::this_thread::yield();
  PostThreadMessageW(state_->window_thread_id, kQuitWithoutStop, 0, 0);
  state_->window_thread.join();
}

}  // namespace sealbridge::app
