#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/secret.hpp"

namespace sealbridge::api {

// Readers for named params that answer BAD_PARAMS naming the field, so a portal developer
// sees at once what was wrong.
std::string required_string(const nlohmann::json& params, std::string_view name);
std::optional<std::string> optional_string(const nlohmann::json& params, std::string_view name);
// A PIN or other secret, read straight from the JSON text's string (no intermediate copy);
// empty when absent or null.
secret secret_param(const nlohmann::json& params, std::string_view name);
bool optional_bool(const nlohmann::json& params, std::string_view name, bool fallback);
// Base64 values: BAD_PARAMS when not base64 or (required) empty.
bytes required_base64(const nlohmann::json& params, std::string_view name);
std::optional<bytes> optional_base64(const nlohmann::json& params, std::string_view name);
// Lower-case or upper-case hex, as object ids are given.
bytes required_hex(const nlohmann::json& params, std::string_view name);

}  // namespace sealbridge::api
