#include <nlohmann/json.hpp>

#include "api/key_work.hpp"
#include "api/methods.hpp"
#include "api/params.hpp"
#include "api/to_json.hpp"
#include "service/certificates.hpp"

namespace sealbridge::api {

using nlohmann::json;

void add_token_methods(dispatcher& table, services& s) {
  table.add("token.list", [&s](const json&, const call_context&) {
    json tokens = json::array();
    for (const auto& t : s.tokens.tokens()) tokens.push_back(token_json(t));
    return json{{"tokens", std::move(tokens)}};
  });

  table.add_async("cert.list", [&s](const json& params, const call_context&, responder reply) {
    on_key(
        s.tokens, required_string(params, "token"), std::move(reply),
        [](service::token_access& key) { return service::read_certificates(key); },
        [](const auto& certs) {
          auto now =
              std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
          json list = json::array();
          for (const auto& c : certs) list.push_back(certificate_json(c, now));
          return json{{"certificates", std::move(list)}};
        });
  });
}

}  // namespace sealbridge::api
