#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "api/key_work.hpp"
#include "api/methods.hpp"
#include "api/params.hpp"
#include "api/seal_json.hpp"
#include "core/bytes.hpp"
#include "core/secret.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The PIN moves straight into a wiped secret; it is never logged or kept.
secret pin_param(const json& params) {
  return secret_param(params, "pin");
}

}  // namespace

void add_seal_methods(dispatcher& table, services& s) {
  table.add("seal.inspect", [&s](const json& params, const call_context&) {
    auto der = required_base64(params, "der");
    auto at = now_seconds();
    if (auto text = optional_string(params, "at")) {
      auto parsed = parse_iso8601(*text);
      if (!parsed) throw error(errc::bad_params, "at must be an ISO 8601 time");
      at = *parsed;
    }
    return seal_json(service::inspect_seal(der, s.seal_policy, at), at);
  });

  table.add_async("seal.list", [&s](const json& params, const call_context& ctx, responder reply) {
    auto token = required_string(params, "token");
    auto pin = std::make_shared<secret>(pin_param(params));
    bool confirm_final_try = optional_bool(params, "confirm_final_try", false);
    auto now = now_seconds();
    on_key(
        s.tokens, token, std::move(reply),
        [&s, pin, confirm_final_try, now, origin = ctx.origin](service::token_access& key) {
          service::login_request login{*pin, origin, confirm_final_try};
          const auto* credentials = pin->empty() ? nullptr : &login;
          // A write interrupted by a re-plug too quick for the watcher to notice is finished
          // here, so the list never shows two seals for one esID.
          try {
            service::reconcile_seals(key, s.seal_journal, credentials);
          } catch (const error& e) {
            // Listing must still work; the journal stays for the next chance.
            spdlog::warn("key {}: pending seal write not finished yet: {}", key.token().id,
                         e.what());
          }
          return service::list_seals(key, s.seal_policy, now, credentials);
        },
        [now](const auto& seals) {
          json list = json::array();
          for (const auto& r : seals) list.push_back(seal_json(r, now));
          return json{{"seals", std::move(list)}};
        });
  });

  table.add_async("seal.write", [&s](const json& params, const call_context& ctx, responder reply) {
    auto token = required_string(params, "token");
    auto der = required_base64(params, "seal");
    auto pin = std::make_shared<secret>(pin_param(params));
    bool confirm_final_try = optional_bool(params, "confirm_final_try", false);
    auto now = now_seconds();
    on_key(
        s.tokens, token, std::move(reply),
        [&s, der, pin, confirm_final_try, now, origin = ctx.origin](service::token_access& key) {
          service::login_request login{*pin, origin, confirm_final_try};
          return service::write_seal(key, s.seal_policy, s.seal_journal, der, login, now);
        },
        [&s, token, now](const auto& result) {
          json written = seal_json(result.written, now);
          json replaced = result.replaced ? json(*result.replaced) : json();
          if (!result.unchanged) {
            s.events.publish("seal.changed", json{{"token", token},
                                                  {"seal", written["id"]},
                                                  {"es_id", written.value("es_id", "")},
                                                  {"replaced", replaced}});
          }
          return json{{"seal", std::move(written)},
                      {"replaced", std::move(replaced)},
                      {"unchanged", result.unchanged}};
        });
  });
}

}  // namespace sealbridge::api
