#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace sealbridge::tray {

// What one request/response round trip over TCP to 127.0.0.1 gave.
struct exchange_result {
  bool connected = false;  // false: nothing listens on the port (daemon not running)
  std::string response;    // every byte received until the daemon closed the connection
  std::string failure;     // why the exchange stopped early; empty when it completed
};

// Connects to 127.0.0.1:port, sends `request` whole and reads until the peer closes, at most
// `max_response` bytes. `timeout` bounds the connect, the send and every read. Blocking: the
// tray calls it off its UI thread. POSIX sockets or Winsock, one file each.
exchange_result loopback_exchange(std::uint16_t port, const std::string& request,
                                  std::chrono::milliseconds timeout, std::size_t max_response);

}  // namespace sealbridge::tray
