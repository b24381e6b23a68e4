#pragma once

#include <string>
#include <vector>

#include "api/dispatcher.hpp"
#include "api/event_hub.hpp"
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
};

// Each family registers its methods; docs/api.md documents exactly this set.
void add_system_methods(dispatcher& table, services& s);
void add_token_methods(dispatcher& table, services& s);
void add_event_methods(dispatcher& table, services& s);

// Turns registry events into token.inserted / token.removed notifications.
service::token_listener token_event_publisher(event_hub& events);

}  // namespace sealbridge::api
