#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sealbridge::tray {

// What the icon says, most urgent first: a certificate or seal that must be renewed before it
// expires outranks an update, which outranks whether a key is plugged in.
enum class tray_state { offline, expiring, update_available, no_key, key_present };

constexpr int kExpiryWarningDays = 30;  // the portals' "证书即将过期" threshold

// One poll of the daemon, gathered off the main thread.
struct daemon_snapshot {
  bool reachable = false;
  std::string version;
  std::string renewal_url;
  int tokens = 0;
  std::optional<int> fewest_days_left;  // over every certificate and seal on every key
};

struct update_status {
  bool known = false;
  bool available = false;
  std::string version;
};

tray_state state_of(const daemon_snapshot& snapshot, const update_status& update);
const char* icon_name(tray_state state);

// Lowest "days_left" among the objects of a cert.list or seal.list result's array `field`.
std::optional<int> fewest_days_left(const nlohmann::json& result, const char* field);

// An update.check result read leniently: {"available": bool, "version"|"latest": string}
// ("update_available" is accepted for "available").
update_status update_status_of(const nlohmann::json& result);

// The daemon's port: the one it wrote to STATE_DIR/daemon.json when it started, else 16116.
std::uint16_t daemon_port(const std::filesystem::path& state_dir);
// The daemon's default state dir for this user: XDG_STATE_HOME/sealbridge (~/.local/state/...)
// on Linux, %LOCALAPPDATA%\SealBridge on Windows.
std::filesystem::path default_state_dir();

}  // namespace sealbridge::tray
