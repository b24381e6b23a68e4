#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "net/gate.hpp"

namespace sealbridge::net {

// Where a GET of `target` under `webroot` leads. status 200 with an existing regular file,
// 400 for a target that tries to leave the webroot or is not a clean path, 404 otherwise.
struct static_target {
  int status = 404;
  std::filesystem::path file;
};

// Decodes %XX escapes; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// "/" and directories map to their index.html. Rejects "..", its encodings, backslashes, NUL
// and drive colons before touching the file system, then resolves symlinks and requires the
// result to lie inside the canonical webroot.
static_target resolve_static_path(const std::filesystem::path& webroot, std::string_view target);

// By extension, case-insensitive; application/octet-stream when unknown.
std::string_view mime_type(const std::filesystem::path& file);

// Content-Type, caching and hardening headers for a static file served by the daemon on `port`.
header_list static_headers(const std::filesystem::path& file, std::uint16_t port);

}  // namespace sealbridge::net
