// sealbridge-tray.exe: the SealBridge notification-area icon on Windows. A client of the
// daemon's own HTTP API only, like the Linux tray (main.cpp).
#include <windows.h>
// After windows.h:
#include <shellapi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/win32_handle.hpp"
#include "core/win32_text.hpp"
#include "texts.hpp"
#include "tray_app_win.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: sealbridge-tray [--port PORT] [--state-dir DIR] [--browser COMMAND]\n"
    "\n"
    "The SealBridge notification-area icon and menu. It finds the daemon's port in\n"
    "DIR\\daemon.json (default: %LOCALAPPDATA%\\SealBridge), else uses PORT or 16116.\n"
    "Pages open with COMMAND (or %SEALBRIDGE_BROWSER%) followed by the quoted URL, else with\n"
    "the user's default browser.\n";

std::vector<std::string> arguments() {
  std::vector<std::string> out;
  int count = 0;
  if (LPWSTR* argv = CommandLineToArgvW(GetCommandLineW(), &count)) {
    for (int i = 1; i < count; ++i) out.push_back(sealbridge::utf8_from_wide(argv[i]));
    LocalFree(argv);
  }
  return out;
}

std::wstring environment_value(const wchar_t* name) {
  std::wstring value(256, L'\0');
  for (;;) {
    const DWORD length =
        GetEnvironmentVariableW(name, value.data(), static_cast<DWORD>(value.size()));
    if (length == 0) return {};
    if (length < value.size()) {
      value.resize(length);
      return value;
    }
    value.resize(length);
  }
}

}  // namespace

int WINAPI WinMain(HINSTANCE instance, HINSTANCE, LPSTR, int) {
  using namespace sealbridge::tray;
  tray_options options;
  options.english = english_locale();
  options.state_dir = default_state_dir();
  options.browser = environment_value(L"SEALBRIDGE_BROWSER");
  const auto args = arguments();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("sealbridge-tray %s\n", SEALBRIDGE_VERSION);
      return 0;
    } else if (arg == "--port" && has_value) {
      const long port = std::strtol(args[++i].c_str(), nullptr, 10);
      if (port <= 0 || port > 65535) {
        std::fprintf(stderr, "sealbridge-tray: --port must be 1..65535\n");
        return 2;
      }
      options.port = static_cast<std::uint16_t>(port);
    } else if (arg == "--state-dir" && has_value) {
      options.state_dir = sealbridge::wide_from_utf8(args[++i]);
    } else if (arg == "--browser" && has_value) {
      options.browser = sealbridge::wide_from_utf8(args[++i]);
    } else {
      std::fprintf(stderr, "sealbridge-tray: unknown or incomplete option %s\n%s", arg.c_str(),
                   kUsage);
      return 2;
    }
  }

  // One icon per logon session: the Run entry starts the tray at every logon, and a user may
  // start it again by hand.
  sealbridge::unique_handle single(CreateMutexW(nullptr, FALSE, L"Local\\SealBridgeTray"));
  if (single && GetLastError() == ERROR_ALREADY_EXISTS) {
    std::fprintf(stderr, "sealbridge-tray: already running\n");
    return 0;
  }

  tray_app app(std::move(options));
  if (!app.start(instance)) {
    std::fprintf(stderr, "sealbridge-tray: no notification area (%s)\n",
                 sealbridge::win32_error_text(GetLastError()).c_str());
    return 1;
  }
  MSG message;
  while (GetMessageW(&message, nullptr, 0, 0) > 0) {
    TranslateMessage(&message);
    DispatchMessageW(&message);
  }
  return 0;
}
