// sealbridge-tray: the SealBridge status icon. A client of the daemon's own HTTP API only.
#include <gtk/gtk.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/gtk_leak_options.hpp"
#include "texts.hpp"
#include "tray_app.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: sealbridge-tray [--port PORT] [--state-dir DIR] [--browser COMMAND]\n"
    "\n"
    "The SealBridge status icon and menu. It finds the daemon's port in DIR/daemon.json\n"
    "(default: the daemon's state dir for this user), else uses PORT or 16116.\n"
    "Pages open with COMMAND (or $SEALBRIDGE_BROWSER, else xdg-open) followed by the URL.\n";

std::filesystem::path icon_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path() / "../share/sealbridge/icons";
    if (std::filesystem::is_directory(installed, ec)) return installed;
  }
  return SEALBRIDGE_SOURCE_ICONS;  // a build tree runs with the checkout's icons
}

std::vector<std::string> browser_command(const std::string& text) {
  std::vector<std::string> out;
  gchar** argv = nullptr;
  if (!text.empty() && g_shell_parse_argv(text.c_str(), nullptr, &argv, nullptr)) {
    for (gchar** a = argv; *a; ++a) out.emplace_back(*a);
    g_strfreev(argv);
  }
  if (out.empty()) out.emplace_back("xdg-open");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sealbridge::tray;
  tray_options options;
  options.english = english_locale();
  options.state_dir = default_state_dir();
  const char* browser_env = std::getenv("SEALBRIDGE_BROWSER");
  std::string browser = browser_env ? browser_env : "";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("sealbridge-tray %s\n", SEALBRIDGE_VERSION);
      return 0;
    } else if (arg == "--port" && has_value) {
      const long port = std::strtol(argv[++i], nullptr, 10);
      if (port <= 0 || port > 65535) {
        std::fprintf(stderr, "sealbridge-tray: --port must be 1..65535\n");
        return 2;
      }
      options.port = static_cast<std::uint16_t>(port);
    } else if (arg == "--state-dir" && has_value) {
      options.state_dir = argv[++i];
    } else if (arg == "--browser" && has_value) {
      browser = argv[++i];
    } else {
      std::fprintf(stderr, "sealbridge-tray: unknown or incomplete option %s\n%s", arg.c_str(),
                   kUsage);
      return 2;
    }
  }
  options.browser = browser_command(browser);
  options.icon_dir = icon_dir();

  if (!gtk_init_check(&argc, &argv)) {
    std::fprintf(stderr, "sealbridge-tray: no display\n");
    return 1;
  }
  tray_app app(std::move(options));
  app.start();
  gtk_main();
  return 0;
}
