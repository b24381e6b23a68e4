#include <nlohmann/json.hpp>

#include "api/methods.hpp"
#include "api/to_json.hpp"

namespace sealbridge::api {

using nlohmann::json;

void add_system_methods(dispatcher& table, services& s) {
  table.add("system.info", [&s, &table](const json&, const call_context&) {
    json modules = json::array();
    for (const auto& m : s.tokens.modules()) modules.push_back(module_json(m));
    return json{{"name", "SealBridge"},
                {"version", s.facts.version},
                {"listen", {{"addresses", s.facts.addresses}, {"port", s.facts.port}, {"tls", s.facts.tls}}},
                {"modules", std::move(modules)},
                {"methods", table.method_names()}};
  });

  table.add("system.diagnose", [&s](const json&, const call_context&) {
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto findings = service::diagnose(s.tokens, s.facts.version, now);
    json list = json::array();
    bool ok = true;
    for (const auto& f : findings) {
      if (f.level == service::finding_level::error) ok = false;
      list.push_back(finding_json(f));
    }
    return json{{"version", s.facts.version}, {"ok", ok}, {"findings", std::move(list)}};
  });
}

}  // namespace sealbridge::api
