#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "service/token_registry.hpp"

namespace sealbridge::app {

// Everything an administrator can set. The JSON config file is read first; command-line flags
// override it.
struct config {
  std::vector<std::string> addresses{"127.0.0.1", "::1"};
  std::uint16_t port = 16116;
  std::vector<std::string> allowed_origins;
  std::filesystem::path state_dir;
  std::filesystem::path webroot;
  std::string log_level = "info";
  std::vector<service::module_config> modules;
  std::string renewal_url;
  std::string update_url;
  std::vector<std::filesystem::path> trusted_seal_makers;
};

// Throws error(bad_params) naming the offending field.
void apply_config_file(config& cfg, const std::filesystem::path& file);
// "127.0.0.1:16116", "localhost:0", "[::1]:16116". Only loopback hosts are accepted: the
// daemon must never be reachable from the network.
void apply_listen(config& cfg, std::string_view listen);
// Fills what neither file nor flags set: state dir, webroot.
void apply_defaults(config& cfg, const std::filesystem::path& executable);

}  // namespace sealbridge::app
