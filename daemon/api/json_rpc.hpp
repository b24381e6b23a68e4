#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace sealbridge::api {

// A request that passed envelope validation. `id` is absent for notifications.
struct rpc_request {
  std::optional<nlohmann::json> id;
  std::string method;
  nlohmann::json params;  // object (possibly empty)
};

// Validates the JSON-RPC 2.0 envelope of one request object; throws error(bad_request) on a
// malformed envelope. The id is recovered whenever possible so the error reply can carry it.
rpc_request parse_request(const nlohmann::json& message);

// The `error` member: {"code": int, "message": en, "data": {"code", "message_zh", "message_en",
// "detail"?, "tries_left"?}}.
// JSON-RPC's own code for unparsable JSON; the stable string code stays BAD_REQUEST.
inline constexpr int kParseErrorCode = -32700;

nlohmann::json error_object(const sealbridge::error& e, std::optional<int> rpc_code_override = {});
nlohmann::json error_reply(const nlohmann::json& id, const sealbridge::error& e,
                           std::optional<int> rpc_code_override = {});
nlohmann::json result_reply(const nlohmann::json& id, nlohmann::json result);
nlohmann::json notification(std::string_view method, nlohmann::json params);

}  // namespace sealbridge::api
