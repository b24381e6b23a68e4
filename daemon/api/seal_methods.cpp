#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

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

bytes required_base64(const json& params, std::string_view name) {
  auto text = required_string(params, name);
  try {
    auto value = from_base64(text);
    if (value.empty()) throw error(errc::bad_params, std::string(name) + " is empty");
    return value;
  } catch (const error&) {
    throw error(errc::bad_params, std::string(name) + " must be base64");
  }
}

// The PIN moves straight into a wiped secret; it is never logged or kept.
secret pin_param(const json& params) {
  return secret(optional_string(params, "pin").value_or(""));
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

  table.add("seal.list", [&s](const json& params, const call_context&) {
    auto token = required_string(params, "token");
    auto pin = pin_param(params);
    service::login_request login{pin, optional_bool(params, "confirm_final_try", false)};
    auto now = now_seconds();
    auto seals = s.tokens.run(token, [&](service::token_access& key) {
      const auto* credentials = pin.empty() ? nullptr : &login;
      // A write interrupted by a re-plug too quick for the watcher to notice is finished
      // here, so the list never shows two seals for one esID.
      try {
        service::reconcile_seals(key, s.seal_journal, credentials);
      } catch (const error& e) {
        // Listing must still work; the journal stays for the next chance.
        spdlog::warn("key {}: pending seal write not finished yet: {}", key.token().id, e.what());
      }
      return service::list_seals(key, s.seal_policy, now, credentials);
    });
    json list = json::array();
    for (const auto& r : seals) list.push_back(seal_json(r, now));
    return json{{"seals", std::move(list)}};
  });

  table.add("seal.write", [&s](const json& params, const call_context&) {
    auto token = required_string(params, "token");
    auto der = required_base64(params, "seal");
    auto pin = pin_param(params);
    service::login_request login{pin, optional_bool(params, "confirm_final_try", false)};
    auto now = now_seconds();
    auto result = s.tokens.run(token, [&](service::token_access& key) {
      return service::write_seal(key, s.seal_policy, s.seal_journal, der, login, now);
    });
    json written = seal_json(result.written, now);
    if (!result.unchanged) {
      s.events.publish("seal.changed", json{{"token", token}, {"seal", written["id"]},
                                            {"es_id", written.value("es_id", "")},
                                            {"replaced", result.replaced ? json(*result.replaced) : json()}});
    }
    return json{{"seal", std::move(written)},
                {"replaced", result.replaced ? json(*result.replaced) : json()},
                {"unchanged", result.unchanged}};
  });
}

}  // namespace sealbridge::api
