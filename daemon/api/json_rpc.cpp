#include "api/json_rpc.hpp"

#include "api/error_reply.hpp"

namespace sealbridge::api {

using nlohmann::json;

rpc_request parse_request(const json& message) {
  if (!message.is_object()) throw error(errc::bad_request, "a request must be a JSON object");
  rpc_request req;
  if (auto it = message.find("id"); it != message.end()) {
    // Fractional ids are discouraged by the spec and objects/arrays forbidden.
    if (!(it->is_string() || it->is_number_integer() || it->is_number_unsigned() || it->is_null()))
      throw error(errc::bad_request, "id must be a string, an integer or null");
    req.id = *it;
  }
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0")
    throw error(errc::bad_request, R"("jsonrpc" must be "2.0")");
  auto method = message.find("method");
  if (method == message.end() || !method->is_string() || method->get_ref<const std::string&>().empty())
    throw error(errc::bad_request, R"("method" must be a non-empty string)");
  req.method = method->get<std::string>();
  if (auto params = message.find("params"); params != message.end() && !params->is_null()) {
    // By-position params would make every method's contract ambiguous; all of ours are named.
    if (!params->is_object()) throw error(errc::bad_params, R"("params" must be an object)");
    req.params = *params;
  } else {
    req.params = json::object();
  }
  return req;
}

json error_object(const error& e, std::optional<int> rpc_code_override) {
  json data = {{"code", code_name(e.code())},
               {"message_zh", message_zh(e.code())},
               {"message_en", message_en(e.code())}};
  if (!e.detail().empty()) data["detail"] = e.detail();
  if (e.tries_left) data["tries_left"] = *e.tries_left;
  return {{"code", rpc_code_override.value_or(rpc_code(e.code()))},
          {"message", message_en(e.code())},
          {"data", std::move(data)}};
}

json error_reply(const json& id, const error& e, std::optional<int> rpc_code_override) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", error_object(e, rpc_code_override)}};
}

json result_reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json notification(std::string_view method, json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string error_reply_text(const error& e) { return error_reply(nullptr, e).dump(); }

}  // namespace sealbridge::api
