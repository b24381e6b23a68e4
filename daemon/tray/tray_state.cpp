#include "tray_state.hpp"

#include <fstream>

namespace sealbridge::tray {

tray_state state_of(const daemon_snapshot& snapshot, const update_status& update) {
  if (!snapshot.reachable) return tray_state::offline;
  if (snapshot.fewest_days_left && *snapshot.fewest_days_left <= kExpiryWarningDays)
    return tray_state::expiring;
  if (update.known && update.available) return tray_state::update_available;
  return snapshot.tokens > 0 ? tray_state::key_present : tray_state::no_key;
}

const char* icon_name(tray_state state) {
  switch (state) {
    case tray_state::offline:
      return "sealbridge-tray-offline";
    case tray_state::expiring:
      return "sealbridge-tray-expiring";
    case tray_state::update_available:
      return "sealbridge-tray-update";
    case tray_state::no_key:
      return "sealbridge-tray-nokey";
    case tray_state::key_present:
      break;
  }
  return "sealbridge-tray-key";
}

std::optional<int> fewest_days_left(const nlohmann::json& result, const char* field) {
  std::optional<int> fewest;
  if (!result.is_object() || !result.contains(field) || !result[field].is_array()) return fewest;
  for (const auto& item : result[field]) {
    if (!item.is_object() || !item.contains("days_left") || !item["days_left"].is_number_integer())
      continue;
    const int days = item["days_left"].get<int>();
    if (!fewest || days < *fewest) fewest = days;
  }
  return fewest;
}

update_status update_status_of(const nlohmann::json& result) {
  update_status out;
  if (!result.is_object()) return out;
  for (const char* name : {"available", "update_available"}) {
    if (auto it = result.find(name); it != result.end() && it->is_boolean()) {
      out.known = true;
      out.available = it->get<bool>();
    }
  }
  for (const char* name : {"version", "latest", "latest_version"}) {
    if (auto it = result.find(name); it != result.end() && it->is_string()) {
      out.version = it->get<std::string>();
      break;
    }
  }
  return out;
}

std::uint16_t daemon_port(const std::filesystem::path& state_dir) {
  constexpr std::uint16_t kDefaultPort = 16116;
  if (state_dir.empty()) return kDefaultPort;
  std::ifstream in(state_dir / "daemon.json");
  if (!in) return kDefaultPort;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("port") || !j["port"].is_number_unsigned())
    return kDefaultPort;
  const auto port = j["port"].get<unsigned>();
  return port > 0 && port <= 65535 ? static_cast<std::uint16_t>(port) : kDefaultPort;
}

}  // namespace sealbridge::tray
