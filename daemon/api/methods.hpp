#pragma once

#include <string>
#include <vector>

#include "api/dispatcher.hpp"
#include "api/event_hub.hpp"
#include "service/cert_journal.hpp"
#include "service/document_store.hpp"
#include "service/seals.hpp"
#include "service/signing.hpp"
#include "service/token_registry.hpp"
#include "service/update_check.hpp"

namespace sealbridge::api {

// What the daemon tells about itself in system.info.
struct daemon_facts {
  std::string version;
  std::vector<std::string> addresses;
  unsigned port = 0;
  bool tls = false;
  std::string renewal_url;  // the administrator's online renewal page, for the tray
  std::string update_url;   // where update.check looks; empty when not configured
};

struct services {
  service::token_registry& tokens;
  event_hub& events;
  daemon_facts facts;
  const service::seal_policy& seal_policy;
  service::seal_journal& seal_journal;
  service::cert_journal& cert_journal;
  service::signing_service& signing;
  std::vector<bytes> signing_roots;  // DER: what verified signatures' certificates chain to
  service::document_store& documents;
  service::worker& document_work;  // long reads of documents (pdf.verify), off the API threads
};

// Each family registers its methods; docs/api.md documents exactly this set.
void add_system_methods(dispatcher& table, services& s);
void add_token_methods(dispatcher& table, services& s);
void add_event_methods(dispatcher& table, services& s);
void add_seal_methods(dispatcher& table, services& s);
void add_cert_methods(dispatcher& table, services& s);
void add_sign_methods(dispatcher& table, services& s);
void add_verify_methods(dispatcher& table, services& s);
void add_pdf_methods(dispatcher& table, services& s);
// update.check and update.download: for callers without an Origin (the tray) or with the
// daemon's own origin (the seal tool) only.
void add_update_methods(dispatcher& table, services& s, service::update_service& updates);

// Turns registry events into token.inserted / token.removed notifications, and finishes seal
// writes that an unplug interrupted when the key comes back.
service::token_listener token_event_publisher(services& s);

}  // namespace sealbridge::api
