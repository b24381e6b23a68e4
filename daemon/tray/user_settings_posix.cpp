// What the desktop session says about the user on Linux: the language and where the daemon
// keeps its state.
#include <cstdlib>
#include <string_view>

#include "texts.hpp"
#include "tray_state.hpp"

namespace sealbridge::tray {

bool english_locale() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) return std::string_view(value).starts_with("en");
  }
  return false;
}

std::filesystem::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "sealbridge";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local/state/sealbridge";
  return {};
}

}  // namespace sealbridge::tray
