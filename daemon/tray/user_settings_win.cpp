// What Windows says about the user: the UI language and where the daemon keeps its state.
#include <windows.h>
// After windows.h:
#include <knownfolders.h>
#include <objbase.h>
#include <shlobj.h>

#include "texts.hpp"
#include "tray_state.hpp"

namespace sealbridge::tray {

bool english_locale() {
  // The display language the user chose, not the regional format: a Chinese Windows with
  // English number formats still shows Chinese menus.
  return PRIMARYLANGID(GetUserDefaultUILanguage()) != LANG_CHINESE;
}

std::filesystem::path default_state_dir() {
  // The same folder as the daemon's (daemon/app/platform_win.cpp): per user, ACL for the user.
  PWSTR folder = nullptr;
  std::filesystem::path out;
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &folder)))
    out = std::filesystem::path(folder) / L"SealBridge";
  CoTaskMemFree(folder);
  if (out.empty()) return std::filesystem::temp_directory_path() / L"SealBridge";
  return out;
}

}  // namespace sealbridge::tray
