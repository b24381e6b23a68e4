#include <nlohmann/json.hpp>

#include "api/methods.hpp"
#include "core/error.hpp"
#include "service/update_check.hpp"

namespace sealbridge::api {
namespace {

using nlohmann::json;

// The update methods belong to the tray and the seal tool, never to a portal: a web page must
// not be able to make the daemon fetch, download or (even indirectly) install anything. Native
// clients send no Origin; the seal tool's pages have the daemon's own origin.
void require_local_caller(const call_context& context, unsigned port) {
  if (context.origin.empty()) return;
  auto p = std::to_string(port);
  for (const char* scheme : {"http://", "https://"}) {
    for (const char* host : {"127.0.0.1:", "localhost:", "[::1]:"}) {
      if (context.origin == std::string(scheme) + host + p) return;
    }
  }
  throw error(errc::origin_not_allowed, "update methods are for the tray and the seal tool only");
}

// Nothing about an update comes from the caller: the URL, the keys and where the file goes are
// the administrator's configuration.
void require_no_params(const json& params, const char* method) {
  if (params.is_null() || (params.is_object() && params.empty()) ||
      (params.is_array() && params.empty()))
    return;
  throw error(errc::bad_params, std::string(method) + " takes no params");
}

std::string_view status_name(service::update_status status) {
  switch (status) {
    case service::update_status::available:
      return "update_available";
    case service::update_status::up_to_date:
      return "up_to_date";
    case service::update_status::older_than_running:
      return "older_than_running";
  }
  return "up_to_date";
}

json report_json(const service::update_report& report, const std::string& running) {
  const auto& m = report.manifest;
  return json{{"current", running},
              {"latest", m.version},
              {"available", report.status == service::update_status::available},
              {"status", status_name(report.status)},
              {"notes", m.notes},
              {"url", m.url},
              {"size", m.size},
              {"sha256", m.sha256},
              {"serial", m.serial},
              {"expires", to_iso8601(m.expires)}};
}

}  // namespace

void add_update_methods(dispatcher& table, services& s, service::update_service& updates) {
  table.add_async("update.check", [&s, &updates](const json& params, const call_context& context,
                                                 responder reply) {
    require_local_caller(context, s.facts.port);
    require_no_params(params, "update.check");
    updates.check([reply, &updates](std::exception_ptr failure, service::update_report report) {
      if (failure) return reply.fail(failure);
      reply.guard([&] { reply.ok(report_json(report, updates.settings().running_version)); });
    });
  });

  table.add_async("update.download", [&s, &updates](const json& params, const call_context& context,
                                                    responder reply) {
    require_local_caller(context, s.facts.port);
    require_no_params(params, "update.download");
    updates.download([reply](std::exception_ptr failure, service::downloaded_update result) {
      if (failure) return reply.fail(failure);
      reply.guard([&] {
        reply.ok(json{{"version", result.manifest.version},
                      {"path", result.path.string()},
                      {"size", result.manifest.size},
                      {"sha256", result.manifest.sha256}});
      });
    });
  });
}

}  // namespace sealbridge::api
