#include <nlohmann/json.hpp>

#include "api/methods.hpp"
#include "api/to_json.hpp"
#include "service/cert_objects.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {
constexpr const char* kEvents[] = {"token.inserted", "token.removed", "seal.changed", "cert.changed"};
}

void add_event_methods(dispatcher& table, services& s) {
  table.add("events.subscribe", [&s](const json&, const call_context& context) {
    // HTTP has no channel to push on; saying so beats a subscription that never fires.
    if (context.via != transport::websocket || context.sink.expired())
      throw error(errc::not_supported, "events.subscribe needs a WebSocket connection (/ws)");
    s.events.subscribe(context.sink);
    return json{{"subscribed", true}, {"events", kEvents}};
  });
}

service::token_listener token_event_publisher(services& s) {
  return [&s](service::token_event kind, const service::token_record& token) {
    bool inserted = kind == service::token_event::inserted;
    if (inserted) {
      // Separate jobs: a key that wants the PIN for one kind of write must not hold up the other.
      s.tokens.post(token.id, [&s](service::token_access& key) {
        service::reconcile_seals(key, s.seal_journal, nullptr);
      });
      s.tokens.post(token.id, [&s](service::token_access& key) {
        service::reconcile_certificates(key, s.cert_journal);
      });
    }
    s.events.publish(inserted ? "token.inserted" : "token.removed", json{{"token", token_json(token)}});
  };
}

}  // namespace sealbridge::api
