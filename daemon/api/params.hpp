#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sealbridge::api {

// Readers for named params that answer BAD_PARAMS naming the field, so a portal developer
// sees at once what was wrong.
std::string required_string(const nlohmann::json& params, std::string_view name);
std::optional<std::string> optional_string(const nlohmann::json& params, std::string_view name);
bool optional_bool(const nlohmann::json& params, std::string_view name, bool fallback);

}  // namespace sealbridge::api
