#pragma once

#include <string>
#include <vector>

#include "api/dispatcher.hpp"
#include "api/event_hub.hpp"
#include "service/cert_journal.hpp"
#include "service/seals.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::api {

// What the daemon tells about itself in system.info.
struct daemon_facts {
  std::string version;
  std::vector<std::string> addresses;
  unsigned port = 0;
  bool tls = false;
};

struct services {
  service::token_registry& tokens;
  event_hub& events;
  daemon_facts facts;
  const service::seal_policy& seal_policy;
  service::seal_journal& seal_journal;
  service::cert_journal& cert_journal;
};

// Each family registers its methods; docs/api.md documents exactly this set.
void add_system_methods(dispatcher& table, services& s);
void add_token_methods(dispatcher& table, services& s);
void add_event_methods(dispatcher& table, services& s);
void add_seal_methods(dispatcher& table, services& s);
void add_cert_methods(dispatcher& table, services& s);

// Turns registry events into token.inserted / token.removed notifications, and finishes seal
// writes that an unplug interrupted when the key comes back.
service::token_listener token_event_publisher(services& s);

}  // namespace sealbridge::api
