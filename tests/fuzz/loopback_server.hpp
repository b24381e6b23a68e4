#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// The real net::server on an ephemeral 127.0.0.1 port, started once per fuzzing process, with
// a real api::dispatcher behind it and a document store. Fuzz inputs reach it over a real TCP
// connection, so they take the daemon's own path: TLS detection, the HTTP session, the gate,
// the body readers, the WebSocket upgrade and session.
namespace sealbridge::fuzz {

class loopback_server {
 public:
  static loopback_server& instance();

  std::uint16_t port() const noexcept { return port_; }
  // `text` with every "16116" (the default port the seeds use) replaced by the bound port, so
  // seeds can name a Host the gate accepts.
  std::string with_port(std::string_view text) const;

  // Connects, sends `bytes`, half-closes and reads until the server closes the connection.
  // Aborts (a finding: "never a hung request") when the server neither answers nor closes
  // within the deadline. Returns what the server sent.
  std::string exchange(std::string_view bytes) const;

  // Connects, performs a WebSocket upgrade from an allowed origin, then sends `frames`,
  // half-closes and reads until the server closes. Returns what followed the 101 response.
  std::string websocket_exchange(std::string_view frames) const;

  // Forgets documents stored by earlier inputs, so the store never fills up.
  void forget_documents() const;

 private:
  loopback_server();
  std::uint16_t port_ = 0;
};

}  // namespace sealbridge::fuzz
