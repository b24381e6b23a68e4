#include "snapshot.hpp"

#include "rpc_client.hpp"

namespace sealbridge::tray {

daemon_snapshot take_snapshot(std::uint16_t port) {
  daemon_snapshot s;
  const auto info = call_rpc(port, "system.info");
  if (!info.ok()) return s;
  s.reachable = true;
  s.version = info.result.value("version", std::string{});
  s.renewal_url = info.result.value("renewal_url", std::string{});
  const auto tokens = call_rpc(port, "token.list");
  if (!tokens.ok() || !tokens.result.contains("tokens") || !tokens.result["tokens"].is_array())
    return s;
  auto take_fewest = [&s](std::optional<int> days) {
    if (days && (!s.fewest_days_left || *days < *s.fewest_days_left)) s.fewest_days_left = days;
  };
  for (const auto& token : tokens.result["tokens"]) {
    if (!token.is_object() || !token.contains("id") || !token["id"].is_string()) continue;
    ++s.tokens;
    const nlohmann::json params{{"token", token["id"]}};
    if (auto certs = call_rpc(port, "cert.list", params); certs.ok())
      take_fewest(fewest_days_left(certs.result, "certificates"));
    // Seals the key keeps private need the PIN (PIN_REQUIRED): the tray never asks for one.
    if (auto seals = call_rpc(port, "seal.list", params); seals.ok())
      take_fewest(fewest_days_left(seals.result, "seals"));
  }
  return s;
}

}  // namespace sealbridge::tray
