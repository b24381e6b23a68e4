#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "service/document_store.hpp"
#include "service/signing.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::app {

// Everything an administrator can set. The JSON config file is read first; command-line flags
// override it.
struct config {
  std::vector<std::string> addresses{"127.0.0.1", "::1"};
  std::uint16_t port = 16116;
  std::vector<std::string> allowed_origins;
  std::filesystem::path state_dir;
  // No --state-dir and no "state_dir": the user's default. Only then does a Windows daemon
  // serve the installer's TLS leaf for the whole machine instead of its own.
  bool state_dir_is_default = false;
  std::filesystem::path webroot;
  std::string log_level = "info";
  std::vector<service::module_config> modules;
  std::string renewal_url;
  std::string update_url;  // the signed manifest; https:// only
  // Ed25519 public keys (raw 32 bytes; base64 in the file) that may sign the manifest: two, so
  // the release engineers can rotate one while the other still verifies.
  std::vector<bytes> update_public_keys;
  // PEM CA certificates trusted for the manifest and installer servers besides the system's.
  std::filesystem::path update_ca_file;
  // Local HTTPS/WSS on the same port: the daemon mints its root and leaf in state_dir/tls when
  // missing or due for renewal, and serves TLS from them. false: plain HTTP/WS only.
  bool tls = true;
  std::vector<std::filesystem::path> trusted_seal_makers;
  // Who may sign how: "origin_policy": {"https://portal…": {"consent": "each"|"session"|"none",
  // "pin_from_page": false}}.
  service::signing_policy signing;
  // CA certificates (PEM) that signer certificates of verified signatures chain to.
  std::vector<std::filesystem::path> trusted_signing_roots;
  // The consent/PIN dialog program; empty: sealbridge-consent beside the daemon.
  std::filesystem::path consent_dialog;
  service::document_limits documents;  // "documents": {max_bytes, max_total_bytes, ttl_seconds}
  // Where the administrator's policy came from (platform.hpp), for the start-up log; empty
  // when there was none.
  std::string policy_source;
};

// Throws error(bad_params) naming the offending field.
void apply_config_file(config& cfg, const std::filesystem::path& file);
// "127.0.0.1:16116", "localhost:0", "[::1]:16116". Only loopback hosts are accepted: the
// daemon must never be reachable from the network.
void apply_listen(config& cfg, std::string_view listen);
// The user's own config, read after /etc/sealbridge/config.json when no --config is given:
// $XDG_CONFIG_HOME/sealbridge/config.json, else ~/.config/sealbridge/config.json; empty
// when neither variable is set.
std::filesystem::path user_config_file();
// Fills what neither file nor flags set: state dir, webroot.
void apply_defaults(config& cfg, const std::filesystem::path& executable);

}  // namespace sealbridge::app
