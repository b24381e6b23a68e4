#include <nlohmann/json.hpp>

#include "api/methods.hpp"
#include "api/to_json.hpp"
#include "service/diagnose.hpp"
#include "service/signing.hpp"

namespace sealbridge::api {

using nlohmann::json;

void add_system_methods(dispatcher& table, services& s) {
  table.add("system.info", [&s, &table](const json&, const call_context&) {
    json modules = json::array();
    for (const auto& m : s.tokens.modules()) modules.push_back(module_json(m));
    return json{{"name", "SealBridge"},
                {"version", s.facts.version},
                {"listen",
                 {{"addresses", s.facts.addresses}, {"port", s.facts.port}, {"tls", s.facts.tls}}},
                {"modules", std::move(modules)},
                {"renewal_url", s.facts.renewal_url},
                {"update_url", s.facts.update_url},
                {"methods", table.method_names()}};
  });

  // Reads every key's certificates on the keys' own workers, so a slow key never holds an API
  // thread.
  table.add_async("system.diagnose", [&s](const json&, const call_context&, responder reply) {
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    service::diagnose_facts facts{s.facts.version, {}};
    for (const auto& [origin, rule] : s.signing.policy().origins)
      if (rule.consent == service::consent_mode::none) facts.unattended_origins.push_back(origin);
    service::diagnose(
        s.tokens, std::move(facts), now,
        [reply, version = s.facts.version](std::vector<service::finding> findings) {
          reply.guard([&] {
            json list = json::array();
            bool ok = true;
            for (const auto& f : findings) {
              if (f.level == service::finding_level::error) ok = false;
              list.push_back(finding_json(f));
            }
            reply.ok(json{{"version", version}, {"ok", ok}, {"findings", std::move(list)}});
          });
        });
  });
}

}  // namespace sealbridge::api
