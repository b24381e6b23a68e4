#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/request_handler.hpp"

namespace sealbridge::service {
class document_store;
}

namespace sealbridge::net {

// Every bound is absolute: a deadline is set once per phase and never pushed back by traffic,
// so a client dribbling bytes gains nothing over one sending none.
struct limits {
  std::size_t header_bytes = 8 * 1024;
  std::size_t body_bytes = 2 * 1024 * 1024;               // POST /rpc
  std::size_t websocket_message_bytes = 2 * 1024 * 1024;  // one incoming message
  std::uint64_t document_bytes = 100 * 1024 * 1024;       // POST /documents
  // A reply longer than this is replaced by an INTERNAL error (the API layer caps replies
  // first; this is the transport's own ceiling).
  std::size_t reply_bytes = 8 * 1024 * 1024;
  // A WebSocket client whose unsent messages exceed outbox_bytes is closed with 1013; above
  // outbox_pause_bytes (or with too much in flight) its next request is not read until the
  // outbox drains.
  std::size_t outbox_bytes = 12 * 1024 * 1024;
  std::size_t outbox_pause_bytes = 1024 * 1024;
  // Shared by all connections: request bodies and messages being handled, replies being
  // written, WebSocket outboxes. Requests over it get BUSY; outboxes over it close.
  std::size_t total_bytes = 64 * 1024 * 1024;
  std::chrono::seconds idle_timeout{30};       // WebSocket idle; writing a response
  std::chrono::seconds header_timeout{10};     // from waiting for a request head to its end
  std::chrono::seconds body_timeout{60};       // from the end of the head to the end of the body
  std::chrono::seconds handshake_timeout{10};  // TLS detection and handshake, WebSocket upgrade
  std::chrono::seconds drain_timeout{2};       // reading what is left of a refused request
  std::size_t max_connections = 64;
  std::size_t max_websockets = 48;  // of max_connections; the rest stay for plain requests
};

struct server_options {
  // Loopback addresses only; ::1 is skipped silently when the host has no IPv6 loopback.
  std::vector<std::string> addresses{"127.0.0.1", "::1"};
  std::uint16_t port = 16116;  // 0 = pick a free port; the same port is used on every address
  std::vector<std::string> allowed_origins;  // exact "scheme://host[:port]" strings
  std::filesystem::path webroot;             // static files served under "/"
  std::filesystem::path tls_certificate;     // PEM; TLS is on when both files exist
  std::filesystem::path tls_private_key;
  limits limit;
  unsigned threads = 1;
  // Serves /documents when set (404 otherwise); must outlive the server.
  service::document_store* documents = nullptr;
};

// The HTTP + WebSocket front door: one port speaks plain HTTP, WebSocket and (when a
// certificate is configured) TLS, detected per connection. Requests pass the gate (Host,
// Origin, CORS, limits) before `handler` sees them.
//
// `handler` must outlive the server, and must invoke or drop every pending reply callback
// before the server is destroyed (callbacks arriving later are ignored).
class server {
 public:
  server(server_options options, api::request_handler& handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds every address; throws sealbridge::error(errc::io_error) when an address other than
  // ::1 cannot be bound or is not a loopback address.
  void start();
  std::uint16_t port() const;  // the bound port, after start()
  bool tls() const;            // whether https/wss are served, after start()
  // Blocks, running the I/O on `threads` threads, until stop().
  void run();
  // Thread-safe; may be called before run(), which then returns at once.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sealbridge::net
