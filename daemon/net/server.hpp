#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/request_handler.hpp"

namespace sealbridge::net {

struct limits {
  std::size_t header_bytes = 8 * 1024;
  std::size_t body_bytes = 8 * 1024 * 1024;
  std::size_t websocket_message_bytes = 8 * 1024 * 1024;
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds handshake_timeout{10};
  std::size_t max_connections = 64;
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
  // Blocks, running the I/O on `threads` threads, until stop().
  void run();
  // Thread-safe; may be called before run(), which then returns at once.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sealbridge::net
